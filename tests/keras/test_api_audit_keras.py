"""A fresh audit of the Keras-style API: what earlier audits did not cover.

Each test failed before its fix.  Keras 3.15 reference values (``KERAS_BACKEND=jax``)
were computed once with real Keras and are hard-coded: CI does not install Keras.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl
from minidl import keras
from minidl.keras import layers


def data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    return x, np.eye(3, dtype="float32")[np.arange(20) % 3]


def softmax_model() -> keras.Model:
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    return model


# -- fit's counting arguments: checked before training, never silently rounded or ignored --------
@pytest.mark.parametrize("kwargs, pattern", [
    ({"steps_per_epoch": 0}, "steps_per_epoch must be a positive int"),       # trained nothing
    ({"steps_per_epoch": 2.5}, "steps_per_epoch must be a positive int"),     # was rounded down
    ({"validation_steps": -1}, "validation_steps must be a positive int"),
    ({"initial_epoch": -1}, "initial_epoch must be a non-negative int"),      # ran an epoch -1
    ({"initial_epoch": 1.0}, "initial_epoch must be a non-negative int"),
    ({"validation_freq": 0, "validation_split": 0.2}, "validation_freq must be a positive int"),  # ZeroDivisionError
    ({"validation_batch_size": 0, "validation_split": 0.2}, "validation_batch_size must be a positive int"),
])
def test_fit_counting_arguments_are_checked(kwargs, pattern):
    x, y = data()
    model = softmax_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=pattern):
        model.fit(x, y, verbose=0, **kwargs)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_fit_counting_arguments_are_checked_for_a_batch_source_too():
    x, y = data()
    batches = [(x[:10], y[:10]), (x[10:], y[10:])]
    with pytest.raises(ValueError, match="validation_freq must be a positive int"):
        softmax_model().fit(iter(batches), validation_data=(x, y), validation_freq=0, verbose=0)
    with pytest.raises(ValueError, match="initial_epoch must be a non-negative int"):
        softmax_model().fit(iter(batches), initial_epoch=-2, verbose=0)


def test_steps_per_epoch_numpy_int_limits_the_batches():
    x, y = data()
    model = softmax_model()
    history = model.fit(x, y, batch_size=4, steps_per_epoch=np.int64(2), epochs=2, verbose=0)
    assert history.params["steps"] == 2
    assert int(model.optimizer.iterations) == 4


# -- sample weights that are not numbers are named ---------------------------------------------
@pytest.mark.parametrize("call", [
    lambda m, x, y: m.fit(x, y, sample_weight=["a"] * 20, verbose=0),
    lambda m, x, y: m.evaluate(x, y, sample_weight=["a"] * 20, verbose=0),
    lambda m, x, y: m.train_on_batch(x, y, sample_weight=["a"] * 20),
])
def test_text_sample_weight_is_a_type_error_naming_it(call):
    # was: ValueError "could not convert string to float: 'a'" from NumPy
    x, y = data()
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        call(softmax_model(), x, y)


def test_text_validation_sample_weight_is_named():
    x, y = data()
    with pytest.raises(TypeError, match=r"validation_data\[2\] must hold numbers"):
        softmax_model().fit(x, y, validation_data=(x, y, ["a"] * 20), verbose=0)


def test_validation_data_with_sample_weights_matches_keras():
    # Keras 3.15: the same weights, shuffle=False, batch_size=8 gave these logs
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 20)]
    model = keras.Sequential([keras.Input((3,)), layers.Dense(3, activation="softmax")])
    model.set_weights([np.linspace(-1, 1, 9).reshape(3, 3).astype("float32"),
                       np.array([0.1, -0.2, 0.3], "float32")])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, validation_data=(x, y, np.arange(20.0)), verbose=0, shuffle=False, batch_size=8)
    assert history.history["loss"][0] == pytest.approx(1.12309, abs=1e-5)
    assert history.history["val_loss"][0] == pytest.approx(10.58711, abs=1e-5)
    assert history.history["val_accuracy"][0] == pytest.approx(0.5)


# -- Sequential: input_shape= only on the first layer of a model without Input ------------------
def test_input_shape_after_an_input_is_ignored_as_keras():
    # Keras 3.15: Sequential([Input((3,)), Dense(2, input_shape=(5,))]).count_params() == 8;
    # minidl rebuilt the model for 5 features (12 parameters) and refused 3-feature data.
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, input_shape=(5,))])
    assert model.count_params() == 8
    assert model.predict(np.zeros((4, 3), "float32"), verbose=0).shape == (4, 2)


def test_input_shape_on_a_later_layer_is_ignored_as_keras():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2, input_shape=(7,))])
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


# -- set_weights: every array checked, moving statistics included -------------------------------
def test_batchnorm_moving_statistics_of_the_wrong_shape_are_refused():
    # was: a (1,) moving variance was broadcast silently into the (4,) buffer
    bn = layers.BatchNormalization()
    bn.build((None, 4))
    before = bn.get_weights()
    with pytest.raises(minidl.MinidlError, match=r"moving_variance has shape \(4,\), got \(1,\)"):
        bn.set_weights([np.ones(4)] * 3 + [np.ones(1)])
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("weights, error, pattern", [
    (None, TypeError, "set_weights expects a list of arrays"),
    ([np.full((3, 2), "a"), np.zeros(2)], TypeError, "must hold numbers"),
])
def test_layer_set_weights_bad_values_are_named(weights, error, pattern):
    dense = layers.Dense(2)
    dense.build((None, 3))
    with pytest.raises(error, match=pattern):
        dense.set_weights(weights)


def test_model_set_weights_of_text_is_a_type_error():
    # Keras 3.15 and minidl both said "could not convert string to float"
    model = softmax_model()
    with pytest.raises(TypeError, match="must hold numbers"):
        model.set_weights([np.full((3, 3), "a"), np.zeros(3)])


def test_set_weights_accepts_nested_lists_and_tensors():
    dense = layers.Dense(2)
    dense.build((None, 3))
    kernel = np.arange(6.0).reshape(3, 2)
    dense.set_weights([kernel.tolist(), minidl.tensor([1.0, 2.0])])
    np.testing.assert_array_equal(dense.get_weights()[0], kernel)
    np.testing.assert_array_equal(dense.get_weights()[1], [1.0, 2.0])


# -- to_categorical ---------------------------------------------------------------------------
def test_to_categorical_reads_booleans_as_classes_0_and_1():
    # Keras 3.15: to_categorical([True, False]) == [[0, 1], [1, 0]]
    np.testing.assert_array_equal(keras.utils.to_categorical(np.array([True, False])), [[0, 1], [1, 0]])


# -- export, Input(batch_shape=), binary accuracy ---------------------------------------------
def test_export_refuses_a_format_it_cannot_write(tmp_path):
    # was: format="pickle" wrote an ONNX file silently; Keras 3.15 raises ValueError
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="format='onnx' only"):
        model.export(str(tmp_path / "m.pkl"), format="pickle")
    assert not (tmp_path / "m.pkl").exists()


def test_input_takes_a_batch_shape_as_keras():
    # Keras 3.15: Input(batch_shape=(None, 3)).shape == (None, 3)
    inputs = keras.Input(batch_shape=(None, 3))
    assert inputs.shape == (None, 3)
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert model.count_params() == 8
    with pytest.raises(ValueError, match="not both"):
        keras.Input(shape=(3,), batch_shape=(None, 3))


def test_accuracy_on_one_output_compares_targets_exactly_as_keras():
    # Keras 3.15: "accuracy" on one output is BinaryAccuracy: (y_pred > 0.5) == y_true, so the
    # target 3.0 is never matched -> {'accuracy': 0.5, 'loss': 2.0, 'mae': 1.0}; minidl gave 1.0
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.set_weights([np.ones((3, 1)), np.zeros(1)])
    model.compile("sgd", "mse", metrics=["accuracy", "mae"])
    logs = model.evaluate(np.ones((2, 3)), np.array([3.0, 1.0]), verbose=0, return_dict=True)
    assert logs == pytest.approx({"accuracy": 0.5, "loss": 2.0, "mae": 1.0})
    metric = keras.metrics.BinaryAccuracy()
    metric.update_state([[0.9], [0.0], [1.0]], [[0.8], [0.2], [0.6]])  # a soft 0.9 is a miss
    assert metric.result() == pytest.approx(2 / 3)
