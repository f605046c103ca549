"""Behaviours a Keras 3 user notices, pinned to what Keras 3.15 does.

Reference values were obtained by running the same code with real Keras 3.15
(``KERAS_BACKEND=jax``) and are hard-coded here: CI does not install Keras.
"""

from __future__ import annotations

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers


def zzz(y_true, y_pred):
    return (y_pred * 0 + 1).mean(axis=-1)


def aaa(y_true, y_pred):
    return (y_pred * 0).mean(axis=-1)


def test_logs_history_and_return_dict_are_sorted_by_name_as_keras_3(capsys):
    # Keras 3.15 printed "... - aaa: 0.5900 - accuracy: 0.6000 - loss: 0.8747 - val_aaa: ...
    # - val_zzz: 0.6393 - zzz: 0.5900" and History keys in the same sorted order; the batch
    # logs too.  evaluate's list keeps the compile order [loss, zzz, accuracy, aaa].
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)).astype("float32"), rng.integers(0, 2, (20, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[zzz, "accuracy", aaa])
    seen = []
    batch_logs = keras.callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(list(logs)))
    history = model.fit(x, y, epochs=1, verbose=2, validation_split=0.25, batch_size=4,
                        callbacks=[batch_logs])
    keys = ["aaa", "accuracy", "loss", "val_aaa", "val_accuracy", "val_loss", "val_zzz", "zzz"]
    assert list(history.history) == keys
    assert seen[0] == ["aaa", "accuracy", "loss", "zzz"]
    line = capsys.readouterr().out
    assert [part.split(":")[0] for part in line.strip().split(" - ")[3:]] == keys
    assert list(model.evaluate(x, y, verbose=0, return_dict=True)) == ["aaa", "accuracy", "loss", "zzz"]
    loss, z, _, a = model.evaluate(x, y, verbose=0)
    assert (z, a) == (1.0, 0.0) and loss > 0


def test_subclassed_call_without_training_argument():
    # Keras passes training= only to a call() that takes it: `def call(self, x)` is fine.
    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    model = Net()
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    assert model.predict(x, verbose=0).shape == (6, 2)
    model.compile("sgd", "mse")
    history = model.fit(x, x[:, :2], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    hidden = model.hidden.get_weights()
    np.testing.assert_allclose(model(x).numpy(), np.maximum(x @ hidden[0] + hidden[1], 0)
                               @ model.out.get_weights()[0] + model.out.get_weights()[1], rtol=1e-5)


@pytest.mark.parametrize("signature", ["kwargs", "training"])
def test_custom_layer_receives_training_when_it_asks(signature):
    seen = []

    class Probe(layers.Layer):
        if signature == "kwargs":
            def call(self, x, **kwargs):
                seen.append(kwargs.get("training"))
                return x
        else:
            def call(self, x, training=None):
                seen.append(training)
                return x

    model = keras.Sequential([keras.Input((2,)), Probe(), layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.ones((4, 2), "float32")
    seen.clear()
    model.fit(x, x, epochs=1, batch_size=4, verbose=0)
    model.predict(x, verbose=0)
    assert seen.count(True) >= 1, f"fit never called the layer with training=True: {seen}"
    assert seen[-1] is False, f"predict called the layer with training={seen[-1]!r}"


# -- losses: reductions, per-sample functions, NumPy inputs, the less common losses -----------------
YT = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], "float32")
YP = np.array([[0.0, -0.5, 3.5], [1.0, 0.25, 0.5]], "float32")
SW = np.array([0.5, 2.0], "float32")
P = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]], "float32")
T = np.array([[0.1, 0.1, 0.8], [0.6, 0.3, 0.1]], "float32")
BIN = np.array([[1, 0, 1], [0, 0, 1]], "float32")
L = keras.losses

