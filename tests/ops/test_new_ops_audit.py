"""Audit of this session's PyTorch-style tensor ops against PyTorch 2.13.

Expected values were computed once with real PyTorch 2.13 (CPU) and are written here, so
the file runs without torch; gradients are checked with plain NumPy float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl

# ---------------------------------------------------------------- randint


def test_randint_high_and_size_by_keyword_as_pytorch():
    # torch.randint(5, size=(3,)) and torch.randint(high=5, size=(3,)) both draw from [0, 5)
    mdl.manual_seed(0)
    for t in (mdl.randint(5, size=(400,)), mdl.randint(high=5, size=(400,)), mdl.randint(5, (400,))):
        values = t.numpy()
        assert t.dtype == np.int64 and t.shape == (400,)
        assert values.min() == 0 and values.max() == 4
    assert mdl.randint(3, 5, size=(50,)).numpy().min() >= 3


@pytest.mark.parametrize(("low", "high", "dtype"), [(0, 300, "uint8"), (-200, 0, "int8"), (-1, 1, "uint8"),
                                                   (0, 3, "bool")])
def test_randint_range_that_does_not_fit_the_dtype_raises(low, high, dtype):
    # PyTorch: "to - 1 is out of bounds for unsigned char"; NumPy would wrap 299 to 43 silently
    with pytest.raises(ValueError, match="does not fit"):
        mdl.randint(low, high, (4,), dtype=dtype)


def test_randint_fitting_ranges_of_small_dtypes():
    assert mdl.randint(0, 256, (100,), dtype="uint8").numpy().max() <= 255
    flags = mdl.randint(0, 2, (100,), dtype=bool)
    assert flags.dtype == np.bool_ and flags.numpy().any() and not flags.numpy().all()


# ---------------------------------------------------------------- sort, topk


def test_sort_bool_as_pytorch():
    x = mdl.tensor(np.array([True, False, True, False]))
    values, indices = mdl.sort(x)  # torch: [F, F, T, T], [1, 3, 0, 2]
    np.testing.assert_array_equal(values.numpy(), [False, False, True, True])
    np.testing.assert_array_equal(indices.numpy(), [1, 3, 0, 2])
    assert values.dtype == np.bool_
    values, indices = x.sort(descending=True, stable=True)  # torch: [T, T, F, F], [0, 2, 1, 3]
    np.testing.assert_array_equal(values.numpy(), [True, True, False, False])
    np.testing.assert_array_equal(indices.numpy(), [0, 2, 1, 3])


def test_sort_stable_keyword():
    x = mdl.tensor([3.0, 1.0, 1.0, 2.0])
    for stable in (True, False):  # minidl always sorts stably
        np.testing.assert_array_equal(mdl.sort(x, stable=stable).indices.numpy(), [1, 2, 3, 0])
    with pytest.raises(TypeError, match="stable"):
        mdl.sort(x, stable="yes")


def test_topk_of_bool_still_refused_as_pytorch():
    with pytest.raises(TypeError, match="bool"):
        mdl.topk(mdl.tensor(np.array([True, False])), 1)


# ---------------------------------------------------------------- cumsum


def test_cumsum_dtype_keyword():
    counts = mdl.tensor(np.array([[3, 1, 1], [2, -5, 2]]))
    out = mdl.cumsum(counts, 1, dtype=mdl.float64)  # torch: float64 [[3, 4, 5], [2, -3, -1]]
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), [[3, 4, 5], [2, -3, -1]])
    assert counts.cumsum(0, dtype="int32").dtype == np.int32


def test_cumsum_dtype_keeps_the_gradient():
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = mdl.cumsum(x, 0, dtype=mdl.float64)
    (y * mdl.tensor([1.0, 10.0, 100.0], dtype="float64")).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [111.0, 110.0, 100.0])
    assert x.grad.dtype == np.float32


def test_cumsum_bad_dtype():
    with pytest.raises(TypeError, match="cumsum dtype"):
        mdl.cumsum(mdl.tensor([1, 2]), 0, dtype=bool)


# ---------------------------------------------------------------- masked_fill


def test_masked_fill_bool_tensor_with_bool_value():
    xi = np.array([[3, 1, 1], [2, -5, 2]])
    out = mdl.masked_fill(mdl.tensor(xi > 1), mdl.tensor(xi > 2), True)
    # torch: (T(xi) > 1).masked_fill(T(xi) > 2, True)
    np.testing.assert_array_equal(out.numpy(), [[True, False, False], [True, False, True]])
    assert out.dtype == np.bool_
    ints = mdl.tensor(xi).masked_fill(mdl.tensor(xi < 0), True)  # torch: True becomes 1
    np.testing.assert_array_equal(ints.numpy(), [[3, 1, 1], [2, 1, 2]])
    assert ints.dtype == np.int64


def test_masked_fill_value_of_wrong_type():
    with pytest.raises(TypeError, match="masked_fill value"):
        mdl.masked_fill(mdl.tensor([1.0]), np.array([True]), None)
    with pytest.raises(TypeError, match="masked_fill value"):
        mdl.masked_fill(mdl.tensor([1.0]), np.array([True]), "0")


# ---------------------------------------------------------------- cat


def test_cat_skips_empty_1d_tensors_as_pytorch():
    # torch.cat([torch.zeros(0), torch.ones(2, 3)]) is the (2, 3) tensor: the usual start of
    # ``out = torch.cat([out, x])`` in a loop
    x = mdl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = mdl.cat([mdl.zeros(0), x, mdl.zeros(0)])
    assert out.shape == (2, 3)
    out = mdl.cat([mdl.zeros(0, dtype="float64"), x], dim=1)
    assert out.shape == (2, 3) and out.dtype == np.float64  # the empty one still sets the dtype
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    assert mdl.cat([mdl.zeros(0), mdl.zeros(0)]).shape == (0,)


def test_cat_of_mismatched_shapes_still_raises():
    with pytest.raises(mdl.ShapeError):
        mdl.cat([mdl.zeros(1), mdl.ones(2, 3)])
