"""nn.utils.clip_grad_norm_ / clip_grad_value_ against the formula and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from optim_cases import CLIP_CASES, SHAPES, make_data

import minidl as mdl
from minidl.nn import Parameter
from minidl.nn.utils import clip_grad_norm_, clip_grad_value_


def _params_with_grads(grads, dtype=np.float32):
    ps = [Parameter(np.zeros(s), dtype=dtype) for s in SHAPES]
    for p, g in zip(ps, grads):
        p.grad = mdl.tensor(g, dtype=dtype)
    return ps


@pytest.mark.parametrize("max_norm, norm_type", CLIP_CASES)
def test_clip_grad_norm_formula(max_norm, norm_type):
    _, grads = make_data()
    ps = _params_with_grads(grads[0], np.float64)
    flat = np.concatenate([g.ravel() for g in grads[0]])
    total = np.abs(flat).max() if norm_type == np.inf else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    got = clip_grad_norm_(ps, max_norm, norm_type)
    assert isinstance(got, mdl.Tensor) and got.shape == ()
    np.testing.assert_allclose(got.item(), total, rtol=1e-12)
    coef = min(1.0, max_norm / (total + 1e-6))
    for p, g in zip(ps, grads[0]):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-12)
    if max_norm < total:  # clipped: the new joint norm is max_norm (up to the 1e-6 guard)
        new = np.concatenate([p.grad.numpy().ravel() for p in ps])
        new_norm = np.abs(new).max() if norm_type == np.inf else (np.abs(new) ** norm_type).sum() ** (1 / norm_type)
        assert new_norm == pytest.approx(max_norm, rel=1e-5)


@pytest.mark.parametrize("case", range(len(CLIP_CASES)))
def test_clip_grad_norm_matches_torch(case, torch_results):
    max_norm, norm_type = CLIP_CASES[case]
    _, grads = make_data()
    ps = _params_with_grads([g.astype(np.float32) for g in grads[0]])
    total = clip_grad_norm_(ps, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), torch_results[f"clip{case}_total"], rtol=1e-6)
    for i, p in enumerate(ps):
        np.testing.assert_allclose(p.grad.numpy(), torch_results[f"clip{case}_g{i}"], rtol=1e-6, atol=1e-7)


def test_shared_and_read_only_gradients_are_scaled_once():
    a = Parameter(np.array([3.0, 0.0]))
    b = Parameter(np.array([0.0, 4.0]))
    (a + b).sum().backward()  # autograd may give a and b the same (read-only) gradient array
    clip_grad_norm_([a, b], max_norm=1.0)
    expected = 1.0 / (2.0 + 1e-6)  # the joint norm of two all-ones gradients is 2
    np.testing.assert_allclose(a.grad.numpy(), [expected, expected])
    np.testing.assert_allclose(b.grad.numpy(), [expected, expected])


def test_single_tensor_no_grad_and_value_clipping():
    p = Parameter(np.zeros(3))
    assert clip_grad_norm_(p, 1.0).item() == 0.0  # no gradient yet
    p.grad = mdl.tensor([-5.0, 0.5, 2.0], dtype=np.float64)
    clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(p, -1.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(p, -1.0)
    p.grad = mdl.tensor([np.inf, 0.0, 0.0], dtype=np.float64)
    with pytest.raises(RuntimeError, match="total norm"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