# (call, value printed by Keras 3.15 for the same call)
LOSS_CASES = [
    (lambda: L.MeanSquaredError(reduction="sum")(YT, YP), 1.354167),
    (lambda: L.MeanSquaredError(reduction=None)(YT, YP), [0.916667, 0.4375]),
    (lambda: L.MeanSquaredError(reduction="sum")(YT, YP, sample_weight=SW), 1.333333),
    (lambda: L.MeanAbsoluteError(reduction="mean_with_sample_weight")(YT, YP, sample_weight=SW), 0.633333),
    (lambda: L.Huber(delta=0.75, reduction=None)(YT, YP), [0.364583, 0.208333]),
    (lambda: L.mean_squared_error(YT, YP), [0.916667, 0.4375]),
    (lambda: L.MeanAbsolutePercentageError()(YT, YP), 41666744.0),
    (lambda: L.MeanSquaredLogarithmicError()(np.abs(YT) + 0.5, np.abs(YP) + 0.25), 0.090328),
    (lambda: L.LogCosh()(YT, YP), 0.280082),
    (lambda: L.Hinge()(np.array([[0, 1, 1], [1, 0, 0]], "float32"), YP), 0.875),
    (lambda: L.KLDivergence()(T, P), 0.112988),
    (lambda: L.binary_crossentropy(BIN, np.array([[0.9, 0.0, 0.6], [0.3, 0.2, 1.0]], "float32")),
     [0.205395, 0.193273]),
    (lambda: L.binary_crossentropy(BIN, YP, from_logits=True, label_smoothing=0.2), [0.532325, 0.846093]),
    (lambda: L.categorical_crossentropy(T, P), [0.835859, 0.927095]),
    (lambda: L.sparse_categorical_crossentropy(np.array([2, 0]), YP, from_logits=True), [0.047373, 0.731838]),
    (lambda: L.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(np.array([2, 0]), YP,
                                                                                sample_weight=SW),
     [0.023687, 1.463675]),
]


@pytest.mark.parametrize("case", range(len(LOSS_CASES)))
def test_losses_match_keras_values(case):
    fn, expected = LOSS_CASES[case]
    np.testing.assert_allclose(np.asarray(fn().numpy(), dtype=np.float64), expected, rtol=1e-5, atol=1e-6)


def test_loss_reduction_is_checked_and_saved():
    with pytest.raises(ValueError, match="reduction"):
        L.MeanSquaredError(reduction="average")
    config = L.Huber(delta=0.5, reduction="sum").get_config()
    assert config["reduction"] == "sum"
    assert L.get({"class_name": "Huber", "config": config})(YT, YP).item() == pytest.approx(
        L.Huber(delta=0.5, reduction="sum")(YT, YP).item())


def test_new_losses_train_by_name():
    x = np.random.default_rng(0).uniform(0.5, 2, (32, 3)).astype("float32")
    for name in ["mape", "msle", "log_cosh", "kld", "hinge"]:
        model = keras.Sequential([keras.Input((3,)), layers.Dense(3, activation="softmax")])
        model.compile("adam", name)
        target = x / x.sum(-1, keepdims=True)
        history = model.fit(x, target, epochs=2, verbose=0)
        assert np.isfinite(history.history["loss"]).all(), name


# -- activations Keras accepts by name ----------------------------------------------------------------
X13 = np.linspace(-3, 3, 13).astype("float32").reshape(1, 13)
ACTIVATION_VALUES = {  # keras.layers.Activation(name)(X13) in Keras 3.15
    "relu6": [0, 0, 0, 0, 0, 0, 0, 0.5, 1, 1.5, 2, 2.5, 3],
    "softsign": [-0.75, -0.714286, -0.666667, -0.6, -0.5, -0.333333, 0, 0.333333, 0.5, 0.6, 0.666667,
                 0.714286, 0.75],
    "hard_sigmoid": [0, 0.083333, 0.166667, 0.25, 0.333333, 0.416667, 0.5, 0.583333, 0.666667, 0.75,
                     0.833333, 0.916667, 1],
    "hard_silu": [0, -0.208333, -0.333333, -0.375, -0.333333, -0.208333, 0, 0.291667, 0.666667, 1.125,
                  1.666667, 2.291667, 3],
    "hard_swish": [0, -0.208333, -0.333333, -0.375, -0.333333, -0.208333, 0, 0.291667, 0.666667, 1.125,
                   1.666667, 2.291667, 3],
    "mish": [-0.145647, -0.196816, -0.252501, -0.2981, -0.303401, -0.220744, 0, 0.375245, 0.865098,
             1.403378, 1.943959, 2.471392, 2.986536],
}


