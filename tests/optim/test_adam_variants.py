"""minidl.optim NAdam, Adamax and RAdam: against float64 formulas written from PyTorch's
documentation, and against torch.optim (run in a subprocess; skipped without torch)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from optim_cases import STEPS, make_data, save_data

import minidl as mdl
from minidl import optim
from minidl.nn import Parameter

CASES = [
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.2, "decoupled_weight_decay": True, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.7, 0.9), "eps": 1e-3, "weight_decay": 0.1}),
    ("RAdam", {}),  # beta2 = 0.999: rho_t <= 5 for the first steps (momentum only)
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.5)}),  # rho_inf = 3: never rectified
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1}),  # rectified from step 6
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True}),
]


# ----------------------------------------------------------------------------- hand formulas
def hand(name, p, grads, lr=None, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
         decoupled_weight_decay=False, maximize=False):
    """One parameter, float64, written from the formulas in PyTorch's documentation."""
    lr = {"NAdam": 2e-3, "Adamax": 2e-3, "RAdam": 1e-3}[name] if lr is None else lr
    b1, b2 = betas
    m, v, u = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    mu_product, t = 1.0, 0
    for g in grads:
        if g is None:
            continue
        t += 1
        g = -g if maximize else g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        if name == "Adamax":
            u = np.maximum(b2 * u, np.abs(g) + eps)
            p = p - lr / (1 - b1**t) * m / u
            continue
        v = b2 * v + (1 - b2) * g * g
        if name == "NAdam":
            mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
            mu_product *= mu
            denom = np.sqrt(v / (1 - b2**t)) + eps
            p = p - lr * (1 - mu) / (1 - mu_product) * g / denom \
                - lr * mu_next / (1 - mu_product * mu_next) * m / denom
        else:
            m_hat = m / (1 - b1**t)
            rho_inf = 2 / (1 - b2) - 1
            rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
            if rho > 5:
                r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
                p = p - lr * r * m_hat * np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            else:
                p = p - lr * m_hat
    return p


def _run_minidl(name, kwargs, dtype):
    params, grads = make_data()
    tensors = [Parameter(p, dtype=dtype) for p in params]
    opt = getattr(optim, name)(tensors, **kwargs)
    for step in grads:
        for t, g in zip(tensors, step):
            t.grad = None if g is None else mdl.tensor(g.astype(dtype), dtype=dtype)
        opt.step()
    return [t.numpy() for t in tensors]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_matches_hand_formula_in_float64(name, kwargs):
    params, grads = make_data()
    got = _run_minidl(name, kwargs, np.float64)
    for i, p in enumerate(params):
        expected = hand(name, p, [step[i] for step in grads], **kwargs)
        np.testing.assert_allclose(got[i], expected, rtol=1e-12, atol=1e-13)
        assert not np.allclose(expected, p)  # the steps did move the parameter


_TORCH_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import torch
    data, cases = np.load(sys.argv[1]), json.loads(sys.argv[2])
    out = {}
    for k, (name, kwargs) in enumerate(cases):
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        params = [torch.tensor(data[f"p{i}"], requires_grad=True) for i in range(2)]
        opt = getattr(torch.optim, name)(params, **kwargs)
        for s in range(int(sys.argv[3])):
            for i, p in enumerate(params):
                key = f"g{s}_{i}"
                p.grad = torch.tensor(data[key]) if key in data.files else None
            opt.step()
        for i, p in enumerate(params):
            out[f"case{k}_p{i}"] = p.detach().numpy()
    np.savez(sys.argv[4], **out)
""")


@pytest.fixture(scope="module")
def torch_values(tmp_path_factory):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")
    folder = tmp_path_factory.mktemp("torch_adam_variants")
    save_data(folder / "data.npz")
    (folder / "run.py").write_text(_TORCH_SCRIPT)
    done = subprocess.run([sys.executable, str(folder / "run.py"), str(folder / "data.npz"), json.dumps(CASES),
                           str(STEPS), str(folder / "out.npz")], capture_output=True, text=True, timeout=240,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    if done.returncode != 0:
        pytest.fail(f"the PyTorch reference run failed:\n{done.stderr[-3000:]}")
    with np.load(folder / "out.npz") as out:
        return dict(out)


@pytest.mark.parametrize("k, case", list(enumerate(CASES)))
def test_matches_torch_in_float32(k, case, torch_values):
    got = _run_minidl(*case, np.float32)
    for i, p in enumerate(got):
        np.testing.assert_allclose(p, torch_values[f"case{k}_p{i}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["NAdam", "Adamax", "RAdam"])
def test_bad_arguments(name):
    cls = getattr(optim, name)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        cls([Parameter(np.zeros(2))], lr=-1e-3)
    with pytest.raises(ValueError, match=r"betas\[1\] must be >= 0.0, < 1.0, got 1.0"):
        cls([Parameter(np.zeros(2))], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"betas\[0\] must be >= 0.0"):
        cls([Parameter(np.zeros(2))], betas=(-0.1, 0.9))
    with pytest.raises(ValueError, match="betas must be a pair"):
        cls([Parameter(np.zeros(2))], betas=0.9)
    with pytest.raises(ValueError, match="eps must be >= 0"):
        cls([Parameter(np.zeros(2))], eps=-1.0)
    with pytest.raises(TypeError, match="weight_decay must be a number"):
        cls([Parameter(np.zeros(2))], weight_decay="none")
    if name == "NAdam":
        with pytest.raises(ValueError, match="momentum_decay must be >= 0"):
            cls([Parameter(np.zeros(2))], momentum_decay=-0.1)


@pytest.mark.parametrize("name", ["NAdam", "Adamax", "RAdam"])
def test_state_dict_round_trip_continues_identically(name, tmp_path):
    params, grads = make_data()
    a = [Parameter(p.astype(np.float32)) for p in params]
    b = [Parameter(p.astype(np.float32)) for p in params]
    opt_a, opt_b = getattr(optim, name)(a, lr=0.01), getattr(optim, name)(b, lr=0.01)
    for s, step in enumerate(grads):
        for pa, pb, g in zip(a, b, step):
            pa.grad = pb.grad = None if g is None else mdl.tensor(g)
        opt_a.step()
        opt_b.step()
        if s == 2:  # b restarts from a saved file with a fresh optimizer
            mdl.save(opt_b.state_dict(), tmp_path / "opt.npz")
            opt_b = getattr(optim, name)(b, lr=0.5)
            opt_b.load_state_dict(mdl.load(tmp_path / "opt.npz"))
    for pa, pb in zip(a, b):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())
