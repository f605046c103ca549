"""Python numbers as operands (``x * 2.0``, ``1 - x``): the fast path in ``as_tensor``.

A plain ``float`` or ``int`` combined with a floating CPU tensor skips the general
conversion; these tests pin that it gives exactly what the general rule gives (the
number takes the tensor's dtype), the same values bit for bit, and right gradients.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import minidl as mdl
from minidl.autograd import Tensor
from minidl.ops.common import as_tensor

OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]
NUMBERS = [1.0001, 0.001, -2.5, 0.0, -0.0, 3, -7, 0, 2**62, 1e300, float("inf"), float("nan")]


def general(number, dtype):
    """The general conversion, as ``as_tensor`` does it for anything but the fast path."""
    return np.asarray(number).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_number_takes_the_tensor_dtype_and_exact_value(dtype, number):
    x = mdl.tensor([1.5, -2.0, 0.25], dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        c = as_tensor(number, x)
        expected = general(number, dtype)
    assert type(c) is Tensor and c.dtype == np.dtype(dtype) and c.shape == ()
    assert not c.requires_grad and c.creator is None
    np.testing.assert_array_equal(c.data, expected)  # equal, nan == nan, and -0.0 keeps its sign
    assert np.signbit(c.data) == np.signbit(expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("number", [1.0001, 0.5, -3, 2], ids=repr)
@pytest.mark.parametrize("swap", [False, True], ids=["tensor-first", "number-first"])
def test_values_dtype_and_gradient(dtype, op, number, swap):
    if swap and op is operator.pow and number < 0:
        pytest.skip("a negative number to a fractional power is nan")
    values = np.array([0.5, 1.25, 2.0], dtype)
    x = mdl.tensor(values, dtype=dtype, requires_grad=True)
    out = op(number, x) if swap else op(x, number)
    c = general(number, dtype)
    expected = op(c, values) if swap else op(values, c)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), expected)  # same arithmetic, same bits
    out.sum().backward()
    f = (lambda v: op(number, v)) if swap else (lambda v: op(v, number))
    h = 1e-6
    numeric = (f(values.astype(np.float64) + h) - f(values.astype(np.float64) - h)) / (2 * h)
    tolerance = 1e-6 if dtype == "float64" else 1e-3
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=tolerance, atol=tolerance)
    assert x.grad.dtype == np.dtype(dtype)


def test_long_chain_value_and_gradient():
    """The benchmark's chain: y = y * 1.0001 + 0.001, 500 times; closed forms for both."""
    x = mdl.tensor(np.ones(16, np.float32), requires_grad=True)
    y = x
    for _ in range(500):
        y = y * 1.0001
        y = y + 0.001
    total = y.sum()
    total.backward()
    value = 1.0
    for _ in range(500):
        value = value * 1.0001 + 0.001
    assert total.dtype == np.float32
    np.testing.assert_allclose(total.item() / 16, value, rtol=1e-4)
    np.testing.assert_allclose(x.grad.numpy(), np.full(16, 1.0001**500), rtol=1e-4)


@pytest.mark.parametrize("number, dtype", [(0.5, np.float32), (2, np.int64), (True, np.int64)])
def test_integer_tensors_take_the_general_rules(number, dtype):
    """Not the fast path: an int tensor with a float gives float32; with an int stays int."""
    x = mdl.tensor(np.array([1, 2, 3], np.int64))
    out = x * number
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.numpy(), np.array([1, 2, 3]) * number)


def test_bool_and_numpy_scalars_take_the_general_path():
    x = mdl.tensor([1.0, 2.0])
    assert (x * True).dtype == np.float32 and (x * np.float64(0.1)).dtype == np.float32
    np.testing.assert_array_equal((x + True).numpy(), np.array([2.0, 3.0], np.float32))


def test_too_large_int_is_still_an_error():
    with pytest.raises(TypeError, match="cannot combine"):
        mdl.tensor([1.0, 2.0]) * 10**40


def test_scalar_constant_is_recorded_as_an_input_without_grad():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = 3.0 * x
    a, b = y.creator.inputs
    assert a.shape == () and not a.requires_grad and b is x
    assert y.creator.needs_grad == (False, True)


def test_python_number_constants_are_shared_read_only_and_keep_signed_zero():
    from minidl.ops import common

    x = mdl.tensor(np.array([1.0, -2.0], np.float32), requires_grad=True)
    a, b = x * 1.5, x * 1.5
    assert a.creator.inputs[1] is b.creator.inputs[1]  # one 0-d constant for 1.5 in float32
    assert not a.creator.inputs[1].data.flags.writeable
    assert (x * 1.5).creator.inputs[1] is not (x.astype("float64") * 1.5).creator.inputs[1]
    np.testing.assert_array_equal(np.signbit((x * -0.0).numpy()), [True, False])  # -0.0 not 0.0
    np.testing.assert_array_equal(np.signbit((x * 0.0).numpy()), [False, True])
    assert np.isnan((x * float("nan")).numpy()).all()
    assert (x * 2).creator.inputs[1] is not (x * 2.0).creator.inputs[1]  # int 2 and float 2.0 apart
    for i in range(3 * common._MAX_CONSTANTS):  # the cache stays bounded
        x + float(i + 1)
    assert len(common._CONSTANTS) <= common._MAX_CONSTANTS
    (x * 3.0 + 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
