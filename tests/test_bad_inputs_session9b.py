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


def _ops():
    from minidl.keras import ops

    return ops


RAGGED = [[1.0, 2.0], [3.0]]
A23 = np.arange(6.0).reshape(2, 3)


def _keras():
    from minidl import keras

    return keras


def _normalize(*args, **kwargs):
    return _keras().utils.normalize(*args, **kwargs)


def _dense_model():
    keras = _keras()
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


FEATURES = np.random.default_rng(0).random((6, 3))
LABELS = np.array([0, 1, 0, 1, 0, 1])


def _compiled(units: int):
    model = _dense_model() if units == 2 else _keras().Sequential([_keras().Input((3,)), _keras().layers.Dense(units)])
    model.compile("sgd", "mse")
    return model


def _classifier(**kwargs):
    from minidl.keras.wrappers import SKLearnClassifier

    pytest.importorskip("sklearn")
    return SKLearnClassifier(**{"model": _compiled(2), "fit_kwargs": {"epochs": 1}, **kwargs})


def _regressor():
    from minidl.keras.wrappers import SKLearnRegressor

    pytest.importorskip("sklearn")
    return SKLearnRegressor(_compiled(1), fit_kwargs={"epochs": 1})


def _plot(model, to_file=None, **kwargs):
    return _keras().utils.plot_model(model, to_file=to_file, **kwargs)


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
    # keras.ops
    ("ops convert None", lambda: _ops().convert_to_tensor(None), TypeError, "got NoneType of dtype object"),
    ("ops convert str", lambda: _ops().convert_to_tensor("abc"), TypeError, "expects numbers"),
    ("ops convert ragged", lambda: _ops().convert_to_tensor(RAGGED), TypeError, "rows have different lengths"),
    ("ops convert_to_numpy None", lambda: _ops().convert_to_numpy(None), TypeError, "convert_to_numpy expects"),
    ("ops convert_to_numpy ragged", lambda: _ops().convert_to_numpy(RAGGED), TypeError, "different lengths"),
    ("ops shape ragged", lambda: _ops().shape(RAGGED), TypeError, "different lengths"),
    ("ops cast dtype tensor", lambda: _ops().cast(x23(), x23()), TypeError, "a Tensor is not a dtype"),
    ("ops transpose int axes", lambda: _ops().transpose(x23(), 1), TypeError, "list of 2 ints (a permutation), got 1"),
    ("ops concatenate tensor", lambda: _ops().concatenate(x23()), TypeError, "list or tuple of tensors, got Tensor"),
    ("ops concatenate None", lambda: _ops().concatenate(None), TypeError, "got NoneType"),
    ("ops stack int", lambda: _ops().stack(5), TypeError, "keras.ops.stack expects a list or tuple"),
    ("ops zeros None", lambda: _ops().zeros(None), TypeError, "int or a tuple of ints >= 0, got None"),
    ("ops zeros negative", lambda: _ops().zeros((2, -1)), TypeError, "got (2, -1)"),
    ("ops zeros float", lambda: _ops().zeros(2.5), TypeError, "got 2.5"),
    ("ops ones str", lambda: _ops().ones("ab"), TypeError, "keras.ops.ones shape"),
    ("ops zeros dtype tensor", lambda: _ops().zeros(2, dtype=x23()), TypeError, "a Tensor is not a dtype"),
    ("ops zeros_like None", lambda: _ops().zeros_like(None), TypeError, "expects numbers"),
    ("ops arange None", lambda: _ops().arange(None), TypeError, "start must be a finite number, got None"),
    ("ops arange str stop", lambda: _ops().arange(0, "5"), TypeError, "stop must be a finite number"),
    ("ops arange inf", lambda: _ops().arange(float("inf")), TypeError, "got inf"),
    ("ops arange step 0", lambda: _ops().arange(0, 5, 0), ValueError, "step must not be 0"),
    ("ops one_hot num None", lambda: _ops().one_hot([0], None), ValueError, "num_classes must be an int >= 0"),
    ("ops one_hot num float", lambda: _ops().one_hot([0], 3.0), ValueError, "got 3.0"),
    ("ops one_hot num negative", lambda: _ops().one_hot([0], -1), ValueError, "got -1"),
    ("ops one_hot axis", lambda: _ops().one_hot([0, 1], 3, axis=5), ValueError, "axis must be an int in [-2, 1]"),
    ("ops one_hot None", lambda: _ops().one_hot(None, 3), TypeError, "one_hot expects numbers"),
    ("ops one_hot str", lambda: _ops().one_hot(["a"], 3), TypeError, "one_hot expects numbers"),
    # keras.utils.normalize
    ("normalize order tuple", lambda: _normalize(A23, order=(1, 2)), TypeError, "order must be a number"),
    ("normalize order dict", lambda: _normalize(A23, order={}), TypeError, "got {}"),
    ("normalize order tensor", lambda: _normalize(A23, order=mdl.tensor(2)), TypeError, "got tensor(2"),
    ("normalize order bool", lambda: _normalize(x23(), order=True), TypeError, "got True"),
    ("normalize order nan", lambda: _normalize(A23, order=float("nan")), TypeError, "got nan"),
    ("normalize order name", lambda: _normalize(A23, order="fro"), ValueError, "invalid order 'fro'"),
    ("normalize None", lambda: _normalize(None), TypeError, "real numbers, got dtype object"),
    ("normalize ragged", lambda: _normalize(RAGGED), TypeError, "rows have different lengths"),
    ("normalize complex", lambda: _normalize(np.array([1 + 1j])), TypeError, "got dtype complex128"),
    ("normalize number", lambda: _normalize(3.0), ValueError, "at least 1 dimension"),
    ("normalize 0-d tensor", lambda: _normalize(mdl.tensor(3.0)), ValueError, "at least 1 dimension"),
    # keras.backend
    ("backend set_epsilon str", lambda: _keras().backend.set_epsilon("1e-7"), TypeError, "expects a number"),
    ("backend get_value None", lambda: _keras().backend.get_value(None), TypeError, "got NoneType"),
    ("backend get_value ragged", lambda: _keras().backend.get_value(RAGGED), TypeError, "different lengths"),
    # plot_model
    ("plot_model None", lambda: _plot(None), TypeError, "expects a keras Model (Sequential or functional), got "
     "NoneType"),
    ("plot_model misspelt option", lambda: _plot(_dense_model(), show_shape=True), ValueError,
     "unrecognized keyword arguments: ['show_shape']"),
    ("plot_model to_file int", lambda: _plot(_dense_model(), to_file=5), TypeError, "to_file must be a file path"),
    ("plot_model dpi str", lambda: _plot(_dense_model(), dpi="high"), ValueError, "dpi must be a positive number"),
    ("plot_model dpi 0", lambda: _plot(_dense_model(), dpi=0), ValueError, "got 0"),
    # SKLearn wrappers (scikit-learn is a test dependency)
    ("sklearn X str", lambda: _classifier().fit("abc", LABELS), TypeError, "X must hold numbers, got dtype <U3"),
    ("sklearn X None", lambda: _classifier().fit(None, LABELS), TypeError, "got dtype object"),
    ("sklearn X ragged", lambda: _classifier().fit([[1.0, 2.0, 3.0], [1.0]], [0, 1]), TypeError,
     "rows have different lengths"),
    ("sklearn X empty", lambda: _classifier().fit(np.ones((0, 3)), []), ValueError, "got no samples"),
    ("sklearn y NaN", lambda: _classifier().fit(FEATURES, [0, 1, np.nan, 1, 0, 1]), ValueError, "NaN label"),
    ("sklearn fit_kwargs list", lambda: _classifier(fit_kwargs=[1]).fit(FEATURES, LABELS), TypeError,
     "fit_kwargs must be a dict"),
    ("sklearn model_kwargs list", lambda: _classifier(model=lambda X, y: None, model_kwargs=[1]).fit(
        FEATURES, LABELS), TypeError, "model_kwargs must be a dict"),
    ("sklearn function returns None", lambda: _classifier(model=lambda X, y: None).fit(FEATURES, LABELS),
     TypeError, "the model function returned NoneType"),
    ("sklearn regressor y str", lambda: _regressor().fit(FEATURES, list("abcdef")), TypeError,
     "numeric targets, got dtype <U1"),
    # the 1-D convolutions
    ("conv1d empty kernel", lambda: mdl.functional.conv1d(mdl.ones(2, 8, 3), mdl.ones(0, 3, 4)), MinidlError,
     "kernel has no taps (shape (0, 3, 4))"),
    ("max_pool1d int padding", lambda: mdl.functional.max_pool1d(mdl.ones(2, 8, 3), 2, padding=1), ValueError,
     "padding must be 'valid' or 'same', got 1"),
    ("Conv1D int padding", lambda: _keras().layers.Conv1D(4, 3, padding=1), ValueError,
     "padding must be 'valid', 'same' or 'causal', got 1"),
    ("sklearn predict str", lambda: _classifier().fit(FEATURES, LABELS).predict("abc"), TypeError, "X must hold numbers"),
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


