"""Programs a Keras 3 user ports to minidl by changing the import, pinned to Keras 3.15.

Each test is a short version of a keras.io example or a course notebook.  Reference values
were printed by the same program under real Keras 3.15 (``KERAS_BACKEND=jax``) with the
same starting weights (``set_weights``) and are hard-coded: CI does not install Keras.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as tf

keras = tf.keras
layers = keras.layers


def fixed_weights(model: keras.Model) -> None:
    """Deterministic weights that both frameworks can be given: linspace(-1, 1) * (i + 1) / 3."""
    shapes = [w.shape for w in model.get_weights()]
    model.set_weights([np.linspace(-1, 1, int(np.prod(s))).reshape(s).astype("float32") * (i + 1) / 3
                       for i, s in enumerate(shapes)])


def dict_output_model() -> keras.Model:
    a = keras.Input((3,), name="a")
    h = layers.Dense(4, activation="tanh", name="h")(a)
    return keras.Model(a, {"z": layers.Dense(2, name="zz")(h), "b": layers.Dense(1, name="bb")(h)})


def dict_output_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 3)).astype("float32")
    return x, rng.normal(size=(8, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")


def test_functional_outputs_as_a_dict_train_predict_and_evaluate_as_keras(tmp_path):
    """keras.io functional API guide: Model(inputs, outputs={"priority": ..., "department": ...})."""
    x, yz, yb = dict_output_data()
    model = dict_output_model()
    # Keras flattens the dict in sorted key order: "b" (bb) before "z" (zz), each after "h"
    assert [w.shape for w in model.get_weights()] == [(3, 4), (4,), (4, 1), (1,), (4, 2), (2,)]
    fixed_weights(model)
    model.compile(keras.optimizers.SGD(0.1), loss={"z": "mse", "b": "mae"},
                  loss_weights={"z": 1.0, "b": 0.5}, metrics={"b": ["mae"]})
    history = model.fit(x, {"z": yz, "b": yb}, batch_size=4, epochs=2, shuffle=False, verbose=0)
    keras_history = {"b_loss": [0.990035, 1.177779], "b_mae": [0.990035, 1.177779],
                     "loss": [4.876255, 3.150929], "z_loss": [4.381237, 2.56204]}
    assert list(history.history) == list(keras_history)
    for key, values in keras_history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5, err_msg=key)
    predicted = model.predict(x[:2], verbose=0)
    assert isinstance(predicted, dict) and sorted(predicted) == ["b", "z"]
    np.testing.assert_allclose(predicted["b"], [[-1.05365002], [-0.27970201]], rtol=1e-5)
    np.testing.assert_allclose(predicted["z"], [[-1.00107896, -0.008192], [-0.35366201, 2.15216088]],
                               rtol=1e-5, atol=1e-6)
    results = model.evaluate(x, {"z": yz, "b": yb}, return_dict=True, verbose=0)
    np.testing.assert_allclose([results[k] for k in ("b_loss", "b_mae", "loss", "z_loss")],
                               [0.928614, 0.928614, 2.167725, 1.703418], rtol=1e-5)
    from_batches = model.predict((x[i:i + 1] for i in range(2)), verbose=0)  # a generator of batches
    assert isinstance(from_batches, dict)
    np.testing.assert_allclose(from_batches["z"], predicted["z"], rtol=1e-6)
    called = model(x[:1])
    assert isinstance(called, dict) and sorted(called) == ["b", "z"]  # model(x) too, as Keras

    model.save(tmp_path / "dict_outputs.keras")
    reloaded = keras.models.load_model(tmp_path / "dict_outputs.keras")
    again = reloaded.predict(x[:2], verbose=0)
    assert isinstance(again, dict)
    for key in ("b", "z"):
        np.testing.assert_array_equal(again[key], predicted[key])


def test_dict_output_targets_as_a_list_follow_the_sorted_keys():
    """Keras: a list of targets for dict outputs is in sorted key order ("b" then "z")."""
    x, yz, yb = dict_output_data()
    model = dict_output_model()
    model.compile("sgd", loss="mse")
    history = model.fit(x, [yb, yz], verbose=0)
    assert sorted(history.history) == ["b_loss", "loss", "z_loss"]
    with pytest.raises(ValueError):
        model.fit(x, [yz, yb], verbose=0)  # (8, 2) targets for the (None, 1) output


def test_unknown_sequence_and_image_sizes_stay_none_in_symbolic_shapes_as_keras():
    """Input(shape=(None,)) text models and fully convolutional nets: Keras 3.15 shapes."""
    tokens = keras.Input((None,), dtype="int64")
    embedded = layers.Embedding(50, 4)(tokens)
    both_ways = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(embedded)
    gru = layers.GRU(2, return_sequences=True)(both_ways)
    pooled = layers.GlobalMaxPooling1D()(gru)
    assert [t.shape for t in (embedded, both_ways, gru, pooled)] == [
        (None, None, 4), (None, None, 6), (None, None, 2), (None, 2)]
    lines: list[str] = []
    keras.Model(tokens, pooled).summary(print_fn=lines.append)
    assert "(None, None, 6)" in "\n".join(lines)  # it read (None, 1, 6): the probe's length

    image = keras.Input((None, None, 3))
    conv = layers.Conv2D(4, 3, padding="same", strides=2)(image)
    pool = layers.MaxPooling2D()(conv)
    up = layers.UpSampling2D()(pool)
    assert [t.shape for t in (conv, pool, up)] == [(None, None, None, 4)] * 3
    model = keras.Model(image, layers.GlobalAveragePooling2D()(layers.Conv2D(2, 3)(up)))
    assert model.predict(np.zeros((1, 10, 14, 3), "float32"), verbose=0).shape == (1, 2)

    steps = keras.Input((None, 5))
    dense = layers.Dense(2)(steps)
    _, state = layers.SimpleRNN(3, return_state=True)(dense)
    assert (dense.shape, state.shape) == ((None, None, 2), (None, 3))
    with pytest.raises(ValueError, match="known last input dimension"):  # Keras refuses it too
        layers.Dense(2)(layers.Flatten()(embedded))


def test_regression_with_normalization_adapt_early_stopping_save_and_reload(tmp_path):
    """The TensorFlow regression tutorial: Normalization.adapt first in a Sequential without an
    Input, mean absolute error, EarlyStopping(restore_best_weights), save and load_model."""
    rng = np.random.default_rng(7)
    x = rng.normal(5, 3, size=(64, 3)).astype("float32")
    y = (x @ np.array([1.5, -2.0, 0.5]) + rng.normal(0, 0.5, 64)).astype("float32")
    normalizer = layers.Normalization(axis=-1)
    normalizer.adapt(x)
    np.testing.assert_allclose(np.ravel(normalizer.mean), [3.99986, 4.72861, 4.80184], rtol=1e-5)
    np.testing.assert_allclose(np.ravel(normalizer.variance), [5.75878, 7.63031, 6.55873], rtol=1e-5)
    model = keras.Sequential([normalizer, layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.build((None, 3))
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3,), (3,), (), (3, 8), (8,), (8, 1), (1,)]
    shapes = [w.shape for w in weights[3:]]
    weights[3:] = [np.linspace(-1, 1, int(np.prod(s))).reshape(s).astype("float32") * (i + 1) / 3
                   for i, s in enumerate(shapes)]
    model.set_weights(weights)
    model.compile(loss="mean_absolute_error", optimizer=keras.optimizers.SGD(0.05, momentum=0.9))
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, validation_split=0.25, batch_size=16, epochs=40, shuffle=False, verbose=0,
                        callbacks=[stop])
    assert (len(history.history["loss"]), stop.stopped_epoch, stop.best_epoch) == (7, 6, 4)
    np.testing.assert_allclose(history.history["loss"],
                               [6.31717, 5.83488, 5.38704, 4.79176, 3.7252, 3.38591, 3.01801], rtol=2e-5)
    np.testing.assert_allclose(history.history["val_loss"],
                               [4.12575, 4.00716, 3.71118, 2.75795, 0.99568, 2.26204, 1.37974], rtol=2e-5)
    predicted = model.predict(x[:3], verbose=0)  # the restored weights of epoch 5 (best_epoch 4)
    np.testing.assert_allclose(predicted, [[-1.66584], [-3.02602], [-2.50491]], rtol=2e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(2.44513, rel=2e-5)

    model.save(tmp_path / "dnn_model.keras")  # built by build(), not by an Input: it read
    reloaded = keras.models.load_model(tmp_path / "dnn_model.keras")  # "no input shape to rebuild it"
    np.testing.assert_array_equal(reloaded.predict(x[:3], verbose=0), predicted)
    fitted = keras.Sequential([layers.Dense(2), layers.Dense(1)])  # built by fit on data
    fitted.compile("sgd", "mse")
    fitted.fit(x, y, verbose=0)
    fitted.save(tmp_path / "fitted.keras")
    assert keras.models.load_model(tmp_path / "fitted.keras").input_shape == (None, 3)


def test_transfer_learning_freeze_base_then_fine_tune_top_layers_as_keras():
    """Keras's transfer-learning guide: base.trainable = False freezes every layer inside (a
    frozen BatchNormalization keeps its moving statistics), then base.trainable = True and
    ``for layer in base.layers[:2]: layer.trainable = False`` fine-tunes the rest."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")[:, None]
    base = keras.Sequential([keras.Input((4,)), layers.Dense(6, activation="relu", name="f1"),
                             layers.BatchNormalization(name="bn"), layers.Dense(3, activation="relu", name="f2")],
                            name="base")
    model = keras.Sequential([base, layers.Dense(1, activation="sigmoid", name="head")])
    assert len(model.weights) == 10  # built from the base's Input, as Keras (the head too)
    weights = [np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32") * (i + 1) / 4
               for i, w in enumerate(model.get_weights())]
    weights[5] = np.abs(weights[5]) + 0.5  # moving variance
    model.set_weights(weights)

    base.trainable = False
    assert [layer.trainable for layer in base.layers] == [False, False, False]
    assert (len(model.trainable_weights), len(model.non_trainable_weights)) == (2, 8)
    model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    logs = model.train_on_batch(x, y, return_dict=True)
    assert logs == pytest.approx({"accuracy": 0.4375, "loss": 2.78337}, rel=1e-5)
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["accuracy"], [0.5625, 0.4375])
    # Keras 6.59559: the sigmoid saturates near 1, where float32 rounding moves log(1 - p)
    np.testing.assert_allclose(history.history["loss"], [3.3472, 6.59559], rtol=5e-4)
    np.testing.assert_array_equal(base.get_layer("bn").get_weights()[2], weights[4])  # moving mean kept

    base.trainable = True
    for layer in base.layers[:2]:
        layer.trainable = False
    assert [layer.trainable for layer in base.layers] == [False, False, True]
    assert len(model.trainable_weights) == 4
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    np.testing.assert_allclose(model.train_on_batch(x, y), [4.16664, 0.4375], rtol=1e-5)
    assert model.test_on_batch(x, y, return_dict=True) == pytest.approx({"accuracy": 0.4375, "loss": 0.73265},
                                                                        rel=1e-5)
    np.testing.assert_array_equal(base.get_layer("f1").get_weights()[0], weights[0])
    np.testing.assert_allclose(model.predict(x[:2], verbose=0), [[0.58673], [0.57202]], rtol=2e-5)


