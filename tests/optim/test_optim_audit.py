"""Audit of minidl.optim against PyTorch's documented rules, with plain-NumPy references.

(The step-by-step comparison with torch.optim itself lives in test_optim_optimizers.py;
here: interactions a training loop produces, saving and resuming, and misuse.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minidl as mdl
from minidl import nn, optim
from minidl.optim import lr_scheduler

RNG = np.random.default_rng(3)
P0 = RNG.standard_normal((3, 2))
GRADS = [RNG.standard_normal((3, 2)) for _ in range(6)]


def param() -> nn.Parameter:
    return nn.Parameter(P0, dtype="float64")


def run(opt: optim.Optimizer, p: nn.Parameter, grads, lrs=None) -> np.ndarray:
    for s, g in enumerate(grads):
        if lrs is not None:
            opt.param_groups[0]["lr"] = lrs[s]
        p.grad = None if g is None else mdl.tensor(g, dtype="float64")
        opt.step()
    return p.numpy()


def test_sgd_momentum_sees_a_changed_lr_at_once():
    # PyTorch's buffer holds gradients, not steps: a new lr applies to the whole buffer
    lrs = [0.1, 0.1, 0.01, 0.5, 0.5, 0.2]
    p, b = P0.copy(), None
    for lr, g in zip(lrs, GRADS):
        g = g + 0.01 * p
        b = g if b is None else 0.9 * b + 0.8 * g
        p = p - lr * b
    opt = optim.SGD([param()], lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)
    np.testing.assert_allclose(run(opt, opt.param_groups[0]["params"][0], GRADS, lrs), p, rtol=1e-12)


def test_adam_counts_steps_per_parameter():
    # a parameter whose first gradient comes late starts its own bias correction at t = 1
    late = [None, None] + GRADS[:3]
    m = v = np.zeros_like(P0)
    p = P0.copy()
    for t, g in enumerate(GRADS[:3], start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    q = param()
    opt = optim.Adam([q], lr=0.01)
    np.testing.assert_allclose(run(opt, q, late), p, rtol=1e-12)
    assert opt.state[q]["step"] == 3


def test_parameters_without_gradients_are_left_alone():
    a, b = param(), param()
    opt = optim.AdamW([a, b], lr=0.1, weight_decay=0.5)  # decay must not touch b either
    a.grad = mdl.tensor(GRADS[0], dtype="float64")
    opt.step()
    np.testing.assert_array_equal(b.numpy(), P0)
    assert b not in opt.state and not np.array_equal(a.numpy(), P0)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
])
def test_state_dict_round_trip_through_a_file_resumes_exactly(name, kwargs, tmp_path):
    straight = param()
    expected = run(getattr(optim, name)([straight], **kwargs), straight, GRADS)
    first = param()
    opt = getattr(optim, name)([first], **kwargs)
    run(opt, first, GRADS[:3])
    mdl.save(opt.state_dict(), tmp_path / "opt.npz")
    resumed = nn.Parameter(first.numpy(), dtype="float64")
    opt2 = getattr(optim, name)([resumed], lr=123.0)  # the saved lr wins
    opt2.load_state_dict(mdl.load(tmp_path / "opt.npz"))
    np.testing.assert_allclose(run(opt2, resumed, GRADS[3:]), expected, rtol=1e-12)


@pytest.mark.parametrize("make, fragment", [
    (lambda p: optim.SGD(p, lr=-0.1), "lr must be >= 0.0, got -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "momentum must be >= 0.0, got -0.5"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, dampening=0.1), "dampening = 0"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1e-4), "weight_decay must be >= 0.0, got -0.0001"),
    (lambda p: optim.SGD(p, lr=float("nan")), "lr must be >= 0.0, got nan"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), "betas\\[1\\] must be >= 0.0, < 1.0, got 1.0"),
    (lambda p: optim.Adam(p, betas=(-0.1, 0.999)), "betas\\[0\\] must be >= 0.0, < 1.0, got -0.1"),
    (lambda p: optim.Adam(p, betas=0.9), "betas must be a pair"),
    (lambda p: optim.Adam(p, eps=-1e-8), "eps must be >= 0.0, got -1e-08"),
    (lambda p: optim.AdamW(p, weight_decay=-0.01), "weight_decay must be >= 0.0, got -0.01"),
    (lambda p: optim.RMSprop(p, alpha=1.5), "alpha must be >= 0.0, <= 1.0, got 1.5"),
    (lambda p: optim.RMSprop(p, momentum=-0.9), "momentum must be >= 0.0, got -0.9"),
    (lambda p: optim.Adagrad(p, lr_decay=-0.1), "lr_decay must be >= 0.0, got -0.1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1.0), "initial_accumulator_value must be >= 0.0"),
    (lambda p: optim.SGD([{"params": p, "lr": -1.0}], lr=0.1), "lr must be >= 0.0, got -1.0"),
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD(p + p, lr=0.1), "appears twice"),
])
def test_bad_hyperparameters_are_value_errors_naming_the_value(make, fragment):
    with pytest.raises(ValueError, match=fragment):
        make([param()])


def test_lr_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="lr must be a number, got '0.1'"):
        optim.SGD([param()], lr="0.1")


def test_load_state_dict_from_another_optimizer_or_parameter_set_is_refused():
    p = param()
    adam = optim.Adam([p], lr=0.1)
    run(adam, p, GRADS[:2])
    with pytest.raises(ValueError, match=r"settings \['amsgrad', 'betas', 'eps'\] that SGD does not have"):
        optim.SGD([param()], lr=0.1).load_state_dict(adam.state_dict())
    state = adam.state_dict()
    state["state"]["5"] = state["state"].pop("0")
    with pytest.raises(ValueError, match="names parameter 5"):
        optim.Adam([param()]).load_state_dict(state)
    with pytest.raises(ValueError, match="1 parameters in the saved state, 2 here"):
        optim.Adam([param(), param()]).load_state_dict(adam.state_dict())


# ----------------------------------------------------------------------------- schedules


def two_groups() -> optim.SGD:
    return optim.SGD([{"params": [param()], "lr": 0.1}, {"params": [param()], "lr": 0.3, "momentum": 0.9}])


@pytest.mark.parametrize("make, closed_form", [
    (lambda o: lr_scheduler.StepLR(o, 4, gamma=0.5), lambda b, e: b * 0.5 ** (e // 4)),
    (lambda o: lr_scheduler.MultiStepLR(o, [3, 3, 7], gamma=0.5),
     lambda b, e: b * 0.5 ** ((e >= 3) * 2 + (e >= 7))),
    (lambda o: lr_scheduler.ExponentialLR(o, 0.8), lambda b, e: b * 0.8**e),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, 7, eta_min=0.001),
     lambda b, e: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 7)) / 2),
    (lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + e)), lambda b, e: b / (1 + e)),
    (lambda o: lr_scheduler.MultiplicativeLR(o, lambda e: 0.9), lambda b, e: b * 0.9**e),
    (lambda o: lr_scheduler.LinearLR(o, 0.25, 0.9, total_iters=6),
     lambda b, e: b * (0.25 + 0.65 * min(e, 6) / 6)),
    (lambda o: lr_scheduler.ConstantLR(o, 0.5, total_iters=4), lambda b, e: b * (0.5 if e < 4 else 1.0)),
])
def test_schedules_follow_their_closed_forms_for_every_group(make, closed_form):
    opt = two_groups()
    sched = make(opt)
    for epoch in range(1, 22):
        opt.step()
        sched.step()
        expected = [closed_form(b, epoch) for b in (0.1, 0.3)]
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups], expected, rtol=1e-10)
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]


def test_reduce_lr_on_plateau_by_hand():
    opt = two_groups()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, min_lr=[0.02, 0.0])
    lrs = []
    for metric in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.8]:
        sched.step(mdl.tensor(metric))  # a 0-d tensor is fine, as in PyTorch
        lrs.append(sched.get_last_lr())
    # bad epochs: 0.95 x3 -> reduce after the 2nd; 2 more -> reduce again (0.025, then min 0.02)
    assert lrs[3] == [0.05, 0.15] and lrs[5] == [0.025, 0.075] and lrs[7] == lrs[6] == [0.025, 0.075]


def test_clip_grad_norm_returns_the_norm_before_clipping():
    a, b, c = nn.Parameter(np.zeros(3)), nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(1))
    a.grad, b.grad = mdl.tensor([3.0, 0.0, 0.0]), mdl.tensor([0.0, 4.0])  # c has no gradient
    total = nn.utils.clip_grad_norm_([a, b, c], max_norm=1.0)
    np.testing.assert_allclose(total.item(), 5.0, rtol=1e-6)
    np.testing.assert_allclose(np.concatenate([a.grad.numpy(), b.grad.numpy()]), [0.6, 0, 0, 0, 0.8], rtol=1e-5)
    assert c.grad is None
    total = nn.utils.clip_grad_norm_([a, b], max_norm=0.4, norm_type=float("inf"))
    np.testing.assert_allclose(total.item(), 0.8, rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), [0, 0.4], rtol=1e-5)


def test_warmup_schedules_check_their_arguments_and_start_at_once():
    opt = two_groups()
    lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.15]  # epoch 0 already scaled, as PyTorch
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\], got 0"):
        lr_scheduler.LinearLR(two_groups(), start_factor=0)
    with pytest.raises(ValueError, match=r"factor must be in \[0, 1\], got 2"):
        lr_scheduler.ConstantLR(two_groups(), factor=2)
    with pytest.raises(TypeError, match="MultiplicativeLR: lr_lambda must be a function"):
        lr_scheduler.MultiplicativeLR(two_groups(), 0.9)
