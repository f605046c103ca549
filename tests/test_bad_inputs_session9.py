"""Bad inputs to the tensor functions added in session 9 (in-place updates, PyTorch and
TensorFlow spellings): each raises ValueError, TypeError or a MinidlError subclass whose
message names what was wrong, never a bare NumPy error, and a refused in-place update
leaves the tensor as it was."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minidl as mdl
from minidl import InvalidIndexError, ShapeError
from minidl.errors import InvalidNameError


def x23() -> mdl.Tensor:
    return mdl.tensor(np.arange(6.0).reshape(2, 3))


RAGGED = [[1.0, 2.0], [3.0]]

def _keras():
    from minidl import keras

    return keras


def _tape_gradient(sources="v", **kwargs):
    v = mdl.Variable([1.0, 2.0])
    with mdl.GradientTape() as tape:
        y = (v * v).sum()
    return tape.gradient(y, v if sources == "v" else sources, **kwargs)


# (id, call, exception type, fragment of the message)
CASES = [
    ("add_ shape", lambda: x23().add_(mdl.ones(5)), ShapeError, "does not broadcast to the tensor's shape (2, 3)"),
    ("mul_ shape", lambda: x23().mul_(np.ones(2)), ShapeError, "operand of shape (2,)"),
    ("iadd shape", lambda: x23().__iadd__(mdl.ones(0)), ShapeError, "shape (0,)"),
    ("add_ ragged", lambda: x23().add_(RAGGED), TypeError, "rows have different lengths"),
    ("add_ alpha str", lambda: x23().add_(1.0, alpha="2"), TypeError, "alpha to be a number"),
    ("clamp_ shape", lambda: x23().clamp_(mdl.ones(4)), ShapeError, "clamp_"),
    ("setitem out of range", lambda: x23().__setitem__(5, 1.0), InvalidIndexError, "index 5 is out of bounds"),
    ("setitem str index", lambda: x23().__setitem__("a", 1.0), InvalidIndexError, "x['a']"),
    ("setitem float into int", lambda: mdl.tensor([1, 2]).__setitem__(0, 1.5), TypeError,
     "floating values into a int64"),
    ("narrow start", lambda: mdl.narrow(x23(), 1, 10, 1), InvalidIndexError, "narrow start 10 is out of range"),
    ("narrow length", lambda: mdl.narrow(x23(), 1, 0, -1), ValueError, "length must be >= 0"),
    ("transpose perm empty", lambda: mdl.transpose(x23(), perm=[]), ValueError, "one entry per axis"),
    ("transpose perm int", lambda: mdl.transpose(x23(), perm=1), TypeError, "perm must be a sequence"),
    ("transpose perm short", lambda: mdl.transpose(mdl.ones(2, 3, 4), perm=[1, 0]), ValueError, "got 2"),
    ("matmul transpose_b str", lambda: mdl.matmul(x23(), x23(), transpose_b="yes"), TypeError,
     "transpose_b must be True or False"),
    ("allclose shapes", lambda: mdl.allclose(x23(), mdl.ones(2)), ShapeError, "(2, 3) and (2,)"),
    ("allclose None", lambda: mdl.allclose(None, x23()), TypeError, "got NoneType"),
    ("allclose str", lambda: mdl.allclose(x23(), "abc"), TypeError, "second argument"),
    ("allclose ragged", lambda: mdl.allclose(x23(), RAGGED), TypeError, "different lengths"),
    ("allclose negative rtol", lambda: mdl.allclose(x23(), x23(), rtol=-1.0), ValueError, "rtol"),
    ("numel None", lambda: mdl.numel(None), TypeError, "numel's input"),
    ("numel ragged", lambda: mdl.numel(RAGGED), TypeError, "different lengths"),
    ("tf constant shape str", lambda: mdl.constant(1.0, shape="ab"), TypeError, "shape must be an int or a list"),
    ("tf constant shape float", lambda: mdl.constant(1.0, shape=1.5), TypeError, "got 1.5"),
    ("tf constant shape negative", lambda: mdl.constant(1.0, shape=[-1]), TypeError, "ints >= 0"),
    ("tf reduce_sum axis nested", lambda: mdl.reduce_sum(x23(), [[1]]), TypeError, "list of ints"),
    ("tf reduce_sum axis bool", lambda: mdl.reduce_sum(x23(), mdl.tensor([True])), TypeError, "[True]"),
    ("tf reduce_mean int axis", lambda: mdl.reduce_mean([1, 2], 1), ValueError,
     "axis 1 is out of range for a tensor with 1 dimensions"),
    ("tf reduce_mean scalar axis", lambda: mdl.reduce_mean(3, 1), ValueError, "0 dimensions"),
    ("ragged second operand", lambda: mdl.add(x23(), RAGGED), TypeError, "rows have different lengths"),
    ("gather ragged index", lambda: mdl.gather(x23(), 0, [[0, 1], [1]]), TypeError, "gather: the index"),
    ("grad inputs None", lambda: mdl.gradients.grad(mdl.ones(2, requires_grad=True).sum(), None), TypeError,
     "inputs must be a Tensor or a list of Tensors, got NoneType"),
    ("grad outputs float", lambda: mdl.gradients.grad(1.5, mdl.ones(2, requires_grad=True)), TypeError,
     "outputs must be a Tensor"),
    ("grad grad_outputs shape", lambda: mdl.gradients.grad(mdl.ones(2, requires_grad=True) * 2,
                                                           mdl.ones(2, requires_grad=True), mdl.ones(3)),
     ValueError, "output's shape (2,)"),
    ("tape unconnected typo", lambda: _tape_gradient(unconnected_gradients="zeros"), ValueError,
     "must be 'none' or 'zero'"),
    ("tape sources None", lambda: _tape_gradient(sources=None), TypeError, "got NoneType"),
    ("add_module int name", lambda: mdl.nn.Linear(2, 3).add_module(1, mdl.nn.ReLU()), TypeError,
     "module name must be a string, got int"),
    ("add_module dotted name", lambda: mdl.nn.Linear(2, 3).add_module("a.b", mdl.nn.ReLU()), InvalidNameError,
     "without '.'"),
    ("add_module over a method", lambda: mdl.nn.Linear(2, 3).add_module("forward", mdl.nn.ReLU()),
     InvalidNameError, "Linear already has an attribute of that name"),
    ("add_module over a parameter", lambda: mdl.nn.Linear(2, 3).add_module("weight", mdl.nn.ReLU()),
     InvalidNameError, "'weight'"),
    ("register_parameter empty", lambda: mdl.nn.Linear(2, 3).register_parameter("", None), InvalidNameError,
     "non-empty"),
    ("register_buffer None name", lambda: mdl.nn.Linear(2, 3).register_buffer(None, mdl.ones(2)), TypeError,
     "buffer name must be a string"),
    ("ModuleDict method key", lambda: mdl.nn.ModuleDict({"keys": mdl.nn.ReLU()}), InvalidNameError,
     "name of one of its methods"),
    ("ModuleDict int", lambda: mdl.nn.ModuleDict(5), TypeError, "a dict or (key, value) pairs, got int"),
    ("ModuleDict list of modules", lambda: mdl.nn.ModuleDict([mdl.nn.ReLU()]), TypeError, "(key, value) pairs"),
    ("ModuleDict unhashable key", lambda: mdl.nn.ModuleDict({"a": mdl.nn.ReLU()})[[1]], TypeError,
     "keys are strings, got list"),
    ("ParameterDict str", lambda: mdl.nn.ParameterDict("ab"), TypeError, "got str"),
    ("ParameterList int", lambda: mdl.nn.ParameterList(3), TypeError, "list of parameters, got int"),
    ("pad_sequences value None", lambda: _keras().utils.pad_sequences([[1, 2], [3]], value=None), TypeError,
     "value must be a number"),
    ("pad_sequences value array", lambda: _keras().utils.pad_sequences([[1, 2], [3]], value=np.ones(2)),
     TypeError, "value must be a number"),
    ("Progbar width", lambda: _keras().utils.Progbar(10, width="abc"), ValueError, "width must be a positive int"),
    ("Progbar update None", lambda: _keras().utils.Progbar(10, verbose=0).update(None), TypeError,
     "current must be an int"),
    ("Progbar update values", lambda: _keras().utils.Progbar(10, verbose=0).update(1, values=1.5), TypeError,
     "(name, value) pairs"),
    ("registered object list", lambda: _keras().saving.get_registered_object([]), TypeError, "a string"),
    ("register name list", lambda: _keras().saving.register_keras_serializable(name=["L"]), TypeError,
     "name must be a non-empty string"),
    ("masked_select ragged mask", lambda: mdl.masked_select(x23(), [[True], [True, False]]), TypeError,
     "different lengths"),
]


@pytest.mark.parametrize("call, error, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(call, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        call()


def test_int_tensor_takes_int_item_assignment():
    """``x[0] = 5`` on an integer tensor is the commonest assignment; it was refused as 'floating'."""
    x = mdl.tensor([1, 2, 3])
    x[0] = 5
    x[1] = np.int64(7)
    x[2] = True
    np.testing.assert_array_equal(x.numpy(), [5, 7, 1])
    assert x.dtype == np.int64


def test_matmul_takes_numpy_bool_flags():
    a = x23()
    expected = a.numpy() @ a.numpy().T
    np.testing.assert_allclose(mdl.matmul(a, a, transpose_b=np.bool_(True)).numpy(), expected)


@pytest.mark.parametrize("update", [
    lambda x: x.add_(mdl.ones(5)),
    lambda x: x.sub_(1.0, alpha="s"),
    lambda x: x.clamp_(0.0, mdl.ones(4)),
    lambda x: x.__setitem__((slice(None), 7), 1.0),
    lambda x: x.__setitem__(np.array([0, 9]), 1.0),
    lambda x: x.copy_(mdl.ones(3, 3)),
    lambda x: x.mul_(RAGGED),
], ids=["add_", "sub_ alpha", "clamp_", "setitem column", "setitem fancy", "copy_", "mul_ ragged"])
def test_refused_in_place_update_leaves_the_tensor_unchanged(update):
    x = x23()
    with pytest.raises((ValueError, TypeError, IndexError)):
        update(x)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


def test_tf_reduce_mean_of_ints_still_truncates_per_axis():
    values = [[1, 2], [3, 5]]
    np.testing.assert_array_equal(mdl.reduce_mean(values, 1).numpy(), [1, 4])
    np.testing.assert_array_equal(mdl.reduce_mean(values, [0, 1], keepdims=True).numpy(), [[2]])


def test_tf_constant_shape_as_array_still_works():
    assert mdl.constant([1.0, 2.0], shape=np.array([1, 2])).shape == (1, 2)
    assert mdl.constant(0.0, shape=2).shape == (2,)


def test_grad_takes_a_bare_output_gradient_and_none():
    """One output's gradient may be given bare (an array, a number) or as None (ones)."""
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    np.testing.assert_allclose(mdl.gradients.grad(y, x, np.array([1.0, 0.5]))[0].numpy(), [2.0, 2.0])
    np.testing.assert_allclose(mdl.gradients.grad(y.sum(), [x], 3.0)[0].numpy(), [6.0, 12.0])
    np.testing.assert_allclose(mdl.gradients.grad(y.sum(), (x,), [None])[0].numpy(), [2.0, 4.0])


