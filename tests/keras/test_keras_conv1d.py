"""Keras 1-D layers (Conv1D, MaxPooling1D, AveragePooling1D, UpSampling1D, ZeroPadding1D,
Cropping1D) pinned to Keras 3.15.

Reference values were computed once with real Keras 3.15 (``KERAS_BACKEND=jax``) on the same
input and weights and are hard-coded here: CI does not install Keras.  Gradients are checked
against finite differences in tests/nn/test_conv1d.py (the layers call the same functions).
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import ShapeError, keras
from minidl.keras import layers as L

X = np.cos(np.arange(14) * 0.7).reshape(1, 7, 2).astype("float32")
BIAS = np.array([0.1, -0.2], dtype="float32")


def kernel(k: int, cin: int, cout: int) -> np.ndarray:
    return (np.sin(np.arange(k * cin * cout)) * 0.5).reshape(k, cin, cout).astype("float32")


CONV_CASES = [  # (Conv1D arguments, Keras 3.15's output flattened: (steps, 2))
    (dict(padding="valid"),
     [0.242578, 0.301442, 0.064586, -0.214249, -0.054617, -0.706285, 0.082855, -0.357855, 0.248788,
      0.252625]),
    (dict(padding="same"),
     [-0.163853, -0.140773, 0.242578, 0.301442, 0.064586, -0.214249, -0.054617, -0.706285, 0.082855,
      -0.357855, 0.248788, 0.252625, 0.498635, 0.065675]),
    (dict(padding="causal"),
     [0.386634, -0.376358, -0.163853, -0.140773, 0.242578, 0.301442, 0.064586, -0.214249, -0.054617,
      -0.706285, 0.082855, -0.357855, 0.248788, 0.252625]),
    (dict(padding="same", strides=2),
     [-0.163853, -0.140773, 0.064586, -0.214249, 0.082855, -0.357855, 0.498635, 0.065675]),
    (dict(padding="causal", dilation_rate=2),
     [0.386634, -0.376358, 0.321403, 0.087444, -0.596627, -0.154146, -0.18704, -0.641609, 1.046787,
      0.078731, 0.361151, 0.210881, -0.758013, -0.339058]),
    (dict(padding="valid", dilation_rate=2, activation="relu"),
     [1.046787, 0.078731, 0.361151, 0.210881, 0.0, 0.0]),
    (dict(padding="same", dilation_rate=3),
     [-0.678511, -0.622495, 0.217899, -0.787443, 0.918589, 0.022803, 0.608102, 0.937884, -0.562691,
      -0.207518, -0.632464, -0.973588, 0.513701, -0.455451]),
]
POOL_CASES = [
    (L.MaxPooling1D, dict(pool_size=2),
     [1.0, 0.764842, -0.490261, 0.186512, 0.775566, 0.999859]),
    (L.MaxPooling1D, dict(pool_size=3, strides=2, padding="same"),
     [1.0, 0.764842, 0.169967, 0.186512, 0.775566, 0.999859, 0.753902, 0.153374]),
    (L.MaxPooling1D, dict(pool_size=3, strides=1),
     [1.0, 0.764842, 0.169967, 0.186512, 0.775566, 0.999859, 0.775566, 0.999859, 0.775566, 0.999859]),
    (L.AveragePooling1D, dict(pool_size=2),
     [0.584984, 0.129998, -0.716242, -0.374972, 0.764734, 0.576616]),
    (L.AveragePooling1D, dict(pool_size=3, strides=2, padding="same"),
     [0.584984, 0.129998, -0.420839, -0.418264, 0.346402, 0.446582, 0.117307, -0.397174]),
    (L.AveragePooling1D, dict(pool_size=3, strides=1),
     [0.075915, -0.225487, -0.420839, -0.418264, -0.218972, 0.083305, 0.346402, 0.446582, 0.336726,
      0.068504]),
]


@pytest.mark.parametrize("kwargs,expected", CONV_CASES)
def test_conv1d_values_as_keras(kwargs, expected):
    layer = L.Conv1D(2, 3, **kwargs)
    layer.build((None, 7, 2))
    layer.set_weights([kernel(3, 2, 2), BIAS])
    y = layer(X)
    np.testing.assert_allclose(y.numpy().ravel(), expected, atol=2e-6)


@pytest.mark.parametrize("cls,kwargs,expected", POOL_CASES)
def test_pooling1d_values_as_keras(cls, kwargs, expected):
    np.testing.assert_allclose(cls(**kwargs)(X).numpy().ravel(), expected, atol=2e-6)


def test_shape_layers_as_keras():
    head = X[:, :2]  # [[1, 0.764842], [0.169967, -0.504846]]
    np.testing.assert_allclose(L.UpSampling1D(3)(head).numpy()[0], np.repeat(head[0], 3, axis=0))
    expected_pad = np.concatenate([np.zeros((1, 2)), head[0], np.zeros((2, 2))])
    np.testing.assert_allclose(L.ZeroPadding1D((1, 2))(head).numpy()[0], expected_pad)
    np.testing.assert_allclose(L.Cropping1D((2, 3))(X).numpy()[0], [[-0.942222, -0.936457], [-0.490261, 0.186512]],
                               atol=1e-6)


@pytest.mark.parametrize("layer", [L.UpSampling1D(2), L.ZeroPadding1D(2), L.Cropping1D((1, 2))])
def test_shape_layers_send_gradients_back(layer):
    x = mdl.tensor(X.astype(np.float64), requires_grad=True)
    assert mdl.gradcheck(lambda x: layer(x) * mdl.tensor(np.arange(1.0, 3.0), dtype=np.float64), x)


def test_summary_shapes_and_parameter_counts_as_keras(capsys):
    # Keras 3.15: these output shapes, parameters per layer and 1,249 in all
    model = keras.Sequential([
        keras.Input((100, 8)), L.Conv1D(16, 5, padding="same", strides=2), L.MaxPooling1D(2),
        L.Conv1D(8, 3, dilation_rate=2, padding="causal"), L.Conv1D(8, 3, use_bias=False),
        L.AveragePooling1D(3, strides=1, padding="same"), L.UpSampling1D(2), L.ZeroPadding1D((1, 2)),
        L.Cropping1D((2, 1)), L.ZeroPadding1D(), L.Cropping1D(1), L.GlobalMaxPooling1D(), L.Dense(1),
    ])
    assert [layer.output_shape for layer in model.layers] == [
        (None, 50, 16), (None, 25, 16), (None, 25, 8), (None, 23, 8), (None, 23, 8), (None, 46, 8),
        (None, 49, 8), (None, 46, 8), (None, 48, 8), (None, 46, 8), (None, 8), (None, 1)]
    assert [layer.count_params() for layer in model.layers] == [656, 0, 392, 192, 0, 0, 0, 0, 0, 0, 0, 9]
    assert model.count_params() == 1249
    model.summary()
    assert "(None, 25, 16)" in capsys.readouterr().out


def test_variable_length_sequences_keep_none():
    inputs = keras.Input((None, 4))
    x = L.Conv1D(6, 3, padding="causal", activation="relu")(inputs)
    x = L.MaxPooling1D()(x)
    outputs = L.GlobalAveragePooling1D()(L.Conv1D(3, 2)(x))
    model = keras.Model(inputs, outputs)
    assert tuple(x.shape) == (None, None, 6)
    assert model.predict(np.zeros((2, 11, 4), "float32"), verbose=0).shape == (2, 3)


def test_glorot_uniform_uses_keras_fans():
    # Keras 3.15: fan_in = k * in, fan_out = k * filters, so the limit is sqrt(6 / (40 + 80))
    mdl.manual_seed(0)
    layer = L.Conv1D(16, 5)
    layer.build((None, 20, 8))
    limit = np.sqrt(6 / (5 * 8 + 5 * 16))
    assert layer.kernel.shape == (5, 8, 16)
    assert limit * 0.95 < np.abs(layer.kernel.numpy()).max() <= limit


def test_config_as_keras_and_round_trip():
    config = L.Conv1D(4, 3).get_config()
    assert {k: config[k] for k in ("kernel_size", "strides", "padding", "dilation_rate")} == {
        "kernel_size": [3], "strides": [1], "padding": "valid", "dilation_rate": [1]}
    pool = L.MaxPooling1D().get_config()
    assert (pool["pool_size"], pool["strides"], pool["padding"]) == ([2], [2], "valid")
    conv = L.Conv1D.from_config(L.Conv1D(4, (5,), padding="causal", dilation_rate=2, activation="tanh").get_config())
    assert (conv.kernel_size, conv.dilation_rate, conv.padding) == ((5,), (2,), "causal")
    assert L.AveragePooling1D.from_config(L.AveragePooling1D(3, 1, "same").get_config()).strides == (1,)


def test_text_cnn_trains_saves_and_loads(tmp_path):
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, (64, 12))
    y = (np.isin(x, [3, 4]).sum(axis=1) > 1).astype("float32")  # a word pattern the convolution can find
    model = keras.Sequential([
        keras.Input((12,)), L.Embedding(20, 8), L.Conv1D(16, 3, activation="relu", padding="same"),
        L.MaxPooling1D(2), L.Conv1D(8, 2, padding="causal", kernel_regularizer="l2"), L.UpSampling1D(),
        L.ZeroPadding1D(1), L.Cropping1D((0, 1)), L.AveragePooling1D(2), L.GlobalMaxPooling1D(),
        L.Dense(1, activation="sigmoid"),
    ])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers][1:3] == ["Conv1D", "MaxPooling1D"]


@pytest.mark.parametrize("make,error,message", [
    (lambda: L.Conv1D(0, 3), ValueError, "filters must be a positive int"),
    (lambda: L.Conv1D(2, (3, 3)), ValueError, "kernel_size must be a positive int"),
    (lambda: L.Conv1D(2, 3, padding="full"), ValueError, "padding must be"),
    (lambda: L.Conv1D(2, 3, padding=1), ValueError, "padding must be"),
    (lambda: L.Conv1D(2, 3, strides=2, dilation_rate=2), ValueError, "dilation_rate > 1"),
    (lambda: L.Conv1D(2, 3, data_format="channels_first"), ValueError, "channels_last"),
    (lambda: L.Conv1D(2, 3, groups=2), ValueError, "groups"),
    (lambda: L.MaxPooling1D(padding="causal"), ValueError, "padding must be"),
    (lambda: L.MaxPooling1D(0), ValueError, "pool_size must be a positive int"),
    (lambda: L.AveragePooling1D(), TypeError, "pool_size"),
    (lambda: L.UpSampling1D(0), ValueError, "size must be a positive int"),
    (lambda: L.ZeroPadding1D(-1), ValueError, "padding must be a non-negative int"),
    (lambda: L.Cropping1D((1, 2, 3)), ValueError, "cropping must be a non-negative int"),
])
def test_constructors_check_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer,x,message", [
    (L.Conv1D(2, 3), np.zeros((1, 5, 5, 2), "float32"), "expected 3-D input"),
    (L.MaxPooling1D(), np.zeros((1, 5), "float32"), "expected 3-D input"),
    (L.Cropping1D((3, 3)), np.zeros((1, 5, 2), "float32"), "leaves nothing"),
    (L.UpSampling1D(), np.zeros((4, 2), "float32"), "expected 3-D input"),
])
def test_calls_check_shapes(layer, x, message):
    with pytest.raises(ShapeError, match=message):
        layer(x)


def test_conv1d_checks_channels_after_build():
    layer = L.Conv1D(2, 3)
    layer(np.zeros((1, 5, 2), "float32"))
    with pytest.raises(ShapeError, match="expected input with 2 channels"):
        layer(np.zeros((1, 5, 3), "float32"))
