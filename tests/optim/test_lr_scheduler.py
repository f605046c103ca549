"""minidl.optim.lr_scheduler against PyTorch's schedulers and against the closed-form formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from optim_cases import METRICS, SCHED_CASES, SCHED_EPOCHS, lambda_for

from minidl import optim
from minidl.nn import Parameter
from minidl.optim import lr_scheduler


def run_schedule(name, kwargs, epochs=SCHED_EPOCHS, metrics=METRICS, lr=0.1):
    kwargs = dict(kwargs)
    if "lr_lambda" in kwargs:
        kwargs["lr_lambda"] = lambda_for(kwargs["lr_lambda"])
    opt = optim.SGD([Parameter(np.zeros(1))], lr=lr)
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    lrs = []
    for e in range(epochs):
        opt.step()
        sched.step(metrics[e]) if name == "ReduceLROnPlateau" else sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        assert sched.get_last_lr() == [lrs[-1]]
    return np.array(lrs)


@pytest.mark.parametrize("case", range(len(SCHED_CASES)), ids=lambda k: SCHED_CASES[k][0])
def test_matches_torch(case, torch_results):
    name, kwargs = SCHED_CASES[case]
    np.testing.assert_allclose(run_schedule(name, kwargs), torch_results[f"sched{case}"], rtol=1e-12, atol=0)


def lr_after(epochs, formula):
    return np.array([formula(e) for e in range(1, epochs + 1)])


@pytest.mark.parametrize("name, kwargs, formula", [
    ("StepLR", {"step_size": 3, "gamma": 0.5}, lambda e: 0.1 * 0.5 ** (e // 3)),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3},
     lambda e: 0.1 * 0.3 ** sum(m <= e for m in [2, 5, 5, 9])),
    ("ExponentialLR", {"gamma": 0.9}, lambda e: 0.1 * 0.9**e),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.01},
     lambda e: 0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * e / 10)) / 2),
    ("LambdaLR", {"lr_lambda": "inverse"}, lambda e: 0.1 / (1 + e)),
])
def test_closed_forms(name, kwargs, formula):
    got = run_schedule(name, kwargs, epochs=10)
    np.testing.assert_allclose(got, lr_after(10, formula), rtol=1e-12)


def test_reduce_on_plateau_scripted():
    # patience 2: the third bad epoch in a row reduces; cooldown 1 ignores the next epoch
    opt = optim.SGD([Parameter(np.zeros(1))], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    losses = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    lrs = []
    for loss in losses:
        sched.step(loss)
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]


def test_schedulers_chain_and_respect_manual_changes():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=1.0)
    a = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    b = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(2):
        a.step()
        b.step()
    assert math.isclose(opt.param_groups[0]["lr"], 1.0 * 0.5 * 0.5 * 0.1)
    opt.param_groups[0]["lr"] = 3.0
    a.step()
    assert math.isclose(opt.param_groups[0]["lr"], 1.5)


def test_state_dict_and_resume():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state
    opt2 = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    sched2 = lr_scheduler.MultiStepLR(opt2, milestones=[9], gamma=0.9, last_epoch=2)
    sched2.load_state_dict(state)
    sched.step()
    sched2.step()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.025


def test_errors():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(TypeError, match="minidl.optim optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=1, last_epoch=3)
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="up")
