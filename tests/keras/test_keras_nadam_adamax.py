"""keras.optimizers.Nadam and Adamax against Keras 3.15.

Six steps of ``apply_gradients`` on f(w) = ½·Σ a·(w - c)², gradient a·(w - c), were run
once with real Keras 3.15 (``KERAS_BACKEND=jax``, float32 variables) on the data below
and the final weights hard-coded here: CI does not install Keras.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import minidl as mdl
from minidl.keras import optimizers

# the starting point and the quadratic the Keras run used (float32 values written out)
W0 = np.array([-1.3819687366485596, 0.9495299458503723, 0.966447114944458, -0.14070840179920197,
               0.5418838262557983], "float32")
A = np.array([3.315023899078369, 2.1151890754699707, 2.9347622394561768, 2.4740781784057617,
              2.332252264022827], "float32")
C = np.array([-1.2465931177139282, 0.8617230653762817, 0.4939320683479309, 0.8736191391944885,
              1.8790082931518555], "float32")

CASES = [
    ("Nadam", {}, [-1.377306580543518, 0.9448807835578918, 0.9617679715156555, -0.13602574169635773,
                   0.5465672612190247]),
    ("Nadam", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4},
     [-1.233761191368103, 0.8553187251091003, 0.7226917147636414, 0.11840324103832245, 0.8038791418075562]),
    ("Nadam", {"learning_rate": 0.05, "weight_decay": 0.1, "clipnorm": 0.5},
     [-1.2245680093765259, 0.851123571395874, 0.7210150361061096, 0.09443487226963043, 0.7595266699790955]),
    ("Adamax", {}, [-1.3760145902633667, 0.9436087012290955, 0.9604495763778687, -0.1347016990184784,
                    0.5478888750076294]),
    ("Adamax", {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-3},
     [-1.1983481645584106, 0.8349445462226868, 0.6442608833312988, 0.17807140946388245, 0.8551541566848755]),
    ("Adamax", {"learning_rate": 0.05, "weight_decay": 0.1, "clipvalue": 0.3},
     [-1.1788429021835327, 0.814380407333374, 0.6415390968322754, 0.15973520278930664, 0.82210373878479]),
]


def _run(opt, steps=6, w=None):
    w = mdl.tensor(W0.copy(), requires_grad=True) if w is None else w
    for _ in range(steps):
        opt.apply_gradients([(A * (w.numpy() - C), w)])
    return w


@pytest.mark.parametrize("name, kwargs, expected", CASES)
def test_matches_keras(name, kwargs, expected):
    w = _run(getattr(optimizers, name)(**kwargs))
    np.testing.assert_allclose(w.numpy(), expected, atol=2e-6)


def _hand_nadam(w, steps, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
    """Keras's Nadam written out in float64 from its documentation (not from minidl)."""
    m = v = np.zeros_like(w)
    product = 1.0
    for t in range(1, steps + 1):
        g = A * (w - C)
        u_t, u_next = b1 * (1 - 0.5 * 0.96**t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        product *= u_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
        w = w - lr * m_hat / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def test_nadam_in_float64_matches_the_formula_and_resumes_after_loading_state():
    w0 = W0.astype(np.float64)
    w = mdl.tensor(w0, requires_grad=True, dtype=np.float64)
    opt = optimizers.Nadam(learning_rate=0.02)
    _run(opt, 3, w)
    # a fresh optimizer, loaded with the state (through JSON, as a file would): the momentum
    # schedule's running product is derived from `iterations`, so it resumes exactly
    state = json.loads(json.dumps(opt.state_dict(), default=lambda a: a.tolist()))
    state["variables"] = [{k: np.asarray(v) for k, v in slots.items()} for slots in state["variables"]]
    fresh = optimizers.Nadam(learning_rate=0.02)
    fresh.build([w])
    fresh.load_state_dict(state)
    _run(fresh, 3, w)
    np.testing.assert_allclose(w.numpy(), _hand_nadam(w0, 6, lr=0.02), rtol=1e-12, atol=1e-12)


def test_by_name_defaults_and_config():
    for name, cls in (("nadam", optimizers.Nadam), ("Adamax", optimizers.Adamax)):
        opt = optimizers.get(name)
        assert type(opt) is cls
        assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon) == (0.001, 0.9, 0.999, 1e-7)
        config = json.loads(json.dumps(optimizers.serialize(cls(learning_rate=0.01, beta_2=0.9))))
        again = optimizers.deserialize(config)
        assert type(again) is cls and again.get_config() == config["config"]


@pytest.mark.parametrize("cls", [optimizers.Nadam, optimizers.Adamax])
def test_bad_arguments(cls):
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        cls(learning_rate=-0.1)
    with pytest.raises(ValueError, match=r"beta_1 must be in \[0.0, 1.0\]"):
        cls(beta_1=1.5)
    with pytest.raises(TypeError, match="epsilon must be a number"):
        cls(epsilon="small")
    with pytest.raises(ValueError, match="not recognized"):
        cls(momentum=0.9)
