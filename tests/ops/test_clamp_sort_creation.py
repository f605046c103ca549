"""clamp at its bounds and with nan, masked_fill/tril/triu/cumsum/cat details, ties and nan
in sort/topk, the creation functions (eye, linspace, randint), and errors for bad input.

Values marked "PyTorch 2.13" were computed once with real PyTorch and are written here,
so these tests run without it.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import ShapeError

NAN = float("nan")


# ----------------------------------------------------------------- clamp


def test_clamp_gradient_at_the_bounds_as_pytorch():
    x = mdl.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    x.clamp(0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0])  # PyTorch 2.13: bounds included
    x = mdl.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    lo, hi = mdl.zeros(5, requires_grad=True), mdl.ones(5, requires_grad=True)
    mdl.clamp(x, lo, hi).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0])  # PyTorch 2.13
    np.testing.assert_array_equal(lo.grad.numpy(), [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(hi.grad.numpy(), [0, 0, 0, 0, 1])


def test_clamp_min_above_max_gives_max_everywhere():
    x = mdl.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    lo, hi = mdl.tensor(1.0, requires_grad=True), mdl.tensor(0.0, requires_grad=True)
    y = mdl.clamp(x, lo, hi)
    np.testing.assert_array_equal(y.numpy(), np.zeros(5))
    y.sum().backward()  # PyTorch 2.13: x 0, min 0, max 5
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(5))
    assert lo.grad.item() == 0 and hi.grad.item() == 5


@pytest.mark.parametrize("x, lo, hi, out, gx, glo, ghi", [  # PyTorch 2.13
    ([NAN, 1.0], [0.0, 0.0], 0.5, [NAN, 0.5], [0, 0], [0, 0], None),
    ([0.3, 1.0], [NAN, 0.0], None, [NAN, 1.0], [0, 1], [0, 0], None),
    ([0.3, 1.0], None, [NAN, 0.0], [NAN, 0.0], [0, 0], None, [0, 1]),
])
def test_clamp_with_nan_as_pytorch(x, lo, hi, out, gx, glo, ghi):
    x = mdl.tensor(x, requires_grad=True)
    lo_t = None if lo is None else mdl.tensor(lo, requires_grad=True)
    hi_t = hi if not isinstance(hi, list) else mdl.tensor(hi, requires_grad=True)
    y = mdl.clamp(x, lo_t, hi_t)
    np.testing.assert_array_equal(y.numpy(), out)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), gx)
    if glo is not None:
        np.testing.assert_array_equal(lo_t.grad.numpy(), glo)
    if ghi is not None:
        np.testing.assert_array_equal(hi_t.grad.numpy(), ghi)


def test_clamp_dtypes():
    ints = mdl.tensor([1, 5, 9])
    assert ints.clamp(2, 6).tolist() == [2, 5, 6] and ints.clamp(2, 6).dtype == np.int64
    assert ints.clamp(2.5).dtype == np.float32  # as PyTorch
    np.testing.assert_array_equal(ints.clamp(mdl.tensor([2.5, 2.5, 2.5])).numpy(), [2.5, 5.0, 9.0])
    assert mdl.tensor([1.0], dtype="float64").clamp(np.float32(0.5)).dtype == np.float64


@pytest.mark.parametrize("expr, error, words", [
    (lambda: mdl.clamp(mdl.ones(3)), ValueError, ["min", "max", "None"]),
    (lambda: mdl.ones(3).clamp(min="a"), TypeError, ["min", "str"]),
    (lambda: mdl.ones(3).clamp(max=True), TypeError, ["max", "bool"]),
    (lambda: mdl.clamp(mdl.ones(3), mdl.zeros(4)), ShapeError, ["clamp", "(3,)", "(4,)"]),
])
def test_clamp_errors(expr, error, words):
    with pytest.raises(error) as info:
        expr()
    assert all(w in str(info.value) for w in words), str(info.value)


def test_clip_keeps_its_stricter_numpy_contract():
    with pytest.raises(ValueError, match="lo <= hi"):
        mdl.ones(3).clip(1.0, 0.0)
    with pytest.raises(TypeError, match="clamp"):  # the message points to clamp for tensor bounds
        mdl.ones(3).clip(mdl.tensor(0.0), 1.0)


# ----------------------------------------------------------------- masked_fill, tril/triu, cumsum, cat


def test_masked_fill_values_and_gradients():
    x = mdl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    value = mdl.tensor(2.0, requires_grad=True)
    y = x.masked_fill(mdl.tensor([True, False, True]), value)
    np.testing.assert_array_equal(y.numpy(), [[2, 1, 2], [2, 4, 2]])
    y.backward(np.arange(6.0).reshape(2, 3) + 1)
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 2, 0], [0, 5, 0]])
    assert value.grad.item() == 1 + 3 + 4 + 6  # every filled place sends its gradient to the value
    ints = mdl.tensor([1, 2, 3]).masked_fill(np.array([True, False, True]), 2.7)
    assert ints.tolist() == [2, 2, 2] and ints.dtype == np.int64  # PyTorch 2.13: the value takes x's dtype


@pytest.mark.parametrize("expr, error, words", [
    (lambda: mdl.ones(3).masked_fill(mdl.tensor([1, 0, 1]), 0.0), TypeError, ["bool", "int64"]),
    (lambda: mdl.ones(3).masked_fill(np.ones((2, 4), bool), 0.0), ShapeError, ["(2, 4)", "(3,)"]),
    (lambda: mdl.ones(3).masked_fill(np.ones(3, bool), mdl.ones(3)), ValueError, ["0-d", "(3,)"]),
    (lambda: mdl.ones(3).masked_fill(np.ones(3, bool), "x"), TypeError, ["value", "str"]),
    (lambda: mdl.tril(mdl.ones(3)), ValueError, ["tril", "2 dimensions", "(3,)"]),
    (lambda: mdl.triu(mdl.ones(3, 3), 0.5), TypeError, ["diagonal", "0.5"]),
    (lambda: mdl.cumsum(mdl.ones(3), 1), ValueError, ["axis 1", "1 dimensions"]),
    (lambda: mdl.ones(3).cumsum(None), TypeError, ["cumsum", "dim"]),
    (lambda: mdl.cat([mdl.ones(2, 2)], dim=1, axis=1), TypeError, []),
    (lambda: mdl.concatenate([mdl.ones(2, 2)], axis=1, dim=1), TypeError, ["axis", "dim"]),
    (lambda: mdl.cat([mdl.ones(2, 2), mdl.ones(3, 3)], dim=1), ShapeError, ["axis 1"]),
])
def test_bad_input_errors(expr, error, words):
    with pytest.raises(error) as info:
        expr()
    assert all(w in str(info.value) for w in words), str(info.value)


def test_cumsum_dtypes_and_zero_d():
    assert mdl.tensor([1, 2, 3], dtype="int32").cumsum(0).dtype == np.int64  # as PyTorch
    assert mdl.tensor([True, True, False]).cumsum(0).tolist() == [1, 2, 2]
    assert mdl.cumsum(mdl.tensor(4.0), 0).item() == 4.0
    x = mdl.tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True)
    x.cumsum(-1).backward(np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [111.0, 110.0, 100.0])


def test_cat_is_concatenate_and_dim_works_for_stack():
    a, b = mdl.ones(2, 3), mdl.zeros(2, 1)
    np.testing.assert_array_equal(mdl.cat([a, b], dim=1).numpy(), mdl.concatenate([a, b], axis=1).numpy())
    np.testing.assert_array_equal(mdl.cat((a, a)).numpy(), np.ones((4, 3)))
    assert mdl.stack([a, a], dim=2).shape == (2, 3, 2)
    assert mdl.concatenate([a, b], dim=-1).shape == (2, 4)


# ----------------------------------------------------------------- sort and topk


def test_sort_ties_are_stable_in_both_directions():
    x = mdl.tensor([3.0, 1.0, 3.0, 2.0, 1.0, 3.0])
    values, indices = mdl.sort(x)
    assert values.tolist() == [1, 1, 2, 3, 3, 3] and indices.tolist() == [1, 4, 3, 0, 2, 5]  # PyTorch 2.13
    result = x.sort(descending=True)
    assert result.values.tolist() == [3, 3, 3, 2, 1, 1] and result.indices.tolist() == [0, 2, 5, 3, 1, 4]
    assert indices.dtype == np.int64 and not indices.requires_grad


def test_nan_sorts_as_the_largest_value():
    x = mdl.tensor([2.0, NAN, 1.0])
    assert mdl.sort(x).indices.tolist() == [2, 0, 1]  # PyTorch 2.13
    assert mdl.sort(x, descending=True).indices.tolist() == [1, 0, 2]
    assert mdl.topk(x, 2).indices.tolist() == [1, 0]


def test_topk_ties_take_the_first_and_gradients_reach_the_chosen_elements():
    x = mdl.tensor([3.0, 1.0, 3.0, 2.0, 1.0, 3.0], requires_grad=True)
    values, indices = x.topk(3)
    assert values.tolist() == [3, 3, 3] and sorted(indices.tolist()) == [0, 2, 5]
    values.backward(np.array([1.0, 2.0, 3.0]))
    expected = np.zeros(6)
    expected[indices.numpy()] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    smallest = mdl.topk(x, 2, largest=False)
    assert smallest.values.tolist() == [1, 1] and smallest.indices.tolist() == [1, 4]


def test_sort_gradient_is_the_inverse_permutation():
    data = np.array([[0.3, -1.2, 2.5], [1.0, 0.0, -0.5]])
    x = mdl.tensor(data, dtype="float64", requires_grad=True)
    weights = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x.sort(dim=1, descending=True).values.backward(weights)
    order = np.argsort(-data, axis=1)
    expected = np.zeros_like(data)
    np.put_along_axis(expected, order, weights, axis=1)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_sort_and_topk_edge_cases():
    values, indices = mdl.topk(mdl.tensor(5.0), 1)  # PyTorch 2.13: a 0-d tensor gives 0-d results
    assert values.shape == () and indices.item() == 0
    assert mdl.sort(mdl.tensor([3, 1, 2])).values.tolist() == [1, 2, 3]
    assert mdl.topk(mdl.ones(2, 3), 0, dim=0).values.shape == (0, 3)
    for expr, error in ((lambda: mdl.topk(mdl.ones(3), 4), ValueError),
                        (lambda: mdl.topk(mdl.ones(3), 1.5), TypeError),
                        (lambda: mdl.sort(mdl.ones(3), dim=1), ValueError),
                        (lambda: mdl.topk(mdl.tensor([True, False]), 1), TypeError)):  # sort takes bools
        with pytest.raises(error):
            expr()


# ----------------------------------------------------------------- creation


def test_eye_and_linspace():
    np.testing.assert_array_equal(mdl.eye(3).numpy(), np.eye(3))
    assert mdl.eye(2, 3).shape == (2, 3) and mdl.eye(3).dtype == np.float32
    assert mdl.eye(2, dtype="float64").dtype == np.float64 and mdl.eye(2, dtype=mdl.int64).dtype == np.int64
    assert mdl.eye(2, requires_grad=True).requires_grad
    np.testing.assert_allclose(mdl.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1.0])
    assert mdl.linspace(0, 10, 5).dtype == np.float32
    assert mdl.linspace(0, 1, 1).tolist() == [0.0] and mdl.linspace(0, 1, 0).shape == (0,)
    np.testing.assert_array_equal(mdl.linspace(-2, 2, 9, dtype="float64").numpy(), np.linspace(-2, 2, 9))


def test_randint_is_seeded_and_in_range():
    mdl.manual_seed(3)
    a = mdl.randint(-2, 5, (4, 50))
    mdl.manual_seed(3)
    b = mdl.randint(-2, 5, (4, 50))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == np.int64 and a.shape == (4, 50)
    assert a.numpy().min() >= -2 and a.numpy().max() <= 4 and len(np.unique(a.numpy())) == 7
    mdl.manual_seed(3)
    high_only = mdl.randint(7, (4, 50))  # randint(high, size): low = 0
    assert high_only.numpy().min() >= 0 and high_only.numpy().max() <= 6
    assert mdl.randint(0, 3, 5).shape == (5,)


@pytest.mark.parametrize("expr, error, words", [
    (lambda: mdl.linspace(0, 1, 2.5), TypeError, ["steps", "int"]),
    (lambda: mdl.linspace(0, 1, -1), ValueError, ["steps", "-1"]),
    (lambda: mdl.linspace("a", 1, 3), TypeError, ["start"]),
    (lambda: mdl.eye(-1), ValueError, ["non-negative"]),
    (lambda: mdl.eye(2.5), TypeError, ["int"]),
    (lambda: mdl.randint(5, 5, (2,)), ValueError, ["low < high", "low=5", "high=5"]),
    (lambda: mdl.randint(0, 5), TypeError, ["size"]),
    (lambda: mdl.randint(0.5, 5, (2,)), TypeError, ["low", "int"]),
])
def test_creation_errors(expr, error, words):
    with pytest.raises(error) as info:
        expr()
    assert all(w in str(info.value) for w in words), str(info.value)
