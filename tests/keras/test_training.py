"""The Keras training API end to end: fit/evaluate/predict, callbacks, saving, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl.keras import callbacks, layers, models, optimizers, regularizers
from minidl.keras.utils import to_categorical


def blobs(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs in 4-D: any working classifier gets > 95%."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]], dtype=np.float32)
    x = centers[y] + rng.normal(0, 0.7, (n, 4)).astype(np.float32)
    return x, y


def mlp(units: int = 16, **compile_args) -> models.Sequential:
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(units, activation="relu"),
                               layers.Dense(3, activation="softmax")])
    model.compile(**{"optimizer": optimizers.Adam(0.05), "loss": "sparse_categorical_crossentropy",
                     "metrics": ["accuracy"], **compile_args})
    return model


def test_fit_learns_and_reports_history():
    mdl.manual_seed(0)
    x, y = blobs()
    model = mlp()
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, validation_split=0.25)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.9
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and all(isinstance(v, float) for v in result)
    # evaluate's accuracy agrees with an independent argmax over predict
    predictions = model.predict(x, verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (len(x), 3)
    assert result[1] == pytest.approx(np.mean(predictions.argmax(1) == y))


def test_evaluate_loss_matches_numpy_cross_entropy():
    mdl.manual_seed(1)
    x, y = blobs(64)
    model = mlp()
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = -np.mean(np.log(p[np.arange(len(y)), y]))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, batch_size=10, verbose=0)
    assert isinstance(loss, float)
    assert loss == pytest.approx(expected, rel=1e-4)


def test_same_seed_gives_identical_history():
    def run() -> dict:
        mdl.manual_seed(42)
        x, y = blobs()
        model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(16, activation="relu"),
                                   layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(x, y, epochs=3, batch_size=16, verbose=0, validation_split=0.2).history

    assert run() == run()


def test_predict_works_without_compile_and_matches_manual_forward():
    mdl.manual_seed(0)
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(5, activation="tanh"), layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    w1, b1, w2, b2 = model.get_weights()
    expected = np.tanh(x @ w1 + b1) @ w2 + b2
    np.testing.assert_allclose(model.predict(x, batch_size=3, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_categorical_and_sparse_losses_agree():
    mdl.manual_seed(3)
    x, y = blobs(50)
    model = mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    a = model.evaluate(x, to_categorical(y, 3), verbose=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    b = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(a, b, rtol=1e-5)


def test_functional_branch_and_merge_and_subclassing():
    mdl.manual_seed(0)
    inputs = layers.Input(shape=(4,))
    left = layers.Dense(8, activation="relu")(inputs)
    right = layers.Dense(8, activation="tanh")(inputs)
    merged = layers.Concatenate()([left, right])
    summed = layers.Add()([layers.Dense(3)(merged), layers.Dense(3)(inputs)])
    outputs = layers.Activation("softmax")(summed)
    model = models.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = blobs()
    model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.9

    class TwoLayer(models.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(16, activation="relu")
            self.out = layers.Dense(3, activation="softmax")

        def call(self, x, training=None):
            return self.out(self.hidden(x))

    sub = TwoLayer()
    sub.compile(optimizer=optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    sub.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert sub.evaluate(x, y, verbose=0)[1] > 0.9
    assert sub.count_params() == 4 * 16 + 16 + 16 * 3 + 3


def test_keras_user_script_runs_like_keras(tmp_path):
    """Dropout, l2, 'same' padding, strides 2, BatchNorm, EarlyStopping, Adam(lr), save/load."""
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 96)
    x = rng.normal(0, 0.3, (96, 8, 8, 1)).astype(np.float32)
    x[y == 1, 2:6, 2:6, 0] += 1.0  # class 1 has a bright square
    model = models.Sequential([
        layers.Input(shape=(8, 8, 1)),
        layers.Conv2D(4, 3, strides=2, padding="same", activation="relu",
                      kernel_regularizer=regularizers.l2(1e-3)),
        layers.BatchNormalization(),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(2, activation="softmax"),
    ])
    assert model.layers[0].output_shape == (None, 4, 4, 4)
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 8" in lines[0]  # BatchNorm moving mean and variance
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=30, batch_size=16, validation_split=0.25, callbacks=[stop], verbose=0)
    best = int(np.argmin(history.history["val_loss"]))
    restored_val_loss = model.evaluate(x[72:], y[72:], verbose=0)[0]
    assert restored_val_loss == pytest.approx(history.history["val_loss"][best], rel=1e-4)
    assert model.evaluate(x, y, verbose=0)[1] > 0.8
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # the optimizer state came back too: one more identical step (same dropout mask) on both
    mdl.manual_seed(5)
    model.fit(x[:16], y[:16], epochs=1, batch_size=16, shuffle=False, verbose=0)
    mdl.manual_seed(5)
    loaded.fit(x[:16], y[:16], epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_functional_model_save_and_load(tmp_path):
    mdl.manual_seed(0)
    inputs = layers.Input(shape=(4,))
    hidden = layers.Dense(6, activation="relu")(inputs)
    outputs = layers.Dense(3, activation="softmax")(layers.Concatenate()([hidden, inputs]))
    model = models.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    path = tmp_path / "f.keras"
    model.save(path)
    x, _ = blobs(10)
    np.testing.assert_array_equal(models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_class_weight_changes_the_loss_as_weighted_mean():
    mdl.manual_seed(0)
    x, y = blobs(30)
    model = mlp()
    p = model.predict(x, verbose=0).astype(np.float64)
    per_sample = -np.log(p[np.arange(len(y)), y])
    weights = np.array([1.0, 2.0, 0.5])[y]
    sw_loss = model.evaluate(x, y, sample_weight=weights, batch_size=30, verbose=0)[0]
    assert sw_loss == pytest.approx(np.sum(per_sample * weights) / len(y), rel=1e-4)


def test_verbose_1_prints_progress_bar_and_verbose_2_one_line(capsys):
    mdl.manual_seed(0)
    x, y = blobs(64)
    model = mlp()
    model.fit(x, y, epochs=2, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "2/2" in out and "loss:" in out and "accuracy:" in out
    model.fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss:" in line]
    assert len(lines) == 2