@pytest.mark.parametrize("name", sorted(ACTIVATION_VALUES))
def test_activation_names_match_keras(name):
    out = layers.Activation(name)(X13).numpy()
    np.testing.assert_allclose(out[0], ACTIVATION_VALUES[name], rtol=1e-5, atol=1e-6)
    dense = layers.Dense(2, activation=name)
    assert dense.get_config()["activation"] in (name, "hard_silu")


@pytest.mark.parametrize("name", sorted(ACTIVATION_VALUES))
def test_new_activations_have_gradients(name):
    import minidl as mdl

    x = mdl.tensor(np.array([-4.0, -1.3, 0.7, 2.2, 7.0]), dtype="float64", requires_grad=True)
    assert mdl.gradcheck(keras.activations.get(name), x)


# -- metrics=["accuracy"] resolves by shapes, as Keras 3 ---------------------------------------------
def _evaluate_accuracy(loss, y, units, activation):
    x = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(units, activation=activation)])
    model.compile("sgd", loss, metrics=["accuracy"])
    return model.evaluate(x, y, verbose=0)[1], model.predict(x, verbose=0)


def test_accuracy_with_binary_crossentropy_on_several_labels_is_categorical_as_keras():
    # Keras 3 picks the accuracy from shapes only: (N, 3) targets and (N, 3) outputs give
    # categorical accuracy even with binary_crossentropy (Keras 3.15: 0.3 where the binary
    # accuracy is 0.525 on its probe).
    y = (np.random.default_rng(2).random((40, 3)) > 0.5).astype("float32")
    acc, p = _evaluate_accuracy("binary_crossentropy", y, 3, "sigmoid")
    assert acc == pytest.approx(np.mean(p.argmax(-1) == y.argmax(-1)))


def test_accuracy_with_a_custom_loss_and_integer_labels_is_sparse():
    y = np.random.default_rng(2).integers(0, 3, 40)

    def my_loss(y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)

    acc, p = _evaluate_accuracy(my_loss, y, 3, "softmax")
    assert acc == pytest.approx(np.mean(p.argmax(-1) == y))
    y1 = (y[:, None] > 0).astype("float32")  # one output: binary, whatever the loss
    acc, p = _evaluate_accuracy("mse", y1, 1, "sigmoid")
    assert acc == pytest.approx(np.mean((p > 0.5) == (y1 > 0.5)))


# -- metric objects for the evaluation lessons ----------------------------------------------------------
@pytest.mark.parametrize("name, expected", [  # two update_state calls, values from Keras 3.15
    ("Precision", 0.8), ("Recall", 0.727273), ("RootMeanSquaredError", 0.357477),
    ("MeanAbsolutePercentageError", 113684224.0),
])
def test_metric_objects_match_keras(name, expected):
    yt = np.array([[0], [1], [1], [0], [1], [0]], "float32")
    yp = np.array([[0.2], [0.8], [0.4], [0.6], [0.9], [0.1]], "float32")
    metric = getattr(keras.metrics, name)()
    metric.update_state(yt, yp)
    metric.update_state(yt[:3], yp[:3] * 0.9, sample_weight=np.array([1, 2, 0.5], "float32"))
    assert metric.result() == pytest.approx(expected, rel=1e-5)
    metric.reset_state()
    assert metric.result() == 0.0


