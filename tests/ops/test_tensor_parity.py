"""PyTorch basics the op table cannot express: integer dtypes and division by zero for
``//`` and ``%``, Python numbers on either side, clamp at its bounds and with nan,
creation functions, ties and nan in sort/topk, and the errors for bad input.

Expected values come from Python's own arithmetic, plain NumPy in float64, or were
computed once with PyTorch 2.13 and are written here (no PyTorch needed to run).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minidl as mdl
from minidl import DivisionByZeroError, GraphError, MinidlError, ShapeError

NAN = float("nan")


# ----------------------------------------------------------------- // and %

DIVIDENDS = [-7, -6, -1, 0, 1, 5, 7, 8]
DIVISORS = [-3, -2, 2, 3]


@pytest.mark.parametrize("divisor", DIVISORS)
def test_integer_floor_divide_and_remainder_follow_python(divisor):
    x = mdl.tensor(DIVIDENDS)
    q, r = x // divisor, x % divisor
    assert q.dtype == np.int64 and r.dtype == np.int64
    assert q.tolist() == [a // divisor for a in DIVIDENDS]  # rounded toward -inf
    assert r.tolist() == [a % divisor for a in DIVIDENDS]  # the sign of the divisor
    assert (q * divisor + r).tolist() == DIVIDENDS


@pytest.mark.parametrize("dividend", [-7, 0, 7])
def test_python_number_on_the_left(dividend):
    d = mdl.tensor(DIVISORS)
    assert (dividend // d).tolist() == [dividend // b for b in DIVISORS]
    assert (dividend % d).tolist() == [dividend % b for b in DIVISORS]
    f = mdl.tensor([2.5, -1.5], dtype="float64")
    np.testing.assert_array_equal((dividend // f).numpy(), [dividend // 2.5, dividend // -1.5])
    np.testing.assert_array_equal((dividend % f).numpy(), [dividend % 2.5, dividend % -1.5])


def test_float_results_match_python():
    a = [5.5, -5.5, 7.3, -7.3, 0.25]
    for b in (2.0, -2.0, 0.1):
        x = mdl.tensor(a, dtype="float64")
        np.testing.assert_array_equal((x // b).numpy(), [v // b for v in a])
        np.testing.assert_allclose((x % b).numpy(), [v % b for v in a], rtol=1e-12, atol=1e-15)


def test_dtype_promotion():
    ints = mdl.tensor([7, -7])
    assert (ints // 2.5).dtype == np.float32  # a float with an int tensor: the default float
    np.testing.assert_array_equal((ints // 2.5).numpy(), [2.0, -3.0])
    np.testing.assert_allclose((ints % 2.5).numpy(), [2.0, 0.5])
    assert (mdl.tensor([7], dtype="int32") // mdl.tensor([2])).dtype == np.int64
    assert (mdl.tensor([7.0]) % mdl.tensor([2.0], dtype="float64")).dtype == np.float64
    assert (mdl.tensor([7.0], dtype="float64") // 2).dtype == np.float64
    assert mdl.floor_divide(mdl.tensor([-7], dtype="int32"), 2).dtype == np.int32


def test_float_division_by_zero_gives_ieee_values_without_warnings():
    x = mdl.tensor([5.0, -5.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q, r = x // 0.0, x % 0.0
        q2 = x // mdl.zeros(3)
    np.testing.assert_array_equal(q.numpy(), [np.inf, -np.inf, NAN])  # as PyTorch
    np.testing.assert_array_equal(q2.numpy(), q.numpy())
    assert np.isnan(r.numpy()).all()


@pytest.mark.parametrize("expr", [
    lambda: mdl.tensor([1, 2]) // 0,
    lambda: mdl.tensor([1, 2]) % 0,
    lambda: mdl.tensor([1, 2]) % mdl.tensor([1, 0]),
    lambda: 5 // mdl.tensor([3, 0]),
    lambda: mdl.remainder(mdl.tensor([4], dtype="int32"), mdl.tensor([0], dtype="int32")),
])
def test_integer_division_by_zero_raises(expr):
    with pytest.raises(ZeroDivisionError, match="integer division by zero") as info:
        expr()
    assert isinstance(info.value, DivisionByZeroError) and isinstance(info.value, MinidlError)


def test_bool_operands_are_refused():
    b = mdl.tensor([True, False])
    for expr in (lambda: b // b, lambda: b % b):
        with pytest.raises(TypeError, match="bool"):
            expr()


def test_remainder_gradients_as_pytorch():
    a = mdl.tensor([5.5, -5.5, 3.0], dtype="float64", requires_grad=True)
    b = mdl.tensor([2.0, 2.0, -2.0], dtype="float64", requires_grad=True)
    (a % b).backward(np.ones(3))
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [-2.0, 3.0, 2.0])  # -floor(a / b), PyTorch's values
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x % 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 1.0])


def test_remainder_gradient_broadcasts_back():
    a = mdl.tensor(np.arange(6.0).reshape(2, 3) + 0.5, dtype="float64", requires_grad=True)
    b = mdl.tensor([[1.5], [-2.0]], dtype="float64", requires_grad=True)
    (a % b).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (2, 1)
    np.testing.assert_array_equal(b.grad.numpy(), -np.floor(a.numpy() / b.numpy()).sum(axis=1, keepdims=True))


def test_floor_divide_records_a_graph_but_refuses_backward():
    x = mdl.tensor([1.5, -2.5], requires_grad=True)
    y = x // 1.0
    assert y.requires_grad  # as PyTorch: the error comes at backward, naming the op
    with pytest.raises(GraphError, match="floor_divide"):
        y.sum().backward()
    with mdl.no_grad():
        assert not (x // 1.0).requires_grad
    np.testing.assert_array_equal((x.detach() // 1.0).numpy(), [1.0, -3.0])


def test_floor_divide_shapes_must_broadcast():
    with pytest.raises(ShapeError, match="floor_divide"):
        mdl.tensor(np.ones((2, 3))) // mdl.tensor(np.ones(4))
    with pytest.raises(ShapeError, match="remainder"):
        mdl.tensor(np.ones((2, 3))) % np.ones(4)


def test_in_place_forms_rebind_as_other_operators():
    x = mdl.tensor([7, -7])
    x //= 2
    assert x.tolist() == [3, -4]
    x %= 3
    assert x.tolist() == [0, 2]