def test_keras_ops_one_hot_of_labels_outside_the_classes_as_keras() -> None:
    # Keras 3.15 (JAX backend): a label that is not one of the classes gives a row of zeros
    ops = _ops()
    np.testing.assert_array_equal(ops.one_hot([0, -1], 3).numpy(), [[1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(ops.one_hot([0, 5], 3).numpy(), [[1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(ops.one_hot([0.5, 1.0], 3).numpy(), [[0, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(ops.one_hot([np.nan], 3).numpy(), [[0, 0, 0]])
    np.testing.assert_array_equal(ops.one_hot(np.array([0, 1]), 3, axis=0).numpy(), [[1, 0], [0, 1], [0, 0]])
    assert ops.one_hot([0], 0).shape == (1, 0)
    assert ops.one_hot([[0, 2]], 3).dtype == np.float32


def test_keras_ops_cast_to_none_is_floatx_as_keras() -> None:
    # Keras 3.15: ops.cast(np.ones(2) (float64), None) is float32, floatx()
    ops = _ops()
    assert ops.cast(mdl.tensor([1.0, 2.0], dtype="float64"), None).dtype == np.float32
    assert ops.cast(mdl.tensor([1, 2]), None).dtype == np.float32


def test_plot_model_missing_folder_is_named(tmp_path) -> None:
    target = tmp_path / "missing" / "model.png"
    with pytest.raises(FileNotFoundError, match="folder .* does not exist"):
        _plot(_dense_model(), to_file=target)
    assert not target.parent.exists()


def _tiny_model():
    from minidl import keras

    return keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2)])


@pytest.mark.parametrize("call, error, message", [
    (lambda: __import__("minidl").keras.models.clone_model(None), TypeError, "expects a Keras model"),
    (lambda: __import__("minidl").keras.models.clone_model(__import__("minidl").keras.layers.Dense(2)),
     TypeError, "got Dense"),
    (lambda: __import__("minidl").keras.models.clone_model(_tiny_model(), clone_function=5), TypeError,
     "clone_function must be a function"),
    (lambda: __import__("minidl").keras.models.model_from_json('{"class_name": "Sequential", "config": "x"}'),
     ValueError, "'config' object"),
    (lambda: __import__("minidl").keras.Sequential.from_config(None), TypeError, "expects the dict"),
    (lambda: __import__("minidl").keras.Model.from_config([1]), TypeError, "expects the dict"),
])
def test_cloning_and_from_config_name_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_clone_model_still_clones_a_subclassed_and_a_sequential_model():
    from minidl import keras

    model = _tiny_model()
    clone = keras.models.clone_model(model)
    assert type(clone) is type(model) and clone is not model
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
