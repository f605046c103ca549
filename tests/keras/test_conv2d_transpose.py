"""Keras Conv2DTranspose pinned to Keras 3.15.

Reference values were computed once with real Keras 3.15 (``KERAS_BACKEND=jax``) on the same
input and weights and are hard-coded here: CI does not install Keras.  Each case keeps the
output shape, a weighted checksum ``Σ y·cos(0.37·i)`` over the flattened output (any value
moved or changed shows) and, for the small outputs, every value.  Gradients are checked
against finite differences in tests/ops/test_conv_transpose.py (the layer calls the same op).
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import ShapeError, keras
from minidl.keras import layers as L

X = np.cos(np.arange(12) * 0.7).reshape(1, 2, 3, 2).astype("float32")
BIAS = np.array([0.1, -0.2], dtype="float32")


def kernel(kh: int, kw: int, cout: int, cin: int) -> np.ndarray:
    return (np.sin(np.arange(kh * kw * cout * cin)) * 0.5).reshape(kh, kw, cout, cin).astype("float32")


CASES = [  # (Conv2DTranspose arguments, Keras 3.15's output shape, checksum, values or None)
    (dict(kernel_size=2, padding="valid"), (3, 4, 2), -1.413398,
     [0.421796, 0.308616, -0.857521, -0.046809, -0.116262, -0.884041, 0.905534, -0.375984, 0.830754, -1.064164,
      0.489211, 1.303097, -1.419062, 1.018233, -0.202763, -1.026113, -0.104089, -0.159899, 0.8604, -1.093071,
      0.506524, 0.227483, -0.07004, 0.223279]),
    (dict(kernel_size=3, strides=2, padding="same"), (4, 6, 2), 0.068829, None),
    (dict(kernel_size=3, padding="valid"), (4, 5, 2), -1.071392, None),
    (dict(kernel_size=3, strides=2, padding="valid"), (5, 7, 2), 2.374271, None),
    (dict(kernel_size=4, strides=2, padding="same"), (4, 6, 2), 0.087072, None),
    (dict(kernel_size=2, strides=3, padding="valid"), (6, 9, 2), 0.202159, None),
    (dict(kernel_size=3, strides=2, padding="same", output_padding=0), (3, 5, 2), -0.447505, None),
    (dict(kernel_size=3, strides=2, padding="valid", output_padding=1, activation="relu"), (6, 8, 2), -0.399913,
     None),
    (dict(kernel_size=(3, 2), strides=(2, 1), padding="same"), (4, 3, 2), 1.390088,
     [0.421796, 0.308616, -0.857521, -0.046809, -0.116262, -0.884041, 0.752282, -0.854428, -0.027555, 0.750175,
      -0.710723, 0.444556, -0.333138, -0.727913, 1.611405, -0.076771, -0.156157, 0.870152, -0.104089, -0.159899,
      0.8604, -1.093071, 0.506524, 0.227483]),
    (dict(kernel_size=(2, 3), strides=(3, 2), padding="same", output_padding=(2, 1), use_bias=False), (5, 6, 2),
     0.317025, None),
]


@pytest.mark.parametrize("kwargs, shape, checksum, values", CASES)
def test_values_as_keras(kwargs, shape, checksum, values):
    layer = L.Conv2DTranspose(2, **kwargs)
    layer.build(X.shape)
    kh, kw = layer.kernel_size
    layer.set_weights([kernel(kh, kw, 2, 2)] + ([BIAS] if kwargs.get("use_bias", True) else []))
    y = layer(X).numpy()[0]
    assert y.shape == shape
    weights = np.cos(0.37 * np.arange(y.size)).reshape(y.shape)
    assert float((y * weights).sum()) == pytest.approx(checksum, abs=2e-5)
    if values is not None:
        np.testing.assert_allclose(y.ravel(), values, atol=2e-6)


def test_summary_shapes_and_parameter_counts_as_keras(capsys):
    # Keras 3.15: output shapes (None, 14, 14, 4) and (None, 42, 16, 2); 112 + 48 = 160 parameters
    model = keras.Sequential([
        keras.Input((7, 7, 3)), L.Conv2DTranspose(4, 3, strides=2, padding="same"),
        L.Conv2DTranspose(2, (2, 3), strides=(3, 1), output_padding=(1, 0), use_bias=False),
    ])
    assert [layer.output_shape for layer in model.layers] == [(None, 14, 14, 4), (None, 42, 16, 2)]
    assert [layer.count_params() for layer in model.layers] == [112, 48]
    assert model.layers[0].kernel.shape == (3, 3, 4, 3)  # (kh, kw, filters, in_channels) as Keras
    assert model.count_params() == 160
    model.summary()
    assert "conv2d_transpose" in capsys.readouterr().out


def test_glorot_uniform_uses_keras_fans():
    # Keras 3.15's compute_fans((3, 3, 4, 2)) is (36, 18): the limit is sqrt(6 / 54)
    mdl.manual_seed(0)
    layer = L.Conv2DTranspose(4, 3)
    layer.build((None, 5, 5, 2))
    limit = np.sqrt(6 / (36 + 18))
    assert limit * 0.95 < np.abs(layer.kernel.numpy()).max() <= limit
    assert not layer.bias.numpy().any()


def test_lazy_build_and_functional_api():
    layer = L.Conv2DTranspose(3, 2, strides=2)
    assert not layer.built
    assert layer(np.zeros((2, 4, 5, 6), "float32")).shape == (2, 8, 10, 3)
    assert layer.kernel.shape == (2, 2, 3, 6)
    inputs = keras.Input((4, 4, 1))
    outputs = L.Convolution2DTranspose(2, 3, strides=2, padding="same", activation="sigmoid")(inputs)
    assert tuple(outputs.shape) == (None, 8, 8, 2)
    y = keras.Model(inputs, outputs).predict(np.ones((3, 4, 4, 1), "float32"), verbose=0)
    assert y.shape == (3, 8, 8, 2) and ((y > 0) & (y < 1)).all()


def test_config_as_keras_and_round_trip():
    config = L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1, activation="relu").get_config()
    assert {k: config[k] for k in ("filters", "kernel_size", "strides", "padding", "output_padding",
                                   "activation", "use_bias")} == {
        "filters": 4, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "output_padding": [1, 1],
        "activation": "relu", "use_bias": True}
    assert L.Conv2DTranspose(4, 3).get_config()["output_padding"] is None
    again = L.Conv2DTranspose.from_config(config)
    assert (again.kernel_size, again.strides, again.output_padding) == ((3, 3), (2, 2), (1, 1))


def test_autoencoder_trains_saves_and_loads(tmp_path):
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:8, 0:8]
    centres = rng.integers(2, 6, (64, 2))  # a bright blob somewhere in each 8x8 image
    x = np.exp(-((rows - centres[:, :1, None]) ** 2 + (cols - centres[:, 1:, None]) ** 2) / 3.0)
    x = x[..., None].astype("float32")
    model = keras.Sequential([
        keras.Input((8, 8, 1)), L.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
        L.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, x, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    model.save(tmp_path / "ae.keras")
    loaded = keras.models.load_model(tmp_path / "ae.keras")
    assert type(loaded.layers[1]).__name__ == "Conv2DTranspose"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("make, message", [
    (lambda: L.Conv2DTranspose(0, 3), "filters must be a positive int"),
    (lambda: L.Conv2DTranspose(2, 0), "kernel_size must be"),
    (lambda: L.Conv2DTranspose(2, 3, strides=(1, 2, 3)), "strides must be"),
    (lambda: L.Conv2DTranspose(2, 3, padding="causal"), "padding must be"),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=2), "smaller than the stride"),
    (lambda: L.Conv2DTranspose(2, 3, output_padding=-1), "output_padding must be"),
    (lambda: L.Conv2DTranspose(2, 3, activation="nope"), "nope"),
    (lambda: L.Conv2DTranspose(2, 3, dilation_rate=2), "dilation_rate"),
    (lambda: L.Conv2DTranspose(2, 3, data_format="channels_first"), "channels_last"),
])
def test_constructors_check_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_calls_check_shapes():
    layer = L.Conv2DTranspose(2, 3)
    with pytest.raises(ShapeError, match="expected 4-D input"):
        layer(np.zeros((1, 5, 2), "float32"))
    layer(np.zeros((1, 5, 5, 2), "float32"))
    with pytest.raises(ShapeError, match="expected input with 2 channels"):
        layer(np.zeros((1, 5, 5, 3), "float32"))


def test_onnx_export_matches_predict(tmp_path, onnx_matches_predict):
    """onnxruntime's ConvTranspose is an independent implementation: it checks the kernel layout,
    the crops ("same") and the extra rows (output_padding, "valid" with stride > kernel)."""
    mdl.manual_seed(3)
    model = keras.Sequential([
        keras.Input((5, 4, 3)), L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
        L.Conv2DTranspose(3, (2, 3), strides=(3, 2), padding="valid", use_bias=False),
        L.Conv2DTranspose(2, 4, strides=2, padding="same", output_padding=1, activation="tanh"),
        L.Conv2DTranspose(2, (3, 2), strides=(2, 3), padding="valid", output_padding=(1, 2)),
        L.Conv2D(2, 3, strides=2, padding="same"), L.Flatten(), L.Dense(3),
    ])
    for layer in model.layers[:4]:  # nonzero biases, so rows no window reaches hold the bias
        if layer.use_bias:
            layer.bias.data[...] = np.linspace(-0.5, 0.5, layer.filters)
    onnx_matches_predict(model, tmp_path / "up.onnx", [(1, 5, 4, 3), (3, 5, 4, 3)], seed=2)


def test_onnx_export_with_unknown_image_size(tmp_path, onnx_matches_predict):
    mdl.manual_seed(4)
    inputs = keras.Input((None, None, 2))
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=(0, 1))(x)
    outputs = L.Conv2DTranspose(1, 2, strides=3, activation="sigmoid")(x)
    onnx_matches_predict(keras.Model(inputs, outputs), tmp_path / "var.onnx", [(2, 6, 7, 2), (1, 9, 4, 2)],
                         seed=2)
