"""Audit of NAdam, Adamax and RAdam: state dicts between optimizers and mid-training reloads.

The reload test compares with the same optimizer run without interruption; the update
rules themselves are checked against torch.optim in test_adam_variants.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import optim

RNG = np.random.default_rng(5)
START = RNG.normal(size=(3, 2))
GRADS = [RNG.normal(size=(3, 2)) for _ in range(7)]


def _run(cls, reload_at=None, **kwargs):
    p = mdl.tensor(START, requires_grad=True, dtype="float64")
    opt = cls([p], lr=0.05, **kwargs)
    for i, g in enumerate(GRADS):
        p.grad = mdl.tensor(g, dtype="float64")
        opt.step()
        if i == reload_at:
            saved = opt.state_dict()
            opt = cls([p], lr=0.05, **kwargs)
            opt.load_state_dict(saved)
    return p.numpy()


@pytest.mark.parametrize(("cls", "kwargs"), [
    (optim.NAdam, {}), (optim.NAdam, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    (optim.Adamax, {"weight_decay": 0.1}), (optim.RAdam, {}),
    (optim.RAdam, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
])
def test_reloaded_state_resumes_exactly(cls, kwargs):
    # RAdam switches from momentum steps to adaptive ones at step 6 (rho_t > 5): reload before
    np.testing.assert_array_equal(_run(cls, reload_at=2, **kwargs), _run(cls, **kwargs))


@pytest.mark.parametrize(("source", "target"), [
    (optim.Adamax, optim.Adam), (optim.NAdam, optim.NAdam), (optim.RAdam, optim.AdamW),
])
def test_state_of_another_optimizer_is_refused_clearly(source, target):
    p = mdl.tensor(START, requires_grad=True, dtype="float64")
    p.grad = mdl.tensor(GRADS[0], dtype="float64")
    opt = source([p])
    opt.step()
    other = target([p])
    try:
        other.load_state_dict(opt.state_dict())  # the groups' settings may well fit
    except ValueError as error:
        assert "another optimizer" in str(error)
        return
    if source is target:
        other.step()  # the same optimizer: fine
        return
    # Adamax's exp_inf loaded into Adam failed with a bare KeyError 'exp_avg_sq' at step()
    with pytest.raises(ValueError, match="another optimizer"):
        other.step()
