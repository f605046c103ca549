"""Bad inputs to the rest of session 9's public API (second part of the audit begun in
test_bad_inputs_session9.py): keras.ops, keras.backend, keras.utils.normalize and
plot_model, the SKLearn wrappers, the 1-D convolutions, nn.ModuleList and dtype arguments.
Each raises ValueError, TypeError or a MinidlError subclass whose message names what was
wrong, never a bare NumPy error, and a refused call leaves its object as it was.
Reference values from TensorFlow 2.21, torch 2.13 and Keras 3.15 are hard-coded."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minidl as mdl
from minidl import nn
from minidl.errors import MinidlError


def x23() -> mdl.Tensor:
    return mdl.tensor(np.arange(6.0).reshape(2, 3))


def modules3() -> nn.ModuleList:
    return nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])


# (id, call, exception type, fragment of the message)
CASES = [
    # a dtype is a dtype: NumPy would read a tensor's (or array's) own .dtype
    ("cast dtype tensor", lambda: mdl.cast(x23(), x23()), TypeError, "a Tensor is not a dtype"),
    ("constant dtype tensor", lambda: mdl.constant(1.0, dtype=x23()), TypeError, "a Tensor is not a dtype"),
    ("as_tensor dtype tensor", lambda: mdl.as_tensor(x23(), dtype=x23()), TypeError, "a Tensor is not a dtype"),
    ("as_tensor dtype array", lambda: mdl.as_tensor([1.0], dtype=np.ones(2)), TypeError, "a ndarray is not"),
    ("tensor dtype tensor", lambda: mdl.tensor([1.0], dtype=x23()), TypeError, "expected e.g. 'float32'"),
    ("uniform dtype tensor", lambda: mdl.random.uniform((2,), dtype=x23()), TypeError, "a Tensor is not a dtype"),
    ("normal dtype tensor", lambda: mdl.random.normal((2,), dtype=x23()), TypeError, "a Tensor is not a dtype"),
    ("astype tensor", lambda: x23().astype(x23()), TypeError, "a Tensor is not a dtype"),
    ("dtype str typo", lambda: mdl.tensor([1.0], dtype="flaot32"), TypeError, "'flaot32' is not a dtype"),
    # TF's axis: an integer tensor; an empty float one has no entry to refuse, its dtype is
    ("reduce_sum float empty axis", lambda: mdl.reduce_sum(x23(), axis=mdl.tensor([], dtype="float32")),
     TypeError, "expected an integer dtype"),
    ("reduce_max float array axis", lambda: mdl.reduce_max(x23(), axis=np.array([1.0])), TypeError,
     "ndarray of dtype float64"),
    # nn.ModuleList
    ("ModuleList int", lambda: nn.ModuleList(5), TypeError, "iterable of Modules, got int"),
    ("ModuleList str", lambda: nn.ModuleList("relu"), TypeError, "iterable of Modules, got str"),
    ("ModuleList entry", lambda: nn.ModuleList([nn.ReLU(), 5]), TypeError, "ModuleList takes Modules, got int"),
    ("ModuleList extend module", lambda: modules3().extend(nn.ReLU()), TypeError, "got ReLU"),
    ("ModuleList extend None", lambda: modules3().extend(None), TypeError, "got NoneType"),
    ("ModuleList insert int", lambda: modules3().insert(0, 5), TypeError, "got int"),
    ("ModuleList insert str index", lambda: modules3().insert("a", nn.ReLU()), TypeError,
     "index must be an int, got 'a'"),
    ("ModuleList insert float index", lambda: modules3().insert(1.0, nn.ReLU()), TypeError, "got 1.0"),
    ("ModuleList insert bool index", lambda: modules3().insert(True, nn.ReLU()), TypeError, "got True"),
]


@pytest.mark.parametrize("call, kind, fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_clearly(call, kind, fragment) -> None:
    with pytest.raises(kind, match=re.escape(fragment)) as caught:
        call()
    assert isinstance(caught.value, (ValueError, TypeError, MinidlError))


def test_valid_dtypes_still_read() -> None:
    for given, expected in [("float64", np.float64), (np.float32, np.float32), (float, np.float64),
                            (np.dtype("int8"), np.int8), (mdl.float64, np.float64), (x23().dtype, np.float32)]:
        assert mdl.tensor([1.0], dtype=given).dtype == np.dtype(expected)
    assert mdl.as_tensor(x23(), dtype="float32").dtype == np.float32


def test_empty_axis_list_reduces_nothing_as_tensorflow() -> None:
    # TensorFlow 2.21: tf.reduce_sum(x, axis=[]) and axis=tf.constant([], tf.int32) give x back
    x = x23()
    for axis in ([], (), mdl.tensor([], dtype="int32"), np.array([], dtype=np.int64)):
        np.testing.assert_array_equal(mdl.reduce_sum(x, axis=axis).numpy(), x.numpy())
        np.testing.assert_array_equal(mdl.reduce_max(x, axis=axis).numpy(), x.numpy())
    np.testing.assert_array_equal(mdl.reduce_mean(x, axis=[]).numpy(), x.numpy())
    np.testing.assert_array_equal(mdl.reduce_sum(x, axis=mdl.tensor([1])).numpy(), [3.0, 12.0])


def test_nan_to_num_nan_none_means_zero_as_torch() -> None:
    # torch 2.13: torch.nan_to_num(tensor([nan, inf, -inf]), nan=None) == [0, 3.4028e38, -3.4028e38]
    top = float(np.finfo(np.float32).max)
    out = mdl.nan_to_num(mdl.tensor([np.nan, np.inf, -np.inf]), nan=None)
    np.testing.assert_array_equal(out.numpy(), np.array([0.0, top, -top], dtype=np.float32))
    with pytest.raises(TypeError, match="nan must be a number or None"):
        mdl.nan_to_num(mdl.tensor([np.nan]), nan="0")


def _kinds(container: nn.ModuleList) -> list[str]:
    return [type(m).__name__ for m in container]


def test_modulelist_insert_and_extend_as_a_list() -> None:
    ml = modules3()
    assert ml.extend([nn.ELU()]) is ml
    assert ml.extend(nn.ModuleList([nn.GELU()])) is ml
    assert _kinds(ml) == ["ReLU", "Tanh", "Sigmoid", "ELU", "GELU"]
    # list.insert's positions (torch 2.13 raises KeyError for a negative or too large index)
    expected = _kinds(ml)
    for index in (0, 2, -1, -10, 10):
        module = nn.Identity() if hasattr(nn, "Identity") else nn.ReLU()
        ml.insert(index, module)
        expected.insert(index, type(module).__name__)
        assert _kinds(ml) == expected
        assert list(ml._modules) == [str(i) for i in range(len(expected))]
    lin = nn.Linear(2, 3)
    ml.insert(1, lin)
    assert ml[1] is lin
    assert len(list(ml.parameters())) == 2
    assert set(ml.state_dict()) == {"1.weight", "1.bias"}


def test_refused_modulelist_change_leaves_it_as_it_was() -> None:
    ml = modules3()
    with pytest.raises(TypeError):
        ml.extend([nn.ELU(), "not a module"])
    with pytest.raises(TypeError):
        ml.insert(0, None)
    assert _kinds(ml) == ["ReLU", "Tanh", "Sigmoid"]
