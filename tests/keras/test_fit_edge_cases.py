"""fit/evaluate corners: models with nothing to train, and metrics with one value per class."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras


def _data(n=24, features=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, features), dtype=np.float32), (rng.random((n, 3)) > 0.5).astype(np.float32)


def test_fit_a_model_without_weights_reports_its_loss():
    x, _ = _data()
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Lambda(lambda t: t * 2.0)])
    model.compile("adam", "mse")
    history = model.fit(x, x, batch_size=len(x), epochs=2, verbose=0)
    expected = float(np.mean((2.0 * x.astype(np.float64) - x) ** 2))
    np.testing.assert_allclose(history.history["loss"], [expected, expected], rtol=1e-6)


def test_fit_with_every_layer_frozen_changes_nothing():
    x, _ = _data()
    mdl.manual_seed(0)
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(4)])
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    before = model.get_weights()
    model.fit(x, x, batch_size=8, verbose=0)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _f1_per_class(y, p, threshold=0.5):
    pred = (p > threshold).astype(np.float64)
    tp, fp, fn = (pred * y).sum(0), (pred * (1 - y)).sum(0), ((1 - pred) * y).sum(0)
    return 2 * tp / np.maximum(2 * tp + fp + fn, 1e-7)


def test_evaluate_returns_a_per_class_metric_as_an_array():
    x, y = _data(40)
    mdl.manual_seed(1)
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[keras.metrics.F1Score(threshold=0.5)])
    loss, f1 = model.evaluate(x, y, batch_size=16, verbose=0)
    assert isinstance(loss, float) and f1.shape == (3,)
    np.testing.assert_allclose(f1, _f1_per_class(y, model.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    assert model.metrics_names == ["loss", "f1_score"]

    def batches():
        for i in range(0, len(x), 16):
            yield x[i:i + 16], y[i:i + 16]

    np.testing.assert_allclose(model.evaluate(batches(), verbose=0)[1], f1, rtol=1e-6)


def test_save_keeps_every_builtin_metric_object_and_warns_about_functions(tmp_path):
    x, y = _data(30)
    y = y[:, :1]
    mdl.manual_seed(2)
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])

    def hits(t, p):
        return (p > 0.5) == t

    model.compile("adam", "binary_crossentropy", metrics=[
        keras.metrics.Precision(thresholds=0.3, name="p3"), keras.metrics.Recall(),
        keras.metrics.BinaryAccuracy(threshold=0.7), hits, keras.metrics.RootMeanSquaredError()])
    with pytest.warns(UserWarning, match=r"does not store the metric\(s\) \['hits'\]"):
        model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.metrics_names == ["loss", "p3", "recall", "binary_accuracy", "root_mean_squared_error"]
    p = model.predict(x, verbose=0).astype(np.float64)
    positive = p > 0.3
    precision = (positive & (y > 0.5)).sum() / positive.sum()
    values = loaded.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(values[1], precision, rtol=1e-6)
    np.testing.assert_allclose(values[3], ((p > 0.7) == y).mean(), rtol=1e-6)
    np.testing.assert_allclose(values[4], np.sqrt(((p - y) ** 2).mean()), rtol=1e-5)


def test_a_layer_takes_nested_python_lists_as_one_input():
    np.testing.assert_array_equal(keras.layers.ReLU()([[1.0, -2.0], [3.0, -4.0]]).numpy(), [[1, 0], [3, 0]])
    dense = keras.layers.Dense(2, kernel_initializer="ones")
    np.testing.assert_allclose(dense([[1.0, 2.0, 3.0]]).numpy(), [[6.0, 6.0]])
    merged = keras.layers.Concatenate()([np.ones((2, 3)), np.zeros((2, 1))])  # a list of arrays: two inputs
    assert merged.shape == (2, 4)


def test_model_set_weights_checks_every_array_before_writing_any():
    mdl.manual_seed(3)
    inner = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization()])
    model = keras.Sequential([keras.layers.Input((3,)), inner, keras.layers.Dense(2)])
    before = model.get_weights()
    assert len(before) == 8  # Dense 2 + BatchNorm 4 (two moving statistics) + Dense 2
    bad = [w + 1.0 for w in before]
    bad[-1] = np.zeros(3)  # the last bias has shape (2,)
    with pytest.raises(ValueError, match=r"shape \(2,\), got \(3,\)"):
        model.set_weights(bad)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # nothing written, not even the first layers
    good = [w + 1.0 for w in before]
    model.set_weights(good)
    for a, b in zip(good, model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b)


def test_evaluate_steps_with_arrays_uses_only_the_first_batches():
    x, _ = _data(40)
    mdl.manual_seed(4)
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    y = np.arange(40, dtype=np.float32).reshape(40, 1)
    p = model.predict(x, verbose=0).astype(np.float64)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=8, steps=2, verbose=0),
                               ((p[:16] - y[:16]) ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=8, steps=99, verbose=0),
                               ((p - y) ** 2).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="steps must be a positive int"):
        model.evaluate(x, y, steps=0, verbose=0)
