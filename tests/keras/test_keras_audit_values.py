"""Audit of minidl.keras against Keras 3, numbers: an Adam step, the cross-entropies' clipping
and label smoothing checked by hand, and one live comparison of a training history with Keras
(a subprocess, marked slow, skipped without Keras).  The behaviours: test_keras_audit.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from test_keras_audit import RNG

import minidl.keras as keras
from minidl.keras import layers, models


# -- numbers, checked by hand ---------------------------------------------------------------------------
def test_one_adam_step_matches_the_closed_form():
    """First Adam step: m̂ = g, v̂ = g², so w ← w - lr·g/(|g| + ε) with Keras's ε = 1e-7."""
    model = models.Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    w, b = np.array([[0.5], [-0.25]], np.float32), np.array([0.1], np.float32)
    model.set_weights([w, b])
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], np.float32)
    y = np.array([[1.0], [0.0], [2.0]], np.float32)
    model.compile(keras.optimizers.Adam(learning_rate=0.1), "mse")
    history = model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    error = x @ w + b - y
    assert history.history["loss"][0] == pytest.approx(float(np.mean(error ** 2)), rel=1e-6)
    grad_w, grad_b = 2 * x.T @ error / 3, 2 * error.mean(axis=0)
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - 0.1 * grad_w / (np.abs(grad_w) + 1e-7), rtol=1e-5)
    np.testing.assert_allclose(new_b, b - 0.1 * grad_b / (np.abs(grad_b) + 1e-7), rtol=1e-5)


def test_cross_entropies_clip_probabilities_at_keras_epsilon():
    eps = 1e-7
    probs = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]], np.float32)
    labels = np.array([0, 2])
    p = np.clip(probs, eps, 1 - eps)
    expected = -np.mean(np.log(p[[0, 1], labels]))
    from minidl.autograd import Tensor

    sparse = keras.losses.SparseCategoricalCrossentropy()(labels, Tensor(probs))
    assert float(sparse.data) == pytest.approx(expected, rel=1e-5)
    dense = keras.losses.CategoricalCrossentropy()(np.eye(3, dtype=np.float32)[labels], Tensor(probs))
    assert float(dense.data) == pytest.approx(expected, rel=1e-5)
    y_true = np.array([[1.0], [0.0]], np.float32)
    y_prob = np.array([[0.0], [1.0]], np.float32)
    bce = keras.losses.BinaryCrossentropy()(y_true, Tensor(y_prob))
    clipped = np.clip(y_prob, np.float32(eps), np.float32(1 - eps))  # in float32: 1 - (1 - ε) ≈ 1.19e-7
    expected = -np.mean(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))
    assert float(bce.data) == pytest.approx(expected, rel=1e-4)  # about 16.03 (Keras: 16.0302), not inf


def test_label_smoothing_moves_targets_towards_uniform():
    """Keras: y·(1 - s) + s/K for categorical targets, y·(1 - s) + s/2 for binary ones."""
    from minidl.autograd import Tensor

    logits = RNG.normal(size=(5, 3)).astype(np.float32)
    targets = np.eye(3, dtype=np.float32)[[0, 2, 1, 1, 0]]
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    smoothed = targets * 0.8 + 0.2 / 3
    expected = -np.mean((smoothed * log_probs).sum(axis=1))
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)
    assert float(loss(targets, Tensor(logits)).data) == pytest.approx(expected, rel=1e-5)
    # the same through a model with a softmax output (the fused path reads the logits)
    model = models.Sequential([layers.Input(shape=(3,)), layers.Activation("softmax")])
    model.compile("sgd", keras.losses.CategoricalCrossentropy(label_smoothing=0.2))
    assert model.evaluate(logits, targets, verbose=0) == pytest.approx(expected, rel=1e-5)
    p = 1 / (1 + np.exp(-logits[:, :1]))
    y = targets[:, :1]
    ys = y * 0.8 + 0.1
    expected = -np.mean(ys * np.log(p) + (1 - ys) * np.log(1 - p))
    bce = keras.losses.BinaryCrossentropy(label_smoothing=0.2)(y, Tensor(p))
    assert float(bce.data) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="label_smoothing"):
        keras.losses.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="no label_smoothing"):
        keras.losses.SparseCategoricalCrossentropy(label_smoothing=0.1)


def test_to_categorical_and_mnist_formats():
    one_hot = keras.utils.to_categorical(np.array([[0], [2]]), num_classes=4)
    np.testing.assert_array_equal(one_hot, [[1, 0, 0, 0], [0, 0, 1, 0]])
    assert keras.utils.to_categorical([[0, 1], [2, 1]]).shape == (2, 2, 3)
    with pytest.raises(ValueError, match="num_classes=3"):
        keras.utils.to_categorical([0, 5], num_classes=3)
    with pytest.raises(ValueError, match="negative"):
        keras.utils.to_categorical([0, -1])


# -- a live comparison with Keras (subprocess; skipped without Keras) --------------------------------
KERAS_SCRIPT = textwrap.dedent("""
    import json, os, sys
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import numpy as np
    import keras
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6, 6, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 40)]
    keras.utils.set_random_seed(0)
    L = keras.layers
    m = keras.Sequential([L.Input(shape=(6, 6, 1)), L.Conv2D(4, 3, padding="same", activation="relu"),
                          L.BatchNormalization(), L.MaxPooling2D(2), L.Flatten(), L.Dense(3, activation="softmax")])
    weights = [w.tolist() for w in m.get_weights()]
    m.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x[:10], y[:10]))
    print(json.dumps({"weights": weights, "history": h.history}))
""")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_history_matches_live_keras_with_identical_weights():
    pytest.importorskip("keras")
    env = dict(os.environ, KERAS_BACKEND=os.environ.get("KERAS_BACKEND", "jax"))
    done = subprocess.run([sys.executable, "-c", KERAS_SCRIPT], capture_output=True, text=True, env=env,
                          timeout=280)
    if done.returncode != 0:
        pytest.skip(f"Keras did not run: {done.stderr[-300:]}")
    reference = json.loads(done.stdout.strip().splitlines()[-1])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6, 6, 1)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 40)]
    model = models.Sequential([layers.Input(shape=(6, 6, 1)), layers.Conv2D(4, 3, padding="same", activation="relu"),
                               layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Flatten(),
                               layers.Dense(3, activation="softmax")])
    model.set_weights([np.asarray(w, np.float32) for w in reference["weights"]])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x[:10], y[:10]))
    assert sorted(history.history) == sorted(reference["history"])
    for key, values in reference["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-4, atol=1e-5, err_msg=key)
