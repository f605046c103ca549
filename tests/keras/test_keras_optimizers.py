"""minidl.keras.optimizers against hand-written Keras 3 formulas and against Keras itself.

Keras (when installed) runs in a subprocess with the NumPy backend, so TensorFlow is
never loaded next to anything else.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl import optim
from minidl.keras import optimizers
from minidl.keras.optimizers import schedules
from minidl.nn import Parameter

SHAPES = [(3, 4), (5,)]
STEPS = 6
# learning-rate schedules by name (the same ones are built in the Keras subprocess)
SCHEDULES = {
    "exp": ("ExponentialDecay", {"initial_learning_rate": 0.01, "decay_steps": 2, "decay_rate": 0.5}),
    "piecewise": ("PiecewiseConstantDecay", {"boundaries": [1, 3], "values": [0.02, 0.01, 0.005]}),
    "cosine": ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 4, "alpha": 0.1,
                               "warmup_target": 0.03, "warmup_steps": 2}),
    "inverse": ("InverseTimeDecay", {"initial_learning_rate": 0.02, "decay_steps": 2, "decay_rate": 0.7,
                                     "staircase": True}),
}
CASES = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-5, "amsgrad": True}),
    ("Adam", {"learning_rate": 0.01, "clipnorm": 1.0}),
    ("Adam", {"learning_rate": "exp", "global_clipnorm": 2.0}),
    ("AdamW", {"learning_rate": 0.01}),
    ("AdamW", {"learning_rate": "cosine", "weight_decay": 0.2, "clipvalue": 0.5}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True}),
    ("RMSprop", {"learning_rate": "piecewise", "momentum": 0.9, "weight_decay": 0.1}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": "inverse", "initial_accumulator_value": 0.5, "epsilon": 1e-5}),
]
DEFAULT_LR = {"SGD": 0.01, "Adam": 0.001, "AdamW": 0.001, "RMSprop": 0.001, "Adagrad": 0.001}


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    grads[2][1] = None  # no gradient for the second variable at step 3: skipped
    return params, grads


def make_lr(spec):
    if isinstance(spec, str):
        name, config = SCHEDULES[spec]
        return getattr(schedules, name)(**config)
    return spec


# ----------------------------------------------------------------------------- hand formulas
def _sgd(p, g, s, lr, t, momentum=0.0, nesterov=False):
    if not momentum:
        return p - lr * g
    s["v"] = momentum * s.get("v", 0.0) - lr * g
    return p + (momentum * s["v"] - lr * g if nesterov else s["v"])


def _adam(p, g, s, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - beta_1)
    s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - beta_2)
    s["vhat"] = np.maximum(s.get("vhat", 0.0), s["v"])
    alpha = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return p - alpha * s["m"] / (np.sqrt(s["vhat"] if amsgrad else s["v"]) + epsilon)


def _rmsprop(p, g, s, lr, t, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    s["vel"] = rho * s.get("vel", 0.0) + (1 - rho) * g * g
    s["avg"] = rho * s.get("avg", 0.0) + (1 - rho) * g
    denominator = s["vel"] - s["avg"] ** 2 + epsilon if centered else s["vel"] + epsilon
    increment = lr * g / np.sqrt(denominator)
    if momentum > 0:
        s["mom"] = momentum * s.get("mom", 0.0) + increment
        return p - s["mom"]
    return p - increment


def _adagrad(p, g, s, lr, t, initial_accumulator_value=0.1, epsilon=1e-7):
    s["acc"] = s.get("acc", initial_accumulator_value) + g * g
    return p - lr * g / np.sqrt(s["acc"] + epsilon)


RULES = {"SGD": _sgd, "Adam": _adam, "AdamW": _adam, "RMSprop": _rmsprop, "Adagrad": _adagrad}


def keras_by_hand(name, config, params, grads):
    """Keras 3's apply(): clip, decoupled decay, update; one global step counter."""
    config = dict(config)
    lr_of = make_lr(config.pop("learning_rate", DEFAULT_LR[name]))
    wd = config.pop("weight_decay", 0.004 if name == "AdamW" else None) or 0.0
    clipnorm, global_clip = config.pop("clipnorm", None), config.pop("global_clipnorm", None)
    clipvalue = config.pop("clipvalue", None)
    ps = [p.copy() for p in params]
    states = [{} for _ in params]
    for iteration, step in enumerate(grads):
        lr = lr_of(iteration) if callable(lr_of) else lr_of
        gs = {i: g.copy() for i, g in enumerate(step) if g is not None}
        if clipnorm:
            gs = {i: g * clipnorm / max(np.linalg.norm(g), clipnorm) for i, g in gs.items()}
        elif global_clip:
            norm = math.sqrt(sum(np.sum(g * g) for g in gs.values()))
            gs = {i: g * global_clip * min(1 / norm, 1 / global_clip) for i, g in gs.items()}
        elif clipvalue:
            gs = {i: np.clip(g, -clipvalue, clipvalue) for i, g in gs.items()}
        for i, g in gs.items():
            p = ps[i] - ps[i] * wd * lr
            ps[i] = RULES[name](p, g, states[i], lr, iteration + 1, **config)
    return ps


