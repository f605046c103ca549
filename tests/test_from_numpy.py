"""``mdl.from_numpy`` shares memory with its array, as ``torch.from_numpy`` does."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64, np.uint8, np.bool_])
def test_shares_memory_and_keeps_the_dtype(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = mdl.from_numpy(a)
    assert t.dtype == a.dtype and t.shape == (2, 3) and not t.requires_grad
    assert np.shares_memory(t.data, a)
    a[0, 0] = 1
    assert t.numpy()[0, 0] == 1  # a write to the array shows in the tensor
    copied = mdl.tensor(a)
    assert not np.shares_memory(copied.data, a)


def test_gradients_flow_through_a_shared_tensor():
    a = np.array([1.0, -2.0, 3.0])
    t = mdl.from_numpy(a).requires_grad_()
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), 2 * a)


@pytest.mark.parametrize("bad, message", [
    ([1.0, 2.0], "expects a numpy.ndarray, got list"),
    (mdl.tensor([1.0]), "expects a numpy.ndarray, got minidl.Tensor"),
    (np.float64(1.0), "expects a numpy.ndarray, got numpy.float64"),
    (np.array([1 + 2j]), "dtype complex128"),
    (np.array(["a"]), "dtype <U1"),
    (np.array([object()]), "dtype object"),
])  # fmt: skip
def test_bad_input_is_named(bad, message):
    with pytest.raises(TypeError, match=message):
        mdl.from_numpy(bad)