def test_precision_recall_and_mape_by_name_in_fit():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)).astype("float32"), (rng.random((50, 1)) > 0.5).astype("float32")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["precision", "recall", "mape",
                                                          keras.metrics.RootMeanSquaredError()])
    history = model.fit(x, y, epochs=1, verbose=0)
    assert list(history.history) == ["loss", "mape", "precision", "recall", "root_mean_squared_error"]
    _, precision, recall, mape, rmse = model.evaluate(x, y, verbose=0, batch_size=7)
    p = model.predict(x, verbose=0)
    tp, fp, fn = [float(np.sum(a)) for a in ((p > 0.5) & (y > 0.5), (p > 0.5) & (y < 0.5), (p <= 0.5) & (y > 0.5))]
    assert precision == pytest.approx(tp / (tp + fp) if tp + fp else 0.0)
    assert recall == pytest.approx(tp / (tp + fn) if tp + fn else 0.0)
    assert rmse == pytest.approx(np.sqrt(np.mean((p - y) ** 2)), rel=1e-5)
    assert mape == pytest.approx(np.mean(100 * np.abs(p - y) / np.maximum(np.abs(y), 1e-7)), rel=1e-4)


# -- symbolic inputs and outputs: feature extraction as in Keras -------------------------------------------
@pytest.mark.parametrize("first", ["Input", "input_shape"])
def test_sequential_inputs_and_layer_outputs_build_a_feature_extractor(first):
    L = layers
    head = [keras.Input((8, 8, 1)), L.Conv2D(4, 3, activation="relu")] if first == "Input" \
        else [L.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1))]
    model = keras.Sequential([*head, L.MaxPooling2D(), L.Flatten(), L.Dense(3, activation="softmax")])
    # Keras 3.15: layer.output shapes (None, 6, 6, 4), (None, 3, 3, 4), (None, 36), (None, 3)
    assert [tuple(layer.output.shape) for layer in model.layers] == [
        (None, 6, 6, 4), (None, 3, 3, 4), (None, 36), (None, 3)]
    assert [tuple(layer.input.shape) for layer in model.layers] == [
        (None, 8, 8, 1), (None, 6, 6, 4), (None, 3, 3, 4), (None, 36)]
    assert [tuple(t.shape) for t in model.inputs] == [(None, 8, 8, 1)]
    assert [tuple(t.shape) for t in model.outputs] == [(None, 3)]
    features = keras.Model(inputs=model.inputs, outputs=model.layers[0].output)
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
    kernel, bias = model.layers[0].get_weights()
    expected = np.zeros((2, 6, 6, 4), "float32")
    for i in range(6):
        for j in range(6):
            expected[:, i, j] = np.einsum("nhwc,hwco->no", x[:, i:i + 3, j:j + 3], kernel) + bias
    np.testing.assert_allclose(features.predict(x, verbose=0), np.maximum(expected, 0), rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in features.layers][-1] == model.layers[0].name


def test_unbuilt_layer_has_no_output():
    dense = layers.Dense(2)
    with pytest.raises(AttributeError, match="never been called"):
        _ = dense.output
    with pytest.raises(AttributeError, match="not built"):
        _ = keras.Sequential([layers.Dense(2)]).inputs


def test_global_pooling_1d_after_embedding_and_save_round_trip(tmp_path):
    tokens = np.array([[1, 2, 0, 4], [3, 0, 0, 1]])
    for cls, reduce in [(layers.GlobalAveragePooling1D, np.mean), (layers.GlobalMaxPooling1D, np.max)]:
        model = keras.Sequential([keras.Input((4,)), layers.Embedding(5, 3), cls(), layers.Dense(1)])
        assert model.output_shape == (None, 1) and model.layers[1].output_shape == (None, 3)
        table, kernel, bias = model.get_weights()
        expected = reduce(table[tokens], axis=1) @ kernel + bias
        np.testing.assert_allclose(model.predict(tokens, verbose=0), expected, rtol=1e-5, atol=1e-6)
        model.compile("adam", "mse")
        model.save(tmp_path / "m.keras")
        again = keras.models.load_model(tmp_path / "m.keras")
        np.testing.assert_allclose(again.predict(tokens, verbose=0), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="3-D input"):
        layers.GlobalAveragePooling1D()(np.ones((2, 3), "float32"))
