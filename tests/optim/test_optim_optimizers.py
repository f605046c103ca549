"""minidl.optim: each optimizer against hand-written PyTorch formulas and against torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
from optim_cases import OPT_CASES, make_data

import minidl as mdl
from minidl import optim
from minidl.kernels import optim_updates
from minidl.nn import Parameter


# ----------------------------------------------------------------------------- hand formulas
# One parameter at a time, float64, written from PyTorch's documentation (not from minidl).
def hand_sgd(p, grads, lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
             maximize=False):
    b = None
    for g in grads:
        if g is None:
            continue
        g = (-g if maximize else g) + weight_decay * p
        if momentum:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
    return p


def hand_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
              decoupled=False):
    b1, b2 = betas
    m = v = vmax = np.zeros_like(p)
    t = 0
    for g in grads:
        if g is None:
            continue
        t += 1
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        v_used = vmax if amsgrad else v
        m_hat, v_hat = m / (1 - b1**t), v_used / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def hand_adamw(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
    return hand_adam(p, grads, lr, betas, eps, weight_decay, amsgrad, decoupled=True)


def hand_rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    s = a = b = np.zeros_like(p)
    for g in grads:
        if g is None:
            continue
        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g
        d = np.sqrt(s - a * a if centered else s) + eps
        if momentum > 0:
            b = momentum * b + g / d
            p = p - lr * b
        else:
            p = p - lr * g / d
    return p


def hand_adagrad(p, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
    s = np.full_like(p, initial_accumulator_value)
    t = 0
    for g in grads:
        if g is None:
            continue
        t += 1
        g = g + weight_decay * p
        s = s + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
    return p


HAND = {"SGD": hand_sgd, "Adam": hand_adam, "AdamW": hand_adamw, "RMSprop": hand_rmsprop,
        "Adagrad": hand_adagrad}


def run_minidl(name, kwargs, params, grads, dtype):
    """Run minidl.optim.<name> over the gradient sequence; return the final parameters (float64)."""
    kwargs = dict(kwargs)
    ps = [Parameter(p, dtype=dtype) for p in params]
    groups = kwargs.pop("_groups", None)
    arg = [dict(g, params=[p]) for g, p in zip(groups, ps)] if groups else ps
    opt = getattr(optim, name)(arg, **kwargs)
    for step in grads:
        for p, g in zip(ps, step):
            p.grad = None if g is None else mdl.tensor(g, dtype=dtype)
        opt.step()
    return [p.numpy().astype(np.float64) for p in ps]


def expected_by_hand(name, kwargs, params, grads):
    kwargs = dict(kwargs)
    groups = kwargs.pop("_groups", None) or [{}] * len(params)
    return [HAND[name](p, [step[i] for step in grads], **{**kwargs, **groups[i]}) for i, p in enumerate(params)]


@pytest.fixture(params=["numba", "numpy"])
def kernels(request, monkeypatch):
    """Run each test with the compiled kernels and with the NumPy reference path."""
    if request.param == "numpy":
        monkeypatch.setattr(optim_updates, "_USE_NUMBA", False)
    elif not optim_updates._USE_NUMBA:
        pytest.skip("Numba kernels are not active")
    return request.param


@pytest.mark.parametrize("case", range(len(OPT_CASES)), ids=lambda k: f"{OPT_CASES[k][0]}-{k}")
def test_matches_hand_formula_float64(case, kernels):
    name, kwargs = OPT_CASES[case]
    params, grads = make_data()
    got = run_minidl(name, kwargs, params, grads, np.float64)
    want = expected_by_hand(name, kwargs, params, grads)
    for g, w, p0 in zip(got, want, params):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
        assert np.abs(g - p0).max() > 1e-4  # the parameters moved


@pytest.mark.parametrize("case", range(len(OPT_CASES)), ids=lambda k: f"{OPT_CASES[k][0]}-{k}")
def test_matches_hand_formula_float32(case, kernels):
    name, kwargs = OPT_CASES[case]
    params, grads = make_data(seed=1)
    got = run_minidl(name, kwargs, params, grads, np.float32)
    want = expected_by_hand(name, kwargs, params, grads)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", range(len(OPT_CASES)), ids=lambda k: f"{OPT_CASES[k][0]}-{k}")
def test_matches_torch_optim(case, torch_results):
    name, kwargs = OPT_CASES[case]
    params, grads = make_data()
    params32 = [p.astype(np.float32) for p in params]
    grads32 = [[None if g is None else g.astype(np.float32) for g in step] for step in grads]
    got = run_minidl(name, kwargs, params32, grads32, np.float32)
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, torch_results[f"opt{case}_p{i}"], rtol=0, atol=1e-6)


# ----------------------------------------------------------------------------- behaviour
def test_defaults_are_pytorchs():
    p = [Parameter(np.zeros(2))]
    assert optim.SGD(p).defaults["lr"] == 1e-3
    adam = optim.Adam(p).defaults
    assert (adam["lr"], adam["betas"], adam["eps"], adam["weight_decay"]) == (1e-3, (0.9, 0.999), 1e-8, 0)
    assert optim.AdamW(p).defaults["weight_decay"] == 1e-2
    rms = optim.RMSprop(p).defaults
    assert (rms["lr"], rms["alpha"], rms["eps"]) == (1e-2, 0.99, 1e-8)
    ada = optim.Adagrad(p).defaults
    assert (ada["lr"], ada["eps"], ada["initial_accumulator_value"]) == (1e-2, 1e-10, 0)


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "lr must be >= 0"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "betas[0]"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "betas[1]"),
    (lambda p: optim.AdamW(p, eps=-1e-8), "eps"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov"),
    (lambda p: optim.RMSprop(p, alpha=-0.5), "alpha"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "lr_decay"),
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD([{"params": p, "lr": -1.0}]), "lr must be >= 0"),
    (lambda p: optim.SGD([{"params": p}, {"params": p}], lr=0.1), "appears twice"),
])
def test_bad_arguments_raise_clear_value_errors(make, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make([Parameter(np.zeros(3))])


def test_bad_parameters_raise_type_errors():
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(Parameter(np.zeros(3)), lr=0.1)
    with pytest.raises(TypeError, match="Tensors/Parameters"):
        optim.Adam([np.zeros(3)])
    x = mdl.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.Adam([x * 2])


def test_zero_grad_and_skip_without_grad():
    p, q = Parameter(np.ones(3)), Parameter(np.ones(2))
    opt = optim.SGD([p, q], lr=0.5)
    p.grad = mdl.tensor(np.ones(3), dtype=np.float64)
    opt.step()
    np.testing.assert_array_equal(p.numpy(), 0.5)
    np.testing.assert_array_equal(q.numpy(), 1.0)  # no gradient: untouched
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.numpy(), 0.0)
    assert q.grad is None
    opt.zero_grad()
    assert p.grad is None


def test_step_updates_in_place_and_closure_returns_loss():
    w = Parameter(np.array([2.0, -3.0]))
    data_before = w.data
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss.item()) == 13.0
    assert w.data is data_before  # same array: views of parameters stay valid
    np.testing.assert_allclose(w.numpy(), [1.0, -1.5])  # w - 0.25 * 2w


def test_param_group_lr_can_be_changed():
    p = Parameter(np.zeros(1))
    opt = optim.SGD([p], lr=1.0)
    opt.param_groups[0]["lr"] = 0.1
    p.grad = mdl.tensor([1.0], dtype=np.float64)
    opt.step()
    np.testing.assert_allclose(p.numpy(), [-0.1])


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}), ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adagrad", {"lr": 0.1}),
])
def test_state_dict_round_trip_through_a_file(name, kwargs, tmp_path):
    """Stopping after 3 steps, saving, reloading into a fresh optimizer and doing 3 more
    steps gives exactly the uninterrupted run."""
    params, grads = make_data(seed=3)
    straight = run_minidl(name, kwargs, params, grads, np.float32)

    ps = [Parameter(p, dtype=np.float32) for p in params]
    opt = getattr(optim, name)(ps, **kwargs)

    def run(opt, ps, steps):
        for step in steps:
            for p, g in zip(ps, step):
                p.grad = None if g is None else mdl.tensor(g)
            opt.step()

    run(opt, ps, grads[:3])
    mdl.save({"opt": opt.state_dict(), "params": [p.numpy() for p in ps]}, tmp_path / "ckpt.npz")
    saved = mdl.load(tmp_path / "ckpt.npz")
    ps2 = [Parameter(a) for a in saved["params"]]
    opt2 = getattr(optim, name)(ps2, lr=123.0)  # hyperparameters come back from the file
    opt2.load_state_dict(saved["opt"])
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    run(opt2, ps2, grads[3:])
    for a, b in zip(ps2, straight):
        np.testing.assert_array_equal(a.numpy().astype(np.float64), b)


def test_load_state_dict_checks_shapes_and_sizes():
    opt = optim.Adam([Parameter(np.zeros(3))], lr=0.1)
    opt.param_groups[0]["params"][0].grad = mdl.tensor(np.ones(3), dtype=np.float64)
    opt.step()
    state = opt.state_dict()
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([Parameter(np.zeros(4))]).load_state_dict(state)
    with pytest.raises(ValueError, match="1 parameters in the saved state, 2 here"):
        optim.Adam([Parameter(np.zeros(3)), Parameter(np.zeros(3))]).load_state_dict(state)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.Adam([Parameter(np.zeros(3))]).load_state_dict({"x": 1})