def test_train_on_batch_takes_class_weight_and_refuses_it_with_sample_weight():
    x = np.array([[0.0], [1.0], [2.0], [3.0]], "float32")
    y = np.array([0, 1, 1, 0])
    model = keras.Sequential([keras.Input((1,)), layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    per_sample = keras.losses.SparseCategoricalCrossentropy(reduction=None)(y, model.predict(x, verbose=0))
    loss = model.train_on_batch(x, y, class_weight={0: 1.0, 1: 3.0})
    weights = np.array([1.0, 3.0, 3.0, 1.0])
    assert loss == pytest.approx(float(np.sum(weights * np.asarray(per_sample)) / 4), rel=1e-5)
    with pytest.raises(ValueError, match="cannot class_weight and sample_weight"):
        model.train_on_batch(x, y, sample_weight=np.ones(4), class_weight={0: 1.0, 1: 3.0})


def test_unfreezing_without_recompiling_says_to_compile_again():
    """Keras 3 raises too (its optimizer was built with fewer variables); the message says what to do."""
    base = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    model = keras.Sequential([base, layers.Dense(1)])
    base.trainable = False
    model.compile(keras.optimizers.Adam(0.1), "mse")
    x, y = np.ones((4, 4), "float32"), np.ones((4, 1), "float32")
    model.train_on_batch(x, y)
    base.trainable = True
    with pytest.raises(ValueError, match=r"after changing layer.trainable, call model.compile\(\) again"):
        model.train_on_batch(x, y)
    model.compile(keras.optimizers.Adam(0.1), "mse")
    before = base.get_weights()[0].copy()
    model.train_on_batch(x, y)
    assert not np.array_equal(before, base.get_weights()[0])
