"""The second round of PyTorch tensor functions beyond the op table
(``op_cases_torch_fns_more.py`` checks values and gradients against NumPy, finite
differences and PyTorch): the idioms users write with them, their edge cases and dtypes,
and the errors for bad input.

PyTorch's answers were computed once with torch 2.13 and are written here as numbers,
so this file runs without PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl.errors import InvalidIndexError, ShapeError


def t64(data, requires_grad=False):
    return mdl.tensor(np.asarray(data, dtype=np.float64), dtype="float64", requires_grad=requires_grad)


# ----------------------------------------------------------------- gather, take_along_dim, index_select


def test_gather_picks_the_log_probability_of_each_label():
    logits = t64([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True)
    labels = mdl.tensor([1, 1])
    log_probs = mdl.ops.log_softmax(logits, axis=1)
    picked = log_probs.gather(1, labels.unsqueeze(1))
    assert picked.shape == (2, 1)
    np.testing.assert_allclose(picked.numpy()[:, 0], log_probs.numpy()[[0, 1], [1, 1]])
    (-picked.mean()).backward()
    expected = np.exp(log_probs.numpy()) - np.eye(3)[[1, 1]]  # softmax - one-hot, the cross-entropy gradient
    np.testing.assert_allclose(logits.grad.numpy(), expected / 2, rtol=1e-12)


def test_gather_adds_the_gradients_of_repeated_picks():
    x = t64([10.0, 20.0, 30.0], requires_grad=True)
    y = mdl.gather(x, 0, [2, 2, 0, 2])
    np.testing.assert_array_equal(y.numpy(), [30.0, 30.0, 10.0, 30.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 3.0])


def test_index_select_and_take_along_dim_shapes_as_torch():
    x = mdl.arange(6.0).reshape(2, 3)
    assert mdl.index_select(x, 0, mdl.tensor(1)).shape == (1, 3)  # torch 2.13: a 0-d index keeps the dim
    assert x.index_select(1, mdl.tensor([2, 0, 2, 2])).numpy().tolist() == [[2, 0, 2, 2], [5, 3, 5, 5]]
    assert x.take_along_dim(mdl.tensor([5, 0])).numpy().tolist() == [5.0, 0.0]
    np.testing.assert_array_equal(mdl.take_along_dim(x, mdl.tensor([[2], [0]]), dim=1).numpy(), [[2.0], [3.0]])


@pytest.mark.parametrize("call, error, words", [
    (lambda x: x.gather(1, mdl.tensor([[0.0]])), TypeError, ["integer tensor", "float32"]),
    (lambda x: x.gather(1, mdl.tensor([0, 1])), ShapeError, ["as many dimensions", "(2,)"]),
    (lambda x: x.gather(1, mdl.tensor([[3]])), InvalidIndexError, ["index 3", "dim 1 of size 3"]),
    (lambda x: x.gather(1, mdl.tensor([[-1]])), InvalidIndexError, ["index -1", "0 .. 2"]),
    (lambda x: x.gather(0, mdl.tensor([[0, 0, 0, 0]])), ShapeError, ["larger", "dim 1"]),
    (lambda x: x.gather(2, mdl.tensor([[0]])), ValueError, ["axis 2 is out of range"]),
    (lambda x: x.gather(1.0, mdl.tensor([[0]])), TypeError, ["dim must be an int"]),
    (lambda x: x.index_select(0, mdl.tensor([[0]])), ShapeError, ["1-D index"]),
    (lambda x: x.index_select(0, [5]), InvalidIndexError, ["index 5", "size 2"]),
    (lambda x: x.take_along_dim(mdl.tensor([[0, 1]]), 0), ShapeError, ["do not broadcast"]),
    (lambda x: x.take_along_dim(mdl.tensor([0]), 1), ShapeError, ["as many dimensions"]),
    (lambda x: x.masked_select(mdl.tensor([1, 0, 1])), TypeError, ["bool mask"]),
    (lambda x: x.masked_select(mdl.tensor([True, False])), ShapeError, ["do not broadcast"]),
])
def test_index_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call(mdl.ones(2, 3))
    for word in words:
        assert word in str(info.value)


def test_masked_select_is_one_dimensional_and_broadcasts():
    x = t64([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    picked = x.masked_select(x > 0)
    assert picked.numpy().tolist() == [1.0, 3.0]
    (picked * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0], [2.0, 0.0]])
    # torch 2.13: masked_select(arange(3.), [[True], [False]]) -> [0., 1., 2.]
    assert mdl.masked_select(mdl.arange(3.0), mdl.tensor([[True], [False]])).numpy().tolist() == [0.0, 1.0, 2.0]


def test_nonzero_rows_tuples_and_0d_as_torch():
    x = mdl.tensor([[0, 1], [2, 0]])
    rows = mdl.nonzero(x)
    assert rows.dtype == np.int64 and rows.numpy().tolist() == [[0, 1], [1, 0]]
    where = x.nonzero(as_tuple=True)
    assert isinstance(where, tuple) and [w.numpy().tolist() for w in where] == [[0, 1], [1, 0]]
    assert x[where].numpy().tolist() == [1, 2]
    # torch 2.13: nonzero(tensor(3.)) has shape (1, 0); as_tuple gives (tensor([0]),)
    assert mdl.nonzero(mdl.tensor(3.0)).shape == (1, 0) and mdl.nonzero(mdl.tensor(0.0)).shape == (0, 0)
    assert [w.numpy().tolist() for w in mdl.nonzero(mdl.tensor(3.0), as_tuple=True)] == [[0]]
    assert mdl.nonzero(mdl.zeros(2, 2)).shape == (0, 2)
    with pytest.raises(TypeError, match="as_tuple"):
        mdl.nonzero(x, as_tuple="yes")


# ----------------------------------------------------------------- scatter, scatter_add


def test_scatter_builds_one_hot_rows_and_keeps_the_input():
    labels = mdl.tensor([0, 2])
    one_hot = mdl.zeros(2, 3).scatter(1, labels.unsqueeze(1), 1.0)
    assert one_hot.numpy().tolist() == [[1, 0, 0], [0, 0, 1]]
    base = mdl.ones(2, 3)
    assert mdl.scatter(base, 1, labels.unsqueeze(1), value=5.0).numpy().tolist() == [[5, 1, 1], [1, 1, 5]]
    assert base.numpy().tolist() == [[1, 1, 1]] * 2  # out of place


def test_scatter_gradients_go_to_what_survives():
    a = t64(np.zeros((2, 3)), requires_grad=True)
    src = t64([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = a.scatter(1, mdl.tensor([[2, 0], [1, 2]]), src)
    assert out.numpy().tolist() == [[2, 0, 1], [0, 3, 4]]
    out.backward(t64([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    np.testing.assert_array_equal(a.grad.numpy(), [[0, 2, 0], [4, 0, 0]])  # overwritten places get nothing
    np.testing.assert_array_equal(src.grad.numpy(), [[3, 1], [5, 6]])  # each src reads G where it landed


def test_scatter_add_counts_and_passes_the_gradient_through():
    counts = mdl.zeros(4).scatter_add(0, mdl.tensor([0, 2, 2, 3, 2]), mdl.ones(5))
    assert counts.numpy().tolist() == [1, 0, 3, 1]
    a = t64([1.0, 1.0, 1.0], requires_grad=True)
    src = t64([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    out = mdl.scatter_add(a, 0, [2, 0, 2, 2], src)
    assert out.numpy().tolist() == [3.0, 1.0, 9.0]
    out.backward(t64([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(a.grad.numpy(), [10, 20, 30])
    np.testing.assert_array_equal(src.grad.numpy(), [30, 10, 30, 30])
    ints = mdl.zeros(3, dtype="int64").scatter_add(0, mdl.tensor([1, 1]), mdl.tensor([2, 5]))
    assert ints.dtype == np.int64 and ints.numpy().tolist() == [0, 7, 0]


@pytest.mark.parametrize("call, error, words", [
    (lambda x: x.scatter(1, mdl.tensor([[0]]), mdl.ones(1, 1, dtype="float64")), TypeError, ["float64", "float32"]),
    (lambda x: x.scatter(1, mdl.tensor([[0]])), TypeError, ["exactly one of src"]),
    (lambda x: x.scatter(1, mdl.tensor([[0]]), 1.0, value=2.0), TypeError, ["exactly one of src"]),
    (lambda x: x.scatter(1, mdl.tensor([[0]]), 1.0, reduce="add"), ValueError, ["scatter_add"]),
    (lambda x: x.scatter(1, mdl.tensor([[0, 1]]), mdl.ones(1, 1)), ShapeError, ["at least as large"]),
    (lambda x: x.scatter(1, mdl.tensor([[4]]), 1.0), InvalidIndexError, ["index 4", "size 3"]),
    (lambda x: x.scatter(1, mdl.tensor([[0]]), "a"), TypeError, ["tensor or a number"]),
    (lambda x: x.scatter_add(1, mdl.tensor([[0]]), 1.0), TypeError, ["tensor src"]),
    (lambda x: mdl.scatter(mdl.tensor(1.0), 0, mdl.tensor(0), 1.0), ShapeError, ["0-d"]),
])
def test_scatter_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call(mdl.ones(2, 3))
    for word in words:
        assert word in str(info.value)


# ----------------------------------------------------------------- elementwise


def test_log1p_and_expm1_keep_small_numbers():
    tiny = t64([1e-10])
    assert mdl.log1p(tiny).item() == pytest.approx(1e-10, rel=1e-9, abs=0)
    assert tiny.expm1().item() == pytest.approx(1e-10, rel=1e-9, abs=0)
    assert mdl.log(1 + tiny).item() != pytest.approx(1e-10, rel=1e-9, abs=0)  # why log1p exists


def test_integer_inputs_become_floats_and_square_keeps_them():
    # torch 2.13: reciprocal([1, 2]) -> [1.0, 0.5] float32; exp2([3]) -> [8.]; log2([8]) -> [3.]
    assert mdl.reciprocal(mdl.tensor([1, 2])).numpy().tolist() == [1.0, 0.5]
    assert mdl.rsqrt(mdl.tensor([4])).dtype == np.float32 and mdl.rsqrt(mdl.tensor([4])).item() == 0.5
    assert mdl.exp2(mdl.tensor([3])).item() == 8.0 and mdl.log2(mdl.tensor([8])).item() == 3.0
    assert mdl.log10(mdl.tensor([100])).item() == pytest.approx(2.0)
    assert mdl.tensor([3]).square().dtype == np.int64 and mdl.tensor([3]).square().item() == 9
    assert mdl.reciprocal(mdl.tensor([0.0])).item() == np.inf


@pytest.mark.parametrize("dtype, big", [("float32", 3.4028234663852886e38), ("float64", 1.7976931348623157e308)])
def test_nan_to_num_defaults_are_the_dtype_extremes(dtype, big):
    # torch 2.13: nan_to_num([nan, inf, -inf]) -> [0, 3.4028e+38, -3.4028e+38] (float32), 1.7977e+308 (float64)
    x = mdl.tensor([np.nan, np.inf, -np.inf, 1.5], dtype=dtype, requires_grad=True)
    out = x.nan_to_num()
    assert out.dtype == np.dtype(dtype) and out.numpy().tolist() == [0.0, big, -big, 1.5]
    out.sum().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.0, 0.0, 1.0]  # constants where replaced, as torch
    assert mdl.nan_to_num(mdl.tensor([1, 2])).numpy().tolist() == [1, 2]
    with pytest.raises(TypeError, match="posinf must be a number"):
        mdl.nan_to_num(x, posinf="big")


# ----------------------------------------------------------------- amax, amin, cumprod, trace, sign


def test_amax_and_amin_split_the_gradient_among_ties():
    # torch 2.13: amax of [1, 3, 3, 2] sends [0, .5, .5, 0]; amax over dims (0, 1) likewise
    x = t64([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.amax().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.5, 0.5, 0.0]
    m = t64([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    mdl.amin(m, dim=1, keepdim=True).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    assert mdl.amax(mdl.ones(2, 3), dim=()).shape == ()  # dim=() means all dims, as torch
    with pytest.raises(TypeError, match="bool"):
        mdl.amax(mdl.tensor([True]))
    with pytest.raises(ValueError, match="empty"):
        mdl.zeros(0, 2).amin(0)


def test_cumprod_gradient_with_zeros_as_torch():
    # torch 2.13: cumprod([2, 0, 3, 0, 4]).backward([1, 2, 3, 4, 5]) gives grad [1, 22, 0, 0, 0]
    x = t64([2.0, 0.0, 3.0, 0.0, 4.0], requires_grad=True)
    y = x.cumprod(0)
    assert y.numpy().tolist() == [2.0, 0.0, 0.0, 0.0, 0.0]
    y.backward(t64([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert x.grad.numpy().tolist() == [1.0, 22.0, 0.0, 0.0, 0.0]
    assert mdl.cumprod(mdl.tensor([1, 2], dtype="int32"), 0).dtype == np.int64  # as torch
    assert mdl.cumprod(mdl.tensor([1, 2]), 0, dtype=mdl.float64).dtype == np.float64
    empty = mdl.zeros(0, dtype="float64", requires_grad=True)
    empty.cumprod(0).sum().backward()
    assert empty.grad.shape == (0,)
    with pytest.raises(TypeError, match="dim must be an int"):
        x.cumprod(None)


def test_trace_of_integers_is_int64_and_sign_of_bools_is_bool():
    assert mdl.trace(mdl.tensor([[1, 2], [3, 4]], dtype="int32")).dtype == np.int64  # torch 2.13
    assert mdl.trace(mdl.tensor([[1, 2], [3, 4]], dtype="int32")).item() == 5
    signs = mdl.tensor([True, False]).sign()
    assert signs.dtype == np.bool_ and signs.numpy().tolist() == [True, False]  # torch 2.13


# ----------------------------------------------------------------- tile, movedim, *_as, split(split_size=)


def test_tile_movedim_and_the_as_methods():
    assert mdl.tile(mdl.tensor([1, 2]), (2,)).numpy().tolist() == [1, 2, 1, 2]
    assert mdl.ones(2, 3).tile((2,)).shape == (2, 6)  # fewer sizes than dims: ones in front (torch)
    assert mdl.ones(2, 3).tile(2, 1, 1).shape == (2, 2, 3)
    assert mdl.ones(2, 3, 4).movedim((0, 1), (2, 0)).shape == (3, 4, 2)  # torch 2.13
    assert mdl.ones(2, 3, 4, 5).movedim(-1, 1).shape == (2, 5, 3, 4)
    assert mdl.ones(2, 3).moveaxis(0, 1).shape == (3, 2)
    assert mdl.ones(6).view_as(mdl.ones(2, 3)).shape == (2, 3)
    assert mdl.ones(6).reshape_as(mdl.zeros(3, 2)).shape == (3, 2)
    assert mdl.tensor([2.7]).type_as(mdl.tensor([1])).numpy().tolist() == [2]
    with pytest.raises(ValueError, match="as many destinations"):
        mdl.ones(2, 3).movedim((0, 1), 0)
    with pytest.raises(ValueError, match="repeated dim"):
        mdl.ones(2, 3).movedim((0, 0), (0, 1))
    with pytest.raises(TypeError, match="integer sizes"):
        mdl.ones(2).tile(1.5)


def test_split_takes_the_split_size_keyword():
    pieces = mdl.arange(6.0).split(split_size=4)
    assert [p.numpy().tolist() for p in pieces] == [[0, 1, 2, 3], [4, 5]]
    assert [p.shape for p in mdl.ones(2, 4).split(split_size=2, dim=1)] == [(2, 2), (2, 2)]
    with pytest.raises(TypeError, match="once"):
        mdl.ones(4).split(2, split_size=2)
    with pytest.raises(TypeError, match="once"):
        mdl.ones(4).split()


def test_second_round_methods_and_exports_exist():
    names = ["gather", "take_along_dim", "index_select", "masked_select", "nonzero", "scatter", "scatter_add",
             "log1p", "expm1", "log2", "log10", "exp2", "reciprocal", "rsqrt", "nan_to_num", "amax", "amin",
             "cumprod", "tile", "movedim"]
    for name in names:
        assert callable(getattr(mdl, name)), name
        assert callable(getattr(mdl.Tensor, name)), name
    for name in ["square", "view_as", "reshape_as", "type_as", "moveaxis"]:
        assert callable(getattr(mdl.Tensor, name)), name


@pytest.mark.gpu
def test_indexing_on_cuda_keeps_devices_apart_and_adds_int64():
    """(Runs where a GPU answers, or by hand on the stand-in: PYTHONPATH=tests/fake_cupy pytest -m gpu.)"""
    counts = mdl.zeros(3, dtype="int64", device="cuda").scatter_add(
        0, mdl.tensor([1, 1, 2], device="cuda"), mdl.tensor([-2, 5, -7], device="cuda"))
    assert counts.device == "cuda" and counts.numpy().tolist() == [0, 3, -7]  # as uint64 atomics underneath
    x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]], device="cuda", requires_grad=True)
    x.gather(1, [[1], [0]]).sum().backward()  # host indices are copied to the device
    assert x.grad.numpy().tolist() == [[0.0, 1.0], [1.0, 0.0]]
    assert mdl.nonzero(x > 2).device == "cuda"
    with pytest.raises(mdl.DeviceMismatchError, match="input is on cpu but the index is on cuda"):
        mdl.ones(2, 2).gather(1, mdl.tensor([[0]], device="cuda"))
