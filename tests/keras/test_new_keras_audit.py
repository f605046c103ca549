"""Audit of this session's Keras 3 additions: each test failed before its fix.

Reference values come from Keras 3.15 (JAX backend), computed once and hard-coded here.
"""

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.keras import layers, metrics


def _binary_model(metric_list):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=metric_list)
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.random((12, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 12)]
    return x, y


def test_repeated_metric_names_get_suffixes_as_keras():
    # Keras 3.15: ['f1_score', 'f1_score_1', 'loss', 'top_k_categorical_accuracy'] for this compile;
    # before the fix both F1 metrics were logged under one key and evaluate() had an extra value
    mdl.manual_seed(0)
    x, y = _data()
    model = _binary_model(["f1_score", metrics.F1Score(average="macro"), "top_k_categorical_accuracy"])
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert sorted(history.history) == ["f1_score", "f1_score_1", "loss", "top_k_categorical_accuracy"]
    assert model.metrics_names == ["loss", "f1_score", "f1_score_1", "top_k_categorical_accuracy"]
    values = model.evaluate(x, y, verbose=0)
    assert len(values) == 4
    assert np.ndim(values[1]) == 1 and np.ndim(values[2]) == 0  # per-class, then the macro mean


def test_metric_class_name_string_is_its_name_as_keras():
    # Keras 3.15: compile(metrics=["auc", "AUC"]) logs 'AUC' and 'auc'
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["auc", "AUC"])
    x, _ = _data()
    history = model.fit(x, (x[:, 0] > 0.5).astype("float32"), epochs=1, verbose=0)
    assert sorted(history.history) == ["AUC", "auc", "loss"]


def test_saved_model_keeps_metric_objects_and_their_settings(tmp_path):
    # before the fix, metric objects were dropped by model.save (the loaded model reported only
    # the loss) and F1Score(average="macro") came back as a per-class F1Score()
    mdl.manual_seed(0)
    x, y = _data()
    model = _binary_model([metrics.AUC(name="pr", curve="PR"), metrics.F1Score(average="macro"),
                           metrics.TopKCategoricalAccuracy(k=2)])
    model.fit(x, y, epochs=1, verbose=0)
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    got = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(got) == sorted(expected) == ["f1_score", "loss", "pr", "top_k_categorical_accuracy"]
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-6)
    assert np.ndim(got["f1_score"]) == 0


def test_auc_nan_score_is_above_no_threshold():
    # Keras 3.15: AUC(thresholds=[0.3, 0.5]) on these values gives 0.0; before the fix minidl's
    # evenly spaced path raised NumPy's "'list' argument must have no negative elements"
    y, p = [0, 1, 1, 0], [np.nan, 0.2, 0.5, 0.6]
    explicit = metrics.AUC(thresholds=[0.3, 0.5])
    explicit.update_state(y, p)
    assert explicit.result() == pytest.approx(0.0, abs=1e-7)
    evenly = metrics.AUC()
    evenly.update_state(y, p)  # no error; the NaN counts as a negative decision everywhere
    reference = metrics.AUC()
    reference.update_state([1, 1, 0], [0.2, 0.5, 0.6])
    assert np.isfinite(evenly.result())
    np.testing.assert_allclose(evenly.true_positives, reference.true_positives)


def test_auc_unsupported_options_raise_value_error():
    with pytest.raises(ValueError, match="multi_label"):
        metrics.AUC(multi_label=True)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)


def test_fscore_accepts_numpy_numbers():
    assert metrics.F1Score(threshold=np.float32(0.5)).threshold == 0.5
    assert metrics.FBetaScore(beta=np.float32(2.0)).beta == 2.0
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=np.bool_(True))


def test_dropout_on_integer_input_while_training_returns_floats():
    # before the fix uint8 input came back uint8: 1/(1 - 0.3) = 1.43 was truncated to 1
    mdl.manual_seed(0)
    x = np.ones((50, 40), dtype=np.uint8)
    out = layers.Dropout(0.3)(x, training=True)
    assert out.dtype.kind == "f"
    np.testing.assert_allclose(np.unique(out.numpy()), [0.0, 1.0 / 0.7], rtol=1e-6)
    seeded = layers.Dropout(0.3, seed=1)(x, training=True)
    assert seeded.dtype.kind == "f"


def test_spatial_dropout_refuses_noise_shape():
    # Keras 3.15: SpatialDropout2D(0.5, noise_shape=...) raises TypeError (unexpected argument);
    # minidl accepted and ignored it
    with pytest.raises(TypeError, match="noise_shape"):
        layers.SpatialDropout2D(0.5, noise_shape=(None, 1, 1, 3))
