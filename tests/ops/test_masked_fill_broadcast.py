"""masked_fill with a mask that broadcasts the tensor to a larger shape, as PyTorch's
out-of-place ``masked_fill``: values and gradients against NumPy and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl

RNG = np.random.default_rng(5)

# (tensor shape, mask shape): the mask is larger, smaller, or both grow
SHAPES = [((4,), (3, 4)), ((3, 1), (3, 4)), ((1, 4), (2, 3, 1)), ((2, 3), (3,)), ((), (2, 2))]


@pytest.mark.parametrize("x_shape, mask_shape", SHAPES)
def test_masked_fill_broadcasts_like_numpy(x_shape, mask_shape):
    x = RNG.normal(size=x_shape)
    mask = RNG.random(mask_shape) > 0.5
    upstream = RNG.normal(size=np.broadcast_shapes(x_shape, mask_shape))
    tx = mdl.tensor(x, requires_grad=True, dtype="float64")
    value = mdl.tensor(-2.5, requires_grad=True, dtype="float64")
    out = tx.masked_fill(mdl.tensor(mask), value)
    expected = np.where(mask, -2.5, x)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)
    out.backward(upstream)
    # dz/dx: 1 where the mask is False, summed over the copies broadcasting made
    x_grad = np.where(mask, 0.0, upstream)
    x_grad = x_grad.sum(axis=tuple(range(x_grad.ndim - len(x_shape)))) if x_grad.ndim > len(x_shape) else x_grad
    x_grad = x_grad.sum(axis=tuple(i for i, n in enumerate(x_shape) if n == 1), keepdims=True)
    np.testing.assert_allclose(tx.grad.numpy(), x_grad.reshape(x_shape), rtol=1e-12)
    np.testing.assert_allclose(value.grad.item(), upstream[np.broadcast_to(mask, upstream.shape)].sum(), rtol=1e-12)
    assert mdl.gradcheck(lambda t: t.masked_fill(mask, 0.5), tx)


@pytest.mark.parametrize("x_shape, mask_shape", SHAPES)
def test_masked_fill_broadcast_matches_pytorch(torch, x_shape, mask_shape):
    x = RNG.normal(size=x_shape)
    mask = RNG.random(mask_shape) > 0.5
    upstream = RNG.normal(size=np.broadcast_shapes(x_shape, mask_shape))
    tx = mdl.tensor(x, requires_grad=True, dtype="float64")
    out = tx.masked_fill(mask, 7.0)
    out.backward(upstream)
    ref_x = torch.tensor(x, requires_grad=True)
    ref = ref_x.masked_fill(torch.from_numpy(mask), 7.0)
    ref.backward(torch.from_numpy(upstream))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    np.testing.assert_allclose(tx.grad.numpy(), ref_x.grad.numpy(), rtol=1e-12)
