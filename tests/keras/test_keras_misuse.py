"""Bad input to the Keras facade gets a clear error naming the problem (issue 4's list)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minidl as mdl
from minidl.errors import MinidlError
from minidl.keras import callbacks, layers, losses, models, optimizers
from minidl.keras import metrics as keras_metrics
from minidl.keras.utils import to_categorical


def cnn() -> models.Sequential:
    model = models.Sequential([layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                               layers.Flatten(), layers.Dense(10, activation="softmax")])
    return model


def compiled(loss: str = "categorical_crossentropy") -> models.Sequential:
    model = cnn()
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


X = np.zeros((6, 8, 8, 1), dtype=np.float32)
LABELS = np.arange(6) % 10
ONE_HOT = to_categorical(LABELS, 10)


def test_fit_before_compile():
    with pytest.raises(MinidlError, match=r"compile"):
        cnn().fit(X, ONE_HOT, verbose=0)


def test_evaluate_before_compile():
    with pytest.raises(MinidlError, match=r"compile"):
        cnn().evaluate(X, ONE_HOT, verbose=0)


def test_wrong_input_shape_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"conv2d.*\(None, 8, 8, 1\).*\(None, 8, 8, 3\)"):
        compiled().fit(np.zeros((6, 8, 8, 3), np.float32), ONE_HOT, verbose=0)


def test_wrong_rank_input():
    with pytest.raises(ValueError, match=r"expected shape \(None, 8, 8, 1\)"):
        compiled().predict(np.zeros((6, 64), np.float32), verbose=0)


def test_dense_wrong_width_names_expected_dimension():
    dense = layers.Dense(3, input_shape=(784,))
    dense(np.zeros((2, 784), np.float32))
    with pytest.raises(ValueError, match=r"Dense.*expected input with last dimension 784, got shape \(2, 28\)"):
        dense(np.zeros((2, 28), np.float32))


def test_one_hot_labels_with_sparse_loss_suggests_categorical():
    with pytest.raises(ValueError, match=r"categorical_crossentropy"):
        compiled("sparse_categorical_crossentropy").fit(X, ONE_HOT, verbose=0)


def test_integer_labels_with_categorical_loss_suggests_sparse():
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy"):
        compiled("categorical_crossentropy").fit(X, LABELS, verbose=0)


def test_x_and_y_lengths_differ():
    with pytest.raises(ValueError, match=r"x has 6, y has 5"):
        compiled().fit(X, ONE_HOT[:5], verbose=0)


def test_nan_in_data():
    bad = X.copy()
    bad[2, 3, 3, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN"):
        compiled().fit(bad, ONE_HOT, verbose=0)


def test_nan_in_labels():
    bad = ONE_HOT.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN"):
        compiled().fit(X, bad, verbose=0)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"optimizer": "adamm", "loss": "mse"}, r"unknown optimizer.*adam"),
        ({"optimizer": "adam", "loss": "msee"}, r"unknown loss.*mse"),
        ({"optimizer": "adam", "loss": "mse", "metrics": ["acuracy"]}, r"unknown metric.*accuracy"),
    ],
)
def test_unknown_names_list_valid_ones(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        cnn().compile(**kwargs)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown activation 'relux'.*relu"):
        layers.Dense(3, activation="relux")


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda: layers.Dense(0), r"units must be a positive int"),
        (lambda: layers.Dropout(1.5), r"rate must be a number in \[0, 1\)"),
        (lambda: layers.Conv2D(8, 3, padding="full"), r"padding must be 'valid' or 'same'"),
        (lambda: layers.MaxPooling2D(pool_size=0), r"pool_size must be a positive int"),
        (lambda: optimizers.Adam(learning_rate=-1.0), r"learning_rate"),
    ],
)
def test_constructors_check_arguments_at_once(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_bad_batch_size_and_validation_split():
    model = compiled()
    with pytest.raises(ValueError, match=r"batch_size must be a positive int"):
        model.fit(X, ONE_HOT, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split"):
        model.fit(X, ONE_HOT, validation_split=1.0, verbose=0)


def test_labels_outside_output_range():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 10\)"):
        compiled("sparse_categorical_crossentropy").fit(X, LABELS + 10, verbose=0)


def test_set_weights_wrong_count_and_shape():
    model = cnn()
    with pytest.raises(ValueError, match=r"expects 4 weight arrays, got 1"):
        model.set_weights([np.zeros(3)])
    weights = model.get_weights()
    weights[0] = np.zeros((2, 2, 1, 4))
    with pytest.raises(ValueError, match=r"shape"):
        model.set_weights(weights)


def test_load_model_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such file"):
        models.load_model(tmp_path / "missing.keras")
    model = compiled()
    path = tmp_path / "m.keras"
    model.save(path)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(MinidlError, match=r"truncated|corrupted|not a minidl"):
        models.load_model(truncated)
    foreign = tmp_path / "foreign.keras"
    foreign.write_text("this is not a model")
    with pytest.raises(MinidlError, match=r"not a minidl file"):
        models.load_model(foreign)
    other = tmp_path / "arrays.npz"
    mdl.save({"w": np.zeros(3)}, other)
    with pytest.raises(MinidlError, match=r"does not hold a Keras-style model"):
        models.load_model(other)


def test_save_does_not_leave_half_written_file(tmp_path, monkeypatch):
    model = compiled()
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_class_weight_missing_class():
    with pytest.raises(ValueError, match=r"class_weight has no entry for classes \[5\]"):
        compiled().fit(X, ONE_HOT, class_weight={i: 1.0 for i in range(5)}, verbose=0)


def test_subclassed_model_save_explains_alternative(tmp_path):
    class Net(models.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x, training=None):
            return self.d(x)

    net = Net()
    net.predict(np.zeros((1, 3), np.float32), verbose=0)
    with pytest.raises(NotImplementedError, match=r"save_weights"):
        net.save(tmp_path / "n.keras")


# ---------------------------------------------------------------- found by the bad-input audit

def _fit(**kwargs):
    return lambda: compiled().fit(X, ONE_HOT, **{"verbose": 0, **kwargs})


def _sparse_model():
    return compiled("sparse_categorical_crossentropy")


def _bce_model():
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def _two_input_model():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    return models.Model([a, b], layers.Add()([layers.Dense(2)(a), layers.Dense(2)(b)]))


AUDIT_CASES = [
    ("input_shape-negative", lambda: layers.Dense(3, input_shape=(-1,)), ValueError,
     [r"Dense input_shape", r"positive ints", r"\(-1,\)"]),
    ("input_shape-float", lambda: layers.Conv2D(4, 3, input_shape=(8.0, 8, 1)), ValueError,
     [r"Conv2D input_shape", r"8\.0"]),
    ("input_shape-str", lambda: layers.Dense(3, input_shape="784"), ValueError, [r"input_shape", r"'784'"]),
    ("Input-bad-dtype", lambda: layers.Input(shape=(3,), dtype="floaty"), TypeError, [r"'floaty'", r"dtype"]),
    ("Sequential-not-a-list", lambda: models.Sequential(layers.Dense(3)), TypeError,
     [r"list of layers", r"Dense"]),
    ("get_layer-index", lambda: cnn().get_layer(index=7), ValueError, [r"index=7", r"3 layers"]),
    ("set_weights-None", lambda: cnn().set_weights(None), TypeError, [r"list of arrays", r"NoneType"]),
    ("fit-verbose-str", _fit(verbose="loud"), ValueError, [r"verbose", r"'loud'"]),
    ("fit-validation_split-str", _fit(validation_split="0.2"), ValueError,
     [r"validation_split", r"\[0, 1\)", r"'0.2'"]),
    ("fit-ragged-x", lambda: compiled().fit([[1.0, 2.0], [3.0]], [0, 1], verbose=0), ValueError,
     [r"x must be a rectangular array"]),
    ("fit-class_weight-list", _fit(class_weight=[1.0] * 10), TypeError, [r"class_weight must be a dict", r"list"]),
    ("fit-class_weight-str-key", _fit(class_weight={"cat": 1.0}), ValueError, [r"class_weight keys", r"'cat'"]),
    ("fit-class_weight-nan", _fit(class_weight={i: float("nan") for i in range(10)}), ValueError,
     [r"class_weight values", r"nan"]),
    ("predict-verbose-str", lambda: cnn().predict(X, verbose="x"), ValueError, [r"verbose", r"'x'"]),
    ("bce-labels-out-of-range", lambda: _bce_model().fit(np.zeros((4, 3)), np.array([0, 1, 2, 1]), verbose=0),
     ValueError, [r"binary_crossentropy", r"\[0, 1\]", r"0 to 2"]),
    ("to_categorical-num_classes-float", lambda: to_categorical([0, 1], num_classes=2.5), ValueError,
     [r"num_classes", r"positive int", r"2.5"]),
    ("to_categorical-num_classes-zero", lambda: to_categorical([0], num_classes=0), ValueError, [r"num_classes"]),
    ("EarlyStopping-monitor-int", lambda: callbacks.EarlyStopping(monitor=3), TypeError, [r"monitor", r"3"]),
    ("EarlyStopping-min_delta-str", lambda: callbacks.EarlyStopping(min_delta="a"), TypeError,
     [r"min_delta", r"'a'"]),
    ("LearningRateScheduler-not-callable", lambda: callbacks.LearningRateScheduler(0.1), TypeError,
     [r"schedule must be a function", r"0.1"]),
    ("Huber-delta", lambda: losses.Huber(delta=-1.0), ValueError, [r"Huber delta", r"positive", r"-1.0"]),
    ("sparse-loss-labels-numpy-probs", lambda: losses.SparseCategoricalCrossentropy()(
        np.array([5, 0]), np.full((2, 3), 1 / 3)), ValueError, [r"labels must be in \[0, 3\)", r"0 to 5"]),
    ("categorical_accuracy-shapes", lambda: keras_metrics.categorical_accuracy(np.eye(3)[:2], np.eye(3)), ValueError,
     [r"categorical_accuracy", r"\(2, 3\)", r"\(3, 3\)"]),
    ("predict-inputs-of-different-lengths", lambda: _two_input_model().predict([np.ones((2, 3)), np.ones((3, 3))],
                                                                                verbose=0),
     ValueError, [r"same number of samples", r"\[2, 3\]"]),
    ("Normalization-adapt-nan", lambda: layers.Normalization().adapt(np.array([[1.0, np.nan], [2.0, 3.0]])),
     ValueError, [r"adapt", r"nan", r"\(0, 1\)"]),
    ("mae-metric-sizes", lambda: keras_metrics.mean_absolute_error(np.ones(3), np.ones((2, 3))), ValueError,
     [r"mean_absolute_error", r"\(3,\)", r"\(2, 3\)"]),
]


@pytest.mark.parametrize("action, error, patterns", [pytest.param(*c[1:], id=c[0]) for c in AUDIT_CASES])
def test_bad_input_is_named(action, error, patterns):
    with pytest.raises(error) as info:
        action()
    for pattern in patterns:
        assert re.search(pattern, str(info.value)), f"{pattern!r} not in: {info.value}"


def test_keras_losses_take_numpy_predictions():
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    value = losses.SparseCategoricalCrossentropy()(np.array([0, 1]), y_pred)
    assert np.isclose(float(value.item()), -np.log([0.7, 0.8]).mean(), rtol=1e-5)
    assert np.isclose(float(losses.MeanSquaredError()(np.zeros(2), np.ones(2)).item()), 1.0)


def test_sequential_refuses_a_layer_with_several_outputs():
    from minidl import keras

    with pytest.raises(ValueError, match=r"single output.*'lstm_states' \(LSTM\) returns 3.*functional API"):
        keras.Sequential([keras.layers.Input((5, 3)), keras.layers.LSTM(4, return_state=True, name="lstm_states")])
    lazy = keras.Sequential([keras.layers.LSTM(4, return_state=True)])
    with pytest.raises(ValueError, match="single output"):
        lazy.predict(np.ones((2, 5, 3), dtype="float32"), verbose=0)
