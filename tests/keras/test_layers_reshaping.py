"""Keras reshaping and transform layers: ZeroPadding2D, Cropping2D, UpSampling2D, Permute,
RepeatVector, Rescaling, Lambda.

References: shapes and values printed by real Keras 3.15 (``KERAS_BACKEND=jax``) hard-coded
below (CI does not install Keras), plain NumPy float64 re-implementations, and finite
differences (``mdl.gradcheck`` in float64) for the gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.errors import MinidlError, ShapeError
from minidl.keras import layers as L

IMG = np.arange(2 * 3 * 4 * 2, dtype="float32").reshape(2, 3, 4, 2)

# Keras 3.15.1: layer(IMG).shape and, for the first image, channel 0 (padding, upsampling)
# or channel 1 (cropping)
KERAS_PADDING = [
    (1, (2, 5, 6, 2), [[0, 0, 0, 0, 0, 0], [0, 0, 2, 4, 6, 0], [0, 8, 10, 12, 14, 0],
                       [0, 16, 18, 20, 22, 0], [0, 0, 0, 0, 0, 0]]),
    ((1, 2), (2, 5, 8, 2), [[0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 2, 4, 6, 0, 0], [0, 0, 8, 10, 12, 14, 0, 0],
                            [0, 0, 16, 18, 20, 22, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]),
    (((1, 0), (0, 2)), (2, 4, 6, 2), [[0, 0, 0, 0, 0, 0], [0, 2, 4, 6, 0, 0], [8, 10, 12, 14, 0, 0],
                                      [16, 18, 20, 22, 0, 0]]),
]
KERAS_CROPPING = [
    (1, (2, 1, 2, 2), [[11, 13]]),
    ((1, 0), (2, 1, 4, 2), [[9, 11, 13, 15]]),
    (((1, 0), (0, 2)), (2, 2, 2, 2), [[9, 11], [17, 19]]),
]
KERAS_UPSAMPLING_2_3 = [[0, 0, 0, 2, 2, 2, 4, 4, 4, 6, 6, 6], [0, 0, 0, 2, 2, 2, 4, 4, 4, 6, 6, 6],
                        [8, 8, 8, 10, 10, 10, 12, 12, 12, 14, 14, 14],
                        [8, 8, 8, 10, 10, 10, 12, 12, 12, 14, 14, 14],
                        [16, 16, 16, 18, 18, 18, 20, 20, 20, 22, 22, 22],
                        [16, 16, 16, 18, 18, 18, 20, 20, 20, 22, 22, 22]]


@pytest.mark.parametrize("padding, shape, channel0", KERAS_PADDING, ids=["int", "pair", "pairs"])
def test_zero_padding_matches_keras(padding, shape, channel0):
    out = L.ZeroPadding2D(padding)(IMG).numpy()
    assert out.shape == shape
    np.testing.assert_array_equal(out[0, :, :, 0], channel0)


@pytest.mark.parametrize("cropping, shape, channel1", KERAS_CROPPING, ids=["int", "pair", "pairs"])
def test_cropping_matches_keras(cropping, shape, channel1):
    out = L.Cropping2D(cropping)(IMG).numpy()
    assert out.shape == shape
    np.testing.assert_array_equal(out[0, :, :, 1], channel1)


def test_upsampling_matches_keras_and_numpy_repeat():
    out = L.UpSampling2D((2, 3))(IMG).numpy()
    assert out.shape == (2, 6, 12, 2)
    np.testing.assert_array_equal(out[0, :, :, 0], KERAS_UPSAMPLING_2_3)
    np.testing.assert_array_equal(out, IMG.repeat(2, axis=1).repeat(3, axis=2))
    assert L.UpSampling2D()(IMG).shape == (2, 6, 8, 2)


def test_permute_and_repeat_vector_against_numpy():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    np.testing.assert_array_equal(L.Permute((3, 1, 2))(x).numpy(), x.transpose(0, 3, 1, 2).astype("float32"))
    v = np.random.default_rng(1).normal(size=(2, 3))
    np.testing.assert_array_equal(L.RepeatVector(4)(v).numpy(), np.repeat(v[:, None, :], 4, axis=1).astype("float32"))


def test_rescaling_integer_images_and_per_channel_values():
    pixels = np.array([[0, 51, 255]], dtype=np.uint8)
    out = L.Rescaling(1.0 / 255)(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.2, 1.0]], rtol=1e-6)
    np.testing.assert_allclose(L.Rescaling(1.0 / 127.5, offset=-1)(pixels).numpy(), [[-1.0, -0.6, 1.0]],
                               rtol=1e-6, atol=1e-7)
    x = np.ones((2, 2, 3))
    np.testing.assert_allclose(L.Rescaling([1.0, 2.0, 3.0], offset=[0.0, 0.5, 1.0])(x).numpy()[0, 0],
                               [1.0, 2.5, 4.0])
    with pytest.raises(ValueError, match="per channel"):
        L.Rescaling([1.0, 2.0])(x)


def test_lambda_passes_arguments_and_training():
    layer = L.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
    np.testing.assert_array_equal(layer(np.ones((2, 2))).numpy(), np.full((2, 2), 3.0))
    seen = []
    L.Lambda(lambda x, training=None: seen.append(training) or x)(np.ones((1, 2)), training=True)
    assert seen == [True]


GRAD_CASES = {
    "zero_padding": (lambda: L.ZeroPadding2D(((1, 0), (2, 1))), (2, 3, 3, 2)),
    "cropping": (lambda: L.Cropping2D(((1, 0), (0, 2))), (2, 3, 4, 2)),
    "upsampling": (lambda: L.UpSampling2D((2, 3)), (2, 2, 3, 2)),
    "permute": (lambda: L.Permute((2, 3, 1)), (2, 3, 4, 2)),
    "repeat_vector": (lambda: L.RepeatVector(3), (2, 4)),
    "rescaling": (lambda: L.Rescaling(0.5, offset=2.0), (2, 3)),
    "lambda": (lambda: L.Lambda(lambda x: (x * x).sum(axis=-1, keepdims=True)), (2, 3)),
}


@pytest.mark.parametrize("name", GRAD_CASES)
def test_gradient_by_finite_differences(name):
    make, shape = GRAD_CASES[name]
    layer = make()
    x = np.random.default_rng(2).normal(size=shape)
    # weight the output so that each output element's gradient is distinct
    weights = np.random.default_rng(3).normal(size=layer(x).shape)
    assert mdl.gradcheck(lambda t: layer(t) * mdl.tensor(weights, dtype="float64"),
                         mdl.tensor(x, requires_grad=True, dtype="float64"))


def test_summary_shapes_and_params_as_keras(capsys):
    # Keras 3.15 printed these output shapes and a total of 1,304 parameters (conv 56, PReLU 40)
    model = keras.Sequential([
        keras.Input((5, 4, 3)), L.ZeroPadding2D(1), L.Conv2D(2, 3), L.PReLU(), L.UpSampling2D(),
        L.Cropping2D(1), L.Permute((3, 1, 2)), L.Flatten(), L.RepeatVector(2), L.LSTM(3), L.Dense(2),
    ])
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes == [(None, 7, 6, 3), (None, 5, 4, 2), (None, 5, 4, 2), (None, 10, 8, 2), (None, 8, 6, 2),
                      (None, 2, 8, 6), (None, 96), (None, 2, 96), (None, 3), (None, 2)]
    assert model.count_params() == 1304
    model.summary()
    assert "(None, 10, 8, 2)" in capsys.readouterr().out


def test_model_trains_and_survives_save_and_load(tmp_path):
    mdl.manual_seed(0)
    model = keras.Sequential([
        keras.Input((6, 6, 1)), L.Rescaling(1.0 / 255), L.ZeroPadding2D(1), L.Conv2D(2, 3, activation="relu"),
        L.UpSampling2D(), L.Cropping2D(((1, 2), (0, 1))), L.Permute((2, 1, 3)), L.Flatten(),
        L.RepeatVector(2), L.Dense(3), L.Flatten(), L.Dense(2),
    ])
    x = np.random.default_rng(0).integers(0, 256, (16, 6, 6, 1)).astype(np.uint8)
    y = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert [layer.get_config() for layer in loaded.layers[:7]] == [layer.get_config() for layer in model.layers[:7]]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_saving_a_lambda_model_explains_why_it_cannot(tmp_path):
    model = keras.Sequential([keras.Input((3,)), L.Lambda(lambda x: x * 2), L.Dense(1)])
    assert model.predict(np.ones((2, 3), dtype="float32"), verbose=0).shape == (2, 1)
    with pytest.raises(MinidlError, match="Python function cannot be stored safely"):
        model.save(tmp_path / "m.keras")
    with pytest.raises(NotImplementedError):
        model.save(tmp_path / "m2.keras")
    model.save_weights(tmp_path / "w.keras")  # the suggested way out works


@pytest.mark.parametrize("make, error, message", [
    (lambda: L.ZeroPadding2D(-1), ValueError, "padding"),
    (lambda: L.ZeroPadding2D((1, 2, 3)), ValueError, "padding"),
    (lambda: L.ZeroPadding2D(1.5), ValueError, "padding"),
    (lambda: L.Cropping2D(((1, 2), 3)), ValueError, "cropping"),
    (lambda: L.UpSampling2D(0), ValueError, "size"),
    (lambda: L.UpSampling2D(interpolation="bilinear"), ValueError, "nearest"),
    (lambda: L.UpSampling2D(data_format="channels_first"), ValueError, "channels"),
    (lambda: L.Permute((1, 3)), ValueError, "permutation"),
    (lambda: L.Permute((0, 1)), ValueError, "permutation"),
    (lambda: L.RepeatVector(0), ValueError, "positive int"),
    (lambda: L.Rescaling("1/255"), ValueError, "scale"),
    (lambda: L.Rescaling(1.0, offset=None), ValueError, "offset"),
    (lambda: L.Lambda("x * 2"), TypeError, "callable"),
    (lambda: L.Lambda(abs, arguments=[1]), TypeError, "arguments"),
])
def test_bad_arguments_are_refused_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer, shape", [
    (L.Cropping2D(2), (2, 3, 4, 2)),
    (L.ZeroPadding2D(1), (2, 3, 4)),
    (L.UpSampling2D(), (2, 3)),
    (L.Permute((2, 1)), (2, 3, 4, 5)),
    (L.RepeatVector(2), (2, 3, 4)),
])
def test_wrong_input_shapes_name_the_layer(layer, shape):
    with pytest.raises(ShapeError, match=type(layer).__name__):
        layer(np.ones(shape, dtype="float32"))
