"""The PyTorch tensor functions beyond the op table (``op_cases_torch_fns.py`` checks their
values and gradients against NumPy, finite differences and PyTorch): what they
return (tuples, dtypes), their edge cases, and the errors for bad input.

PyTorch's answers for the edge cases were computed once with torch 2.13 and are written
here as numbers, so this file runs without PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl.errors import ShapeError


def t64(data, requires_grad=False):
    return mdl.tensor(np.asarray(data, dtype=np.float64), dtype="float64", requires_grad=requires_grad)


# ----------------------------------------------------------------- split, chunk, unbind, narrow


def test_split_and_chunk_return_tuples_of_pytorch_sizes():
    ten, six, five = mdl.arange(10.0), mdl.arange(6.0), mdl.arange(5.0)
    pieces = ten.split(4)
    assert isinstance(pieces, tuple) and [p.shape[0] for p in pieces] == [4, 4, 2]
    # torch 2.13: chunk(4) of 10, 6 and 5 elements
    assert [p.shape[0] for p in ten.chunk(4)] == [3, 3, 3, 1]
    assert [p.shape[0] for p in six.chunk(4)] == [2, 2, 2]
    assert [p.shape[0] for p in mdl.chunk(five, 4)] == [2, 2, 1]
    assert [p.shape for p in mdl.zeros(0, 2).chunk(2)] == [(0, 2), (0, 2)]
    assert len(mdl.ones(2, 3).unbind(1)) == 3 and mdl.ones(2, 3).unbind(1)[0].shape == (2,)


def test_split_gradient_reaches_only_the_pieces_used():
    x = t64(np.arange(12.0).reshape(3, 4), requires_grad=True)
    first, second = x.chunk(2, dim=1)
    (second * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 3, 3]] * 3)
    hidden = t64(np.ones((2, 8)), requires_grad=True)  # the LSTM idiom: four gates from one product
    i, f, g, o = hidden.chunk(4, 1)
    (i + 2 * f + 3 * g + 4 * o).sum().backward()
    np.testing.assert_array_equal(hidden.grad.numpy(), [[1, 1, 2, 2, 3, 3, 4, 4]] * 2)


@pytest.mark.parametrize("call, error, words", [
    (lambda x: x.split([1, 1]), ValueError, ["add up to 2", "3 elements"]),
    (lambda x: x.split(0), ValueError, ["positive"]),
    (lambda x: x.split(1.5), TypeError, ["piece size", "float"]),
    (lambda x: x.split([1, -1, 3]), TypeError, ["non-negative ints"]),
    (lambda x: x.chunk(0), ValueError, ["positive int"]),
    (lambda x: x.split(1, dim=2), ValueError, ["axis 2 is out of range"]),
    (lambda x: x.unbind(dim=1.0), TypeError, ["dim must be an int"]),
    (lambda x: x.narrow(1, 1, 2), ValueError, ["exceeds"]),
    (lambda x: x.narrow(1, 3, 0), IndexError, ["out of range"]),
    (lambda x: mdl.tensor(1.0).split(1), ValueError, ["0-d"]),
])
def test_split_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call(mdl.ones(3, 2))
    for word in words:
        assert word in str(info.value)


# ----------------------------------------------------------------- repeat, expand, flip, roll


def test_repeat_is_tile_and_sums_the_copies_gradients():
    x = t64([[1.0, 2.0]], requires_grad=True)
    y = x.repeat(3, 2)
    np.testing.assert_array_equal(y.numpy(), np.tile([[1.0, 2.0]], (3, 2)))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[6.0, 6.0]])
    assert x.repeat((2, 1, 1)).shape == (2, 1, 2)


def test_expand_keeps_minus_one_and_shares_the_gradient():
    x = t64([[1.0], [2.0]], requires_grad=True)
    y = x.expand(3, -1, 4)
    assert y.shape == (3, 2, 4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[12.0], [12.0]])
    assert x.expand(-1, 1) is x and x.expand_as(mdl.ones(5, 2, 3)).shape == (5, 2, 3)


@pytest.mark.parametrize("call, error, words", [
    (lambda x: x.repeat(2), ValueError, ["at least one size per axis", "(3, 1)"]),
    (lambda x: x.repeat(2, -1), ValueError, ["non-negative"]),
    (lambda x: x.repeat(2.0, 1), TypeError, ["integer sizes"]),
    (lambda x: x.expand(4, 1), ShapeError, ["axis 0", "size 3", "become 4"]),
    (lambda x: x.expand(-1, 3, 1), ShapeError, ["new leading"]),
    (lambda x: x.expand(5), ShapeError, ["at least 2 sizes"]),
    (lambda x: x.expand_as(mdl.ones(2, 2)), ShapeError, ["size 3"]),
    (lambda x: x.flip(), TypeError, ["dims"]),
    (lambda x: x.flip(2), ValueError, ["out of range"]),
    (lambda x: x.flip(0, dims=1), TypeError, ["dims twice"]),
    (lambda x: x.roll((1, 2), 0), ValueError, ["one dim per shift"]),
    (lambda x: x.roll(1.5), TypeError, ["one int shift"]),
])
def test_rearrange_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call(mdl.ones(3, 1))
    for word in words:
        assert word in str(info.value)


# ----------------------------------------------------------------- argsort, isnan & co, logical


def test_argsort_is_stable_in_both_directions():
    x = mdl.tensor([2.0, 1.0, 2.0, float("nan"), 1.0])
    assert x.argsort().dtype == np.int64
    np.testing.assert_array_equal(x.argsort().numpy(), [1, 4, 0, 2, 3])  # nan last, as torch
    np.testing.assert_array_equal(mdl.argsort(x, descending=True).numpy(), [3, 0, 2, 1, 4])
    assert mdl.argsort(mdl.tensor(5.0)).shape == ()
    with pytest.raises(TypeError, match="descending"):
        x.argsort(descending="yes")


def test_value_tests_are_bool_without_gradient():
    x = t64([1.0, float("nan"), float("inf"), -float("inf")], requires_grad=True)
    for fn, expected in ((mdl.isnan, [0, 1, 0, 0]), (mdl.isinf, [0, 0, 1, 1]), (mdl.isfinite, [1, 0, 0, 0])):
        out = fn(x)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), np.array(expected, dtype=bool))
    assert not mdl.isnan(mdl.tensor([1, 2])).numpy().any()
    assert mdl.isfinite(mdl.tensor(2.0)).shape == ()


def test_logical_connectives_read_non_zero_as_true():
    a, b = mdl.tensor([1.0, 0.0, -2.0]), mdl.tensor([True, True, False])
    np.testing.assert_array_equal(mdl.logical_and(a, b).numpy(), [True, False, False])
    np.testing.assert_array_equal(a.logical_or(b).numpy(), [True, True, True])
    np.testing.assert_array_equal(mdl.logical_xor(a, 0).numpy(), [True, False, True])
    np.testing.assert_array_equal(a.logical_not().numpy(), [False, True, False])
    with pytest.raises(ShapeError, match=r"logical_and: shapes \(3,\) and \(2,\)"):
        mdl.logical_and(a, mdl.tensor([1, 0]))


# ----------------------------------------------------------------- floor, ceil, trunc, round, sign


def test_steps_have_zero_gradient_and_keep_integer_tensors():
    x = t64([-1.5, -0.5, 0.5, 1.5, 2.5], requires_grad=True)
    np.testing.assert_array_equal(x.round().numpy(), [-2.0, -0.0, 0.0, 2.0, 2.0])  # halves to even
    np.testing.assert_array_equal(mdl.floor(x).numpy(), [-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(x.ceil().numpy(), [-1, -0.0, 1, 2, 3])
    np.testing.assert_array_equal(x.trunc().numpy(), [-1, 0, 0, 1, 2])
    total = x.round() + x.floor() + x.ceil() + x.trunc() + x.sign()
    assert total.requires_grad
    total.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(5))  # as torch
    ints = mdl.tensor([-3, 0, 4])
    assert ints.floor().dtype == np.int64 and ints.round().numpy().tolist() == [-3, 0, 4]
    assert mdl.sign(ints).numpy().tolist() == [-1, 0, 1] and mdl.sign(ints).dtype == np.int64


def test_round_decimals_and_sign_of_nan():
    np.testing.assert_allclose(mdl.round(t64([1.2345, -0.056]), decimals=2).numpy(), [1.23, -0.06])
    assert np.isnan(mdl.sign(mdl.tensor([float("nan")])).numpy()[0])  # NumPy's answer (torch gives 0)
    with pytest.raises(TypeError, match="bool"):
        mdl.tensor([True]).floor()
    with pytest.raises(TypeError, match="decimals must be an int"):
        mdl.round(mdl.ones(2), decimals=1.5)


# ----------------------------------------------------------------- prod, dot, outer, diag, trace


def _others(values):
    """d(prod)/d(v_i) = the product of the other factors, by deleting each one (NumPy)."""
    return np.array([np.prod(np.delete(values, i)) for i in range(len(values))])


@pytest.mark.parametrize("row", [[2.0, 3.0, 4.0], [2.0, 0.0, 4.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.0], [5.0]])
def test_prod_gradient_is_the_product_of_the_others_also_with_zeros(row):
    x = t64(row, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), _others(np.array(row)))
    m = t64([row, row[::-1]], requires_grad=True)
    m.prod(dim=1).backward(t64([1.0, 10.0]))
    np.testing.assert_array_equal(m.grad.numpy(), [_others(np.array(row)), 10 * _others(np.array(row[::-1]))])


def test_prod_dtypes_and_empty():
    assert mdl.prod(mdl.tensor([1, 2, 3], dtype="int32")).dtype == np.int64  # as torch
    assert mdl.tensor([True, True]).prod().item() == 1
    assert mdl.prod(mdl.tensor([[2, 3]]), dtype=mdl.float64).dtype == np.float64
    x = mdl.zeros(0, 3, dtype="float64", requires_grad=True)
    y = x.prod(axis=0)
    np.testing.assert_array_equal(y.numpy(), [1.0, 1.0, 1.0])
    y.sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("call, words", [
    (lambda: mdl.dot(mdl.ones(2, 2), mdl.ones(2)), ["1-D", "(2, 2)", "matmul"]),
    (lambda: mdl.dot(mdl.ones(2), mdl.ones(3)), ["one length", "(2,)", "(3,)"]),
    (lambda: mdl.outer(mdl.ones(2), mdl.ones(2, 1)), ["1-D", "(2, 1)"]),
    (lambda: mdl.diag(mdl.ones(2, 2, 2)), ["1-D or 2-D", "(2, 2, 2)"]),
    (lambda: mdl.trace(mdl.ones(3)), ["2-D", "(3,)"]),
])
def test_product_errors_name_the_shapes(call, words):
    with pytest.raises(ShapeError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_pow_is_exported():
    np.testing.assert_allclose(mdl.pow(mdl.tensor([2.0, 3.0]), 2).numpy(), [4.0, 9.0])
    np.testing.assert_allclose(mdl.pow(2, mdl.tensor([3.0])).numpy(), [8.0])


# ----------------------------------------------------------------- new_* and the legacy constructors


def test_new_tensors_take_dtype_and_device_of_the_source():
    x = mdl.tensor([1.0, 2.0], dtype="float64")
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_zeros((2, 3)).dtype == np.float64
    assert x.new_ones(4).numpy().tolist() == [1.0] * 4 and x.new_empty(2).shape == (2,)
    assert x.new_full((2,), 3).numpy().tolist() == [3.0, 3.0]
    assert x.new_zeros(2, dtype=mdl.int64).dtype == np.int64
    assert x.new_ones(2, requires_grad=True).requires_grad
    # torch 2.13: float32 source with int data gives float32; int source truncates the fill value
    assert mdl.tensor([1.0]).new_tensor([1, 2]).dtype == np.float32
    assert mdl.tensor([1, 2]).new_full((2,), 3.5).numpy().tolist() == [3, 3]
    data = [[1.0, 2.0]]
    copy = x.new_tensor(np.array(data))
    assert copy.shape == (1, 2) and copy.device == x.device
    with pytest.raises(TypeError, match="fill value"):
        x.new_full((2,), "a")


def test_legacy_constructors_take_data_or_sizes():
    assert mdl.FloatTensor([1, 2]).dtype == np.float32
    assert mdl.FloatTensor([1, 2]).numpy().tolist() == [1.0, 2.0]
    assert mdl.LongTensor([1.7]).numpy().tolist() == [1]  # truncated, as torch
    assert mdl.FloatTensor(2, 3).shape == (2, 3) and mdl.LongTensor(3).dtype == np.int64
    assert not mdl.FloatTensor(2, 3).numpy().any()  # zeros, not garbage
    assert mdl.DoubleTensor((2, 3)).numpy().tolist() == [2.0, 3.0]  # one sequence is data
    assert mdl.FloatTensor().shape == (0,)
    assert mdl.BoolTensor([1, 0]).dtype == np.bool_ and mdl.IntTensor([1]).dtype == np.int32
    with pytest.raises(TypeError, match=r"either sizes .* or data"):
        mdl.FloatTensor(2, [3])


def test_tensor_methods_and_exports_exist():
    names = ["split", "chunk", "unbind", "narrow", "repeat", "expand", "expand_as", "flip", "roll", "argsort",
             "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_xor", "logical_not", "sign",
             "round", "floor", "ceil", "trunc", "prod", "dot", "outer", "diag", "trace"]
    for name in names + ["pow", "FloatTensor", "LongTensor"]:
        assert callable(getattr(mdl, name)), name
    for name in names + ["new_zeros", "new_ones", "new_full", "new_tensor", "new_empty"]:
        assert callable(getattr(mdl.Tensor, name)), name


# ----------------------------------------------------------------- einsum


@pytest.mark.parametrize("call, error, words", [
    (lambda: mdl.einsum("ij,jk->ik", mdl.ones(2, 3)), ValueError, ["2 operands", "1 tensors"]),
    (lambda: mdl.einsum("ij,jk->ik", mdl.ones(2, 3), mdl.ones(4, 4)), ShapeError, ["'j'", "size 3", "4"]),
    (lambda: mdl.einsum("ijk->i", mdl.ones(2, 3)), ShapeError, ["3 axes", "(2, 3)"]),
    (lambda: mdl.einsum("ij->iz", mdl.ones(2, 3)), ValueError, ["'iz'", "only letters of the operands"]),
    (lambda: mdl.einsum("ij->ii", mdl.ones(2, 2)), ValueError, ["each letter once"]),
    (lambda: mdl.einsum("i1->i", mdl.ones(2, 2)), ValueError, ["letters"]),
    (lambda: mdl.einsum(mdl.ones(2), mdl.ones(2)), TypeError, ["equation string"]),
    (lambda: mdl.einsum("ii->i", mdl.ones(2, 3)), ShapeError, ["'i'", "size 2", "3"]),
    (lambda: mdl.einsum("...ij->i", mdl.ones(2)), ShapeError, ["at least 2 dimensions"]),
    (lambda: mdl.einsum("i->i"), ValueError, ["at least one tensor"]),
])
def test_einsum_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_einsum_promotes_and_keeps_integers_out_of_the_graph():
    a = mdl.tensor([[1, 2], [3, 4]])
    assert mdl.einsum("ij,jk->ik", a, a).numpy().tolist() == [[7, 10], [15, 22]]
    b = mdl.tensor([[1.0, 0.0], [0.0, 1.0]], dtype="float64", requires_grad=True)
    out = mdl.einsum("ij,jk->ik", a, b)
    assert out.dtype == np.float64 and out.requires_grad


def test_module_max_min_take_numpys_axis_as_well_as_torchs_dim():
    data = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    x = mdl.tensor(data)
    np.testing.assert_array_equal(mdl.max(x, axis=1).numpy(), data.max(axis=1))  # values only
    np.testing.assert_array_equal(mdl.min(x, axis=0, keepdims=True).numpy(), data.min(axis=0, keepdims=True))
    values, indices = mdl.max(x, 1)  # PyTorch: (values, indices)
    np.testing.assert_array_equal(values.numpy(), data.max(axis=1))
    np.testing.assert_array_equal(indices.numpy(), data.argmax(axis=1))
    with pytest.raises(TypeError, match="both dim=1 and axis=1"):
        mdl.max(x, 1, axis=1)