def test_refused_tape_call_does_not_use_up_the_tape():
    """A gradient() call refused for its arguments leaves a non-persistent tape usable, and a
    refused watch() of a mixed list watches none of them."""
    v, c, i = mdl.Variable([1.0, 2.0]), mdl.constant([3.0]), mdl.constant([1])
    with mdl.GradientTape() as tape:
        with pytest.raises(TypeError, match="floating-point"):
            tape.watch([c, i])
        assert not c.requires_grad
        y = (v * v).sum()
    with pytest.raises(TypeError):
        tape.gradient(y, "v")
    with pytest.raises(ValueError):
        tape.gradient(y, v, unconnected_gradients="zeros")
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [2.0, 4.0])
    with pytest.raises(mdl.GraphError, match="one set of gradients"):
        tape.gradient(y, v)


def test_refused_registration_changes_nothing():
    nn = mdl.nn
    lin = nn.Linear(2, 3)
    before = [name for name, _ in lin.named_parameters()]
    for bad in ("", "a.b", "forward", 3):
        with pytest.raises((KeyError, TypeError)):
            lin.register_parameter(bad, nn.Parameter(mdl.ones(2)))
    assert [name for name, _ in lin.named_parameters()] == before
    assert callable(lin.forward)
    modules = nn.ModuleDict({"a": nn.ReLU()})
    with pytest.raises(TypeError, match="for key 'c'"):
        modules.update({"b": nn.ReLU(), "c": 5})
    assert list(modules.keys()) == ["a"]
    params = nn.ParameterDict({"a": nn.Parameter(mdl.ones(1))})
    with pytest.raises(KeyError, match="without '.'"):
        params.update({"b": mdl.ones(1), "c.d": mdl.ones(1)})
    assert list(params.keys()) == ["a"]
    plist = nn.ParameterList([nn.Parameter(mdl.ones(1))])
    with pytest.raises(TypeError):
        plist.extend([mdl.ones(1), "x"])
    assert len(plist) == 1


def test_registration_that_pytorch_allows_still_works():
    nn = mdl.nn
    lin = nn.Linear(2, 3)
    lin.register_parameter("weight", nn.Parameter(mdl.ones(2, 3)))  # replacing a parameter
    lin.add_module("act", nn.ReLU())
    lin.add_module("act", nn.Tanh())  # replacing a module
    assert isinstance(lin.act, nn.Tanh)
    no_bias = nn.Linear(2, 3, bias=False)
    no_bias.register_parameter("bias", nn.Parameter(mdl.zeros(3)))  # bias was None
    assert [name for name, _ in no_bias.named_parameters()] == ["weight", "bias"]
    assert [1] not in nn.ModuleDict({"a": nn.ReLU()})
