"""Audit of minidl.keras against Keras 3: behaviours found to differ, pinned as regression tests.

Expected values come from hand computation or NumPy; the one live comparison with Keras
runs it in a subprocess (marked slow) and skips when Keras is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl.keras as keras
from minidl.keras import callbacks, layers, models

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 4)).astype(np.float32)
LABELS = RNG.integers(0, 3, size=20)
ONE_HOT = np.eye(3, dtype=np.float32)[LABELS]


def small_classifier() -> models.Sequential:
    keras.utils.set_random_seed(0)
    return models.Sequential([layers.Input(shape=(4,)), layers.Dense(5, activation="relu"),
                              layers.Dense(3, activation="softmax")])


# -- constructors ------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(np.float32(0.5)),
    lambda: layers.SimpleRNN(3, dropout=np.float64(0.2)),
    lambda: layers.Conv2D(8, np.int64(3), strides=np.int64(2)),
    lambda: layers.MaxPooling2D((np.int64(2), np.int64(2))),
    lambda: layers.Conv2D(8, 3, data_format="channels_last", dilation_rate=(1, 1), groups=1),
    lambda: layers.MaxPooling2D(2, data_format="channels_last"),
    lambda: layers.Flatten(data_format="channels_last"),
    lambda: layers.Dense(3, kernel_constraint=None, bias_constraint=None, activity_regularizer=None),
    lambda: layers.LSTM(3, stateful=False, unroll=False),
], ids=["dropout-np-float", "rnn-dropout-np-float", "conv-np-int", "pool-np-int-tuple",
        "conv-keras-defaults", "pool-channels-last", "flatten-channels-last", "dense-none-constraints",
        "lstm-defaults"])
def test_constructors_accept_numpy_numbers_and_keras_default_arguments(make):
    make()


@pytest.mark.parametrize("make, error, pattern", [
    (lambda: layers.Conv2D(8, 3, data_format="channels_first"), ValueError, "channels_last.*NHWC"),
    (lambda: layers.GlobalAveragePooling2D(data_format="channels_first"), ValueError, "data_format"),
    (lambda: layers.Conv2D(8, 3, dilation_rate=2), ValueError, "dilation_rate=2 is not supported"),
    (lambda: layers.Conv2D(8, 3, groups=2), ValueError, "groups=2"),
    (lambda: layers.Dense(3, activity_regularizer="l2"), ValueError, "activity_regularizer"),
    (lambda: layers.LSTM(3, stateful=True), ValueError, "stateful=True"),
    (lambda: layers.Dropout(1.0), ValueError, r"rate must be a number in \[0, 1\)"),
    (lambda: layers.Dropout("0.5"), ValueError, "rate"),
    (lambda: layers.Dropout(True), ValueError, "rate"),
    (lambda: layers.Reshape((-1, -1)), ValueError, "at most one -1"),
    (lambda: layers.Reshape((4, -2)), ValueError, "positive ints"),
    (lambda: layers.Reshape((0,)), ValueError, "positive ints"),
    (lambda: layers.Reshape((2.5, 2)), ValueError, "positive ints"),
    (lambda: layers.Reshape(4), TypeError, r"tuple of ints.*\(4,\)"),
    (lambda: layers.Dense(3, foo=1), TypeError, "foo"),
])
def test_constructors_refuse_unsupported_values_at_once(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_reshape_with_one_inferred_size_still_works():
    model = models.Sequential([layers.Input(shape=(2, 6)), layers.Reshape((-1, 3))])
    assert model.output_shape == (None, 4, 3)
    assert model.predict(np.zeros((2, 2, 6)), verbose=0).shape == (2, 4, 3)


# -- data checks -------------------------------------------------------------------------------
@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_wrong_feature_size_reports_the_whole_data_shape(call):
    model = small_classifier()
    model.compile("adam", "categorical_crossentropy")
    args = (X[:, :3],) if call == "predict" else (X[:, :3], ONE_HOT)
    with pytest.raises(ValueError, match=r"expected shape \(None, 4\).*\(20, 3\)"):
        getattr(model, call)(*args, verbose=0)


def test_wrong_validation_feature_size_is_reported_before_training():
    model = small_classifier()
    model.compile("adam", "categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"\(20, 3\)"):
        model.fit(X, ONE_HOT, validation_data=(X[:, :3], ONE_HOT), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_validation_labels_are_checked_before_training():
    model = small_classifier()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        model.fit(X, LABELS, validation_data=(X, LABELS + 3), verbose=0)


def test_empty_sequential_refuses_to_predict():
    with pytest.raises(ValueError, match="no layers"):
        models.Sequential().predict(X, verbose=0)


def test_pop_updates_the_output_shape():
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3), layers.Dense(2)])
    model.pop()
    assert model.output_shape == (None, 3)
    assert model.predict(X, verbose=0).shape == (20, 3)


# -- functional models ----------------------------------------------------------------------------
def two_in_two_out() -> models.Model:
    a, b = layers.Input(shape=(4,), name="a"), layers.Input(shape=(3,), name="b")
    h = layers.Concatenate()([layers.Dense(5, activation="relu")(a), b])
    return models.Model([a, b], [layers.Dense(2, activation="softmax")(h), layers.Dense(1)(h)])


def test_predict_returns_one_array_per_output():
    model = two_in_two_out()
    xb = RNG.normal(size=(20, 3)).astype(np.float32)
    cls, reg = model.predict([X, xb], batch_size=8, verbose=0)
    assert cls.shape == (20, 2) and reg.shape == (20, 1)
    assert cls.dtype == np.float32 and np.allclose(cls.sum(axis=1), 1, atol=1e-6)
    # batches are joined in order: the same as one batch
    whole_cls, whole_reg = model.predict([X, xb], batch_size=20, verbose=0)
    np.testing.assert_allclose(cls, whole_cls, rtol=1e-6)
    np.testing.assert_allclose(reg, whole_reg, rtol=1e-6)


def test_inputs_by_name_in_a_dict():
    model = two_in_two_out()
    xb = RNG.normal(size=(20, 3)).astype(np.float32)
    by_name = model.predict({"b": xb, "a": X}, verbose=0)
    by_position = model.predict([X, xb], verbose=0)
    np.testing.assert_array_equal(by_name[1], by_position[1])
    with pytest.raises(ValueError, match=r"input names \['a', 'b'\].*missing \['b'\].*unknown \['c'\]"):
        model.predict({"a": X, "c": xb}, verbose=0)
    with pytest.raises(TypeError, match="no named inputs"):
        small_classifier().predict({"x": X}, verbose=0)


def test_functional_layers_in_keras_order():
    """Keras orders layers by depth (inputs first), ties by a walk from the outputs; checked
    against Keras 3.15 on this graph: ['b', 'a', 'shared', 'y0', 'x1', 'y1', 'add', 'cat', 'out', 'out2']."""
    a, b = layers.Input(shape=(4,), name="a"), layers.Input(shape=(4,), name="b")
    shared = layers.Dense(4, name="shared")
    sa, sb = shared(a), shared(b)
    x = layers.Add(name="add")([layers.Dense(4, name="x1")(sa), sa])
    y = layers.Dense(4, name="y1")(layers.Dense(4, name="y0")(sb))
    out = layers.Dense(2, name="out")(layers.Concatenate(name="cat")([y, x, b]))
    model = models.Model([a, b], [out, layers.Dense(1, name="out2")(x)])
    assert [layer.name for layer in model.layers] == ["b", "a", "shared", "y0", "x1", "y1", "add", "cat",
                                                      "out", "out2"]
    # get_weights follows the same order
    assert [w.shape for w in model.get_weights()][:4] == [(4, 4), (4,), (4, 4), (4,)]


def test_functional_model_with_keras_layer_order_saves_and_loads(tmp_path):
    a = layers.Input(shape=(4,))
    branch = layers.Dense(3)(layers.Dense(5)(a))
    out = layers.Dense(1)(layers.Add()([layers.Dense(3)(a), branch]))
    model = models.Model(a, out)
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def multi_output_data():
    rng = np.random.default_rng(1)
    return (rng.normal(size=(24, 4)).astype(np.float32), rng.normal(size=(24, 3)).astype(np.float32),
            rng.integers(0, 2, 24), rng.normal(size=(24, 1)).astype(np.float32))


def test_multi_output_training_reports_each_output_as_keras():
    """Keras 3.15 gives the same keys; the total loss is Σ wₖ·lossₖ."""
    model = two_in_two_out()  # outputs named after their layers
    cls_name, reg_name = (layer.name for layer in model.layers[-2:])
    xa, xb, labels, values = multi_output_data()
    model.compile("adam", loss={cls_name: "sparse_categorical_crossentropy", reg_name: "mse"},
                  loss_weights={cls_name: 1.0, reg_name: 0.5}, metrics={cls_name: ["accuracy"], reg_name: ["mae"]})
    history = model.fit({"a": xa, "b": xb}, {cls_name: labels, reg_name: values}, batch_size=8, epochs=2,
                        verbose=0, validation_split=0.25)
    expected = ["loss", f"{cls_name}_loss", f"{reg_name}_loss", f"{cls_name}_accuracy", f"{reg_name}_mae"]
    assert sorted(history.history) == sorted(expected + [f"val_{k}" for k in expected])
    logs = model.evaluate([xa, xb], [labels, values], verbose=0, return_dict=True)
    assert list(logs) == sorted(expected)  # Keras 3.15 sorts the dict by name
    assert logs["loss"] == pytest.approx(logs[f"{cls_name}_loss"] + 0.5 * logs[f"{reg_name}_loss"], rel=1e-5)
    probs, predicted = model.predict([xa, xb], verbose=0)
    assert logs[f"{reg_name}_loss"] == pytest.approx(float(np.mean((predicted - values) ** 2)), rel=1e-5)
    assert logs[f"{cls_name}_accuracy"] == pytest.approx(np.mean(probs.argmax(1) == labels))
    # a list in output order, and one loss for every output, work too
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], []])
    assert len(model.evaluate([xa, xb], [labels, values], verbose=0)) == 4
    model.compile("sgd", loss="mse")
    model.fit([xa, xb], [np.eye(2, dtype=np.float32)[labels], values], verbose=0)


@pytest.mark.parametrize("compile_kwargs, fit_targets, pattern", [
    ({"loss": ["mse"]}, None, "1 entries but the model has 2 outputs"),
    ({"loss": {"nope": "mse"}}, None, "not output names"),
    ({"loss": ["sparse_categorical_crossentropy", "mse"]}, "one", "give y as a list of 2 arrays"),
    ({"loss": ["sparse_categorical_crossentropy", "mse"], "metrics": [["accuracy"]]}, None, "metrics has 1 entries"),
    ({"loss": ["sparse_categorical_crossentropy", "mse"]}, "short", "targets have"),
])
def test_multi_output_mistakes_are_named(compile_kwargs, fit_targets, pattern):
    model = two_in_two_out()
    xa, xb, labels, values = multi_output_data()
    targets = {"one": labels, "short": [labels, values[:5]], None: [labels, values]}[fit_targets]
    with pytest.raises(ValueError, match=pattern):
        model.compile("adam", **compile_kwargs)
        model.fit([xa, xb], targets, verbose=0)


def test_single_output_accepts_a_list_of_one_loss():
    model = small_classifier()
    model.compile("sgd", loss=["sparse_categorical_crossentropy"], metrics=["accuracy"])
    assert sorted(model.fit(X, LABELS, verbose=0).history) == ["accuracy", "loss"]


def test_multi_output_class_weight_is_refused_and_single_loss_on_one_output_is_an_error():
    model = two_in_two_out()
    xa, xb, labels, values = multi_output_data()
    model.compile("adam", loss=["sparse_categorical_crossentropy", "mse"])
    with pytest.raises(ValueError, match="class_weight"):
        model.fit([xa, xb], [labels, values], class_weight={0: 1.0, 1: 2.0}, verbose=0)
    with pytest.raises(ValueError, match="single output"):
        small_classifier().compile("adam", loss={"dense": "mse"})


def test_subclassed_model_with_two_outputs_trains_with_a_list_of_losses():
    class TwoHeads(models.Model):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = layers.Dense(2), layers.Dense(1)

        def call(self, x, training=None):
            return [self.a(x), self.b(x)]

    model = TwoHeads()
    model.compile("sgd", loss=["mse", "mae"], metrics=[["mae"], []])
    history = model.fit(X, [ONE_HOT[:, :2], ONE_HOT[:, 2:]], epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "output_0_loss", "output_0_mae", "output_1_loss"]


# -- weights -------------------------------------------------------------------------------------
def test_model_weights_include_batchnorm_moving_statistics():
    bn = layers.BatchNormalization()
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(3), bn])
    assert len(bn.weights) == 4 and len(model.weights) == 6
    assert [tuple(w.shape) for w in model.weights] == [w.shape for w in model.get_weights()]
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    bn.trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 4
    assert model.count_params() == 3 * 3 + 3 + 4 * 3


# -- metrics ---------------------------------------------------------------------------------------
def test_metric_objects_in_compile_and_alone():
    model = small_classifier()
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseCategoricalAccuracy(),
                           keras.metrics.SparseCategoricalAccuracy(name="acc")])
    history = model.fit(X, LABELS, epochs=2, verbose=0, validation_split=0.25)
    assert sorted(history.history) == ["acc", "loss", "sparse_categorical_accuracy", "val_acc", "val_loss",
                                       "val_sparse_categorical_accuracy"]
    assert history.history["acc"] == history.history["sparse_categorical_accuracy"]
    probs = model.predict(X, verbose=0)
    loss, acc, acc2 = model.evaluate(X, LABELS, verbose=0)
    assert acc == acc2 == pytest.approx(np.mean(probs.argmax(1) == LABELS))
    mae = keras.metrics.MeanAbsoluteError()
    mae.update_state(np.array([[1.0], [2.0]]), np.array([[0.5], [0.0]]), sample_weight=[1.0, 3.0])
    assert mae.result() == pytest.approx((0.5 + 3 * 2.0) / 4)
    metric = keras.metrics.CategoricalAccuracy()
    metric.update_state(ONE_HOT[:4], probs[:4])
    metric.update_state(ONE_HOT[4:], probs[4:])
    assert metric.result() == pytest.approx(acc)
    binary = keras.metrics.BinaryAccuracy(threshold=0.7)
    binary.update_state([[1], [0], [1]], np.array([[0.8], [0.2], [0.6]]))
    assert binary.result() == pytest.approx(2 / 3)


# -- callbacks -------------------------------------------------------------------------------------
class Recorder(callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.events: list = []

    def on_train_end(self, logs=None):
        self.events.append(("train_end", sorted(logs or {})))

    def on_test_begin(self, logs=None):
        self.events.append(("test_begin",))

    def on_test_batch_end(self, batch, logs=None):
        self.events.append(("test_batch", batch))

    def on_test_end(self, logs=None):
        self.events.append(("test_end", sorted(logs or {})))

    def on_predict_begin(self, logs=None):
        self.events.append(("predict_begin",))

    def on_predict_batch_end(self, batch, logs=None):
        self.events.append(("predict_batch", batch, logs["outputs"].shape))

    def on_predict_end(self, logs=None):
        self.events.append(("predict_end",))


def test_callbacks_see_validation_evaluate_and_predict_as_keras_calls_them():
    model = small_classifier()
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    rec = Recorder()
    model.fit(X, ONE_HOT, batch_size=8, validation_data=(X[:12], ONE_HOT[:12]), verbose=0, callbacks=[rec])
    keys = ["accuracy", "loss"]
    assert rec.events == [("test_begin",), ("test_batch", 0), ("test_batch", 1), ("test_end", keys),
                          ("train_end", keys + ["val_accuracy", "val_loss"])]
    rec.events.clear()
    model.evaluate(X, ONE_HOT, batch_size=16, verbose=0, callbacks=[rec])
    assert rec.events == [("test_begin",), ("test_batch", 0), ("test_batch", 1), ("test_end", keys)]
    rec.events.clear()
    model.predict(X, batch_size=16, verbose=0, callbacks=[rec])
    assert rec.events == [("predict_begin",), ("predict_batch", 0, (16, 3)), ("predict_batch", 1, (4, 3)),
                          ("predict_end",)]