def run_minidl(name, config, params, grads, dtype, fast_path=True):
    config = dict(config)
    if "learning_rate" in config:
        config["learning_rate"] = make_lr(config["learning_rate"])
    opt = getattr(optimizers, name)(**config)
    ps = [Parameter(p, dtype=dtype) for p in params]
    for step in grads:
        if fast_path:  # the fit loop's call: gradients in p.grad
            for p, g in zip(ps, step):
                p.grad = None if g is None else mdl.tensor(g, dtype=dtype)
            opt.apply(ps)
        else:
            opt.apply_gradients([(g, p) for g, p in zip(step, ps) if g is not None])
    assert opt.iterations == STEPS
    return [p.numpy().astype(np.float64) for p in ps]


@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda k: f"{CASES[k][0]}-{k}")
@pytest.mark.parametrize("fast_path", [True, False], ids=["apply", "apply_gradients"])
def test_matches_keras_formulas(case, fast_path):
    name, config = CASES[case]
    params, grads = make_data()
    got = run_minidl(name, config, params, grads, np.float64, fast_path)
    want = keras_by_hand(name, config, params, grads)
    for g, w, p0 in zip(got, want, params):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
        assert np.abs(g - p0).max() > 1e-4


_KERAS_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    os.environ["KERAS_BACKEND"] = "numpy"
    import numpy as np
    import keras

    data = np.load(sys.argv[1])
    spec = json.load(open(sys.argv[2]))
    out = {}

    def lr_of(value):
        if isinstance(value, str):
            name, config = spec["schedules"][value]
            return getattr(keras.optimizers.schedules, name)(**config)
        return value

    for k, (name, config) in enumerate(spec["cases"]):
        config = dict(config)
        if "learning_rate" in config:
            config["learning_rate"] = lr_of(config["learning_rate"])
        opt = getattr(keras.optimizers, name)(**config)
        vs = [keras.Variable(data[f"p{i}"]) for i in range(spec["n"])]
        for s in range(spec["steps"]):
            pairs = [(data[f"g{s}_{i}"], v) for i, v in enumerate(vs) if f"g{s}_{i}" in data.files]
            opt.apply_gradients(pairs)
        for i, v in enumerate(vs):
            out[f"case{k}_p{i}"] = np.asarray(v.numpy())
    for key in spec["schedules"]:
        sched = lr_of(key)
        out[f"sched_{key}"] = np.array([float(sched(step)) for step in range(12)])
    np.savez(sys.argv[3], **out)
    """
)


@pytest.fixture(scope="module")
def keras_results(tmp_path_factory):
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    folder = tmp_path_factory.mktemp("keras_ref")
    params, grads = make_data()
    arrays = {f"p{i}": p.astype(np.float32) for i, p in enumerate(params)}
    arrays.update({f"g{s}_{i}": g.astype(np.float32) for s, step in enumerate(grads)
                   for i, g in enumerate(step) if g is not None})
    np.savez(folder / "data.npz", **arrays)
    spec = {"cases": CASES, "schedules": SCHEDULES, "n": len(SHAPES), "steps": STEPS}
    (folder / "spec.json").write_text(json.dumps(spec))
    (folder / "run_keras.py").write_text(_KERAS_SCRIPT)
    env = dict(os.environ, KERAS_BACKEND="numpy", OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, str(folder / "run_keras.py"), str(folder / "data.npz"),
                           str(folder / "spec.json"), str(folder / "out.npz")],
                          capture_output=True, text=True, timeout=300, env=env)
    if done.returncode != 0:
        pytest.fail(f"the Keras reference run failed:\n{done.stderr[-3000:]}")
    with np.load(folder / "out.npz") as out:
        return dict(out)


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda k: f"{CASES[k][0]}-{k}")
def test_matches_keras(case, keras_results):
    name, config = CASES[case]
    params, grads = make_data()
    params = [p.astype(np.float32) for p in params]
    grads = [[None if g is None else g.astype(np.float32) for g in step] for step in grads]
    got = run_minidl(name, config, params, grads, np.float32)
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, keras_results[f"case{case}_p{i}"], rtol=0, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_schedules_match_keras(key, keras_results):
    ours = [make_lr(key)(step) for step in range(12)]
    np.testing.assert_allclose(ours, keras_results[f"sched_{key}"], rtol=1e-6)


# ----------------------------------------------------------------------------- behaviour
def test_keras_defaults():
    sgd, adam, rms, ada, adamw = (optimizers.SGD(), optimizers.Adam(), optimizers.RMSprop(),
                                  optimizers.Adagrad(), optimizers.AdamW())
    assert (sgd.learning_rate, sgd.momentum, sgd.nesterov) == (0.01, 0.0, False)
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    assert (rms.learning_rate, rms.rho, rms.epsilon, rms.momentum) == (0.001, 0.9, 1e-7, 0.0)
    assert (ada.learning_rate, ada.initial_accumulator_value, ada.epsilon) == (0.001, 0.1, 1e-7)
    assert adamw.weight_decay == 0.004 and adam.weight_decay is None
    assert (sgd.name, adam.name, adamw.name, rms.name, ada.name) == ("sgd", "adam", "adamw", "rmsprop", "adagrad")


@pytest.mark.parametrize("ident, cls", [("adam", "Adam"), ("SGD", "SGD"), ("RMSprop", "RMSprop"),
                                        ("rmsprop", "RMSprop"), ("Adagrad", "Adagrad"), ("adamw", "AdamW")])
def test_get_by_name(ident, cls):
    assert type(optimizers.get(ident)).__name__ == cls


def test_get_config_is_json_and_round_trips():
    opt = optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5), clipnorm=1.0, amsgrad=True)
    config = json.loads(json.dumps(optimizers.serialize(opt)))
    again = optimizers.get(config)
    assert isinstance(again, optimizers.Adam) and again.get_config() == opt.get_config()
    assert again.learning_rate == pytest.approx(0.1)
    same = optimizers.SGD(momentum=0.9)
    assert optimizers.get(same) is same
    sgd = optimizers.SGD.from_config(same.get_config())
    assert (sgd.momentum, sgd.learning_rate) == (0.9, 0.01)


def test_get_errors():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamx'.*'adagrad', 'adam', 'adamax', 'adamw', 'nadam'"):
        optimizers.get("adamx")
    with pytest.raises(TypeError, match="use minidl.keras.optimizers"):
        optimizers.get(optim.Adam([Parameter(np.zeros(2))]))
    with pytest.raises(ValueError, match="unknown optimizer"):
        optimizers.get({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="only one of clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        optimizers.SGD(learning_rate=-1.0)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Adam(beta_1=1.5)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(lr=0.1)
    with pytest.raises(ValueError, match="weight_decay must be a number"):
        optimizers.AdamW(weight_decay=None)


def test_learning_rate_property():
    opt = optimizers.SGD(learning_rate=0.5)
    opt.learning_rate = 0.25
    assert opt.learning_rate == 0.25 and opt.learning_rate.numpy() == 0.25
    p = Parameter(np.ones(2))
    p.grad = mdl.tensor([1.0, 1.0], dtype=np.float64)
    opt.apply([p])
    np.testing.assert_allclose(p.numpy(), 0.75)
    scheduled = optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([0], [1.0, 0.5]))
    assert scheduled.learning_rate == 1.0
    scheduled.apply([p])
    assert scheduled.iterations == 1 and scheduled.learning_rate == 0.5
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.learning_rate = 0.1


def test_apply_forms_and_errors():
    p, q = Parameter(np.ones(3)), Parameter(np.ones(2))
    opt = optimizers.SGD(learning_rate=0.1)
    opt.apply([np.ones(3), mdl.tensor(np.ones(2), dtype=np.float64)], [p, q])  # Keras' apply(grads, vars)
    np.testing.assert_allclose(p.numpy(), 0.9)
    opt.apply([np.ones(3), np.ones(2)])  # built: variables implied
    np.testing.assert_allclose(q.numpy(), 0.8)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(None, p), (np.ones(2), q)])
    np.testing.assert_allclose(p.numpy(), 0.8)
    with pytest.raises(ValueError, match="not built with"):
        opt.apply_gradients([(np.ones(4), Parameter(np.ones(4)))])
    with pytest.raises(ValueError, match="gradient of shape"):
        opt.apply_gradients([(np.ones(4), p)])
    assert opt.iterations == 3
    with pytest.raises(ValueError, match="build"):
        optimizers.Adam().apply([np.ones(3)])


def test_exclude_from_weight_decay():
    w, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    b.name = "dense/bias"
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    w.grad = b.grad = mdl.tensor(np.zeros(2), dtype=np.float64)
    opt.apply([w, b])
    np.testing.assert_allclose(w.numpy(), 1 - 0.1 * 0.5)
    np.testing.assert_allclose(b.numpy(), 1.0)


@pytest.mark.parametrize("name, config", [c for c in CASES if not isinstance(c[1].get("learning_rate"), str)][1:])
def test_state_dict_round_trip_through_a_file(name, config, tmp_path):
    params, grads = make_data(seed=5)
    grads = [[g if g is not None else np.zeros(s) for g, s in zip(step, SHAPES)] for step in grads]
    straight = run_minidl(name, config, params, grads, np.float32)
    opt = getattr(optimizers, name)(**config)
    ps = [Parameter(p, dtype=np.float32) for p in params]
    for step in grads[:3]:
        opt.apply_gradients(zip(step, ps))
    mdl.save({"opt": opt.state_dict(), "w": [p.numpy() for p in ps]}, tmp_path / "o.npz")
    saved = mdl.load(tmp_path / "o.npz")
    opt2 = getattr(optimizers, name)(**config)
    ps2 = [Parameter(w) for w in saved["w"]]
    with pytest.raises(ValueError, match="build"):
        opt2.load_state_dict(saved["opt"])
    opt2.build(ps2)
    opt2.load_state_dict(saved["opt"])
    assert opt2.iterations == 3
    for step in grads[3:]:
        opt2.apply_gradients(zip(step, ps2))
    for a, b in zip(ps2, straight):
        np.testing.assert_array_equal(a.numpy().astype(np.float64), b)


def test_load_state_dict_checks_shapes():
    opt = optimizers.Adam()
    opt.build([Parameter(np.zeros(3))])
    other = optimizers.Adam()
    other.build([Parameter(np.zeros(4))])
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(opt.state_dict())


def test_nan_global_norm_gives_nan_update_as_keras():
    p = Parameter(np.ones(2))
    opt = optimizers.SGD(learning_rate=0.1, global_clipnorm=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt.apply_gradients([(np.array([np.inf, 1.0]), p)])
    assert np.isnan(p.numpy()).all()
