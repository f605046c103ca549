"""Keras regularisation layers: GaussianNoise, GaussianDropout, SpatialDropout2D, RandomFlip.

They are the identity in predict/evaluate and random while training; the tests check the
statistics of the noise with tolerances a wrong distribution fails (e.g. variance used as
standard deviation, a mask per pixel instead of per channel), the gradient by finite
differences with the noise held fixed (a seeded layer draws the same noise each call),
and that fit really trains with the noise on.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.errors import ShapeError
from minidl.keras import layers as L

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("make", [
    lambda: L.GaussianNoise(0.5), lambda: L.GaussianDropout(0.3), lambda: L.SpatialDropout2D(0.4),
], ids=["gaussian_noise", "gaussian_dropout", "spatial_dropout"])
def test_identity_unless_training(make):
    layer, x = make(), RNG.normal(size=(4, 3, 3, 5)).astype("float32")
    for training in (None, False):
        np.testing.assert_array_equal(layer(x, training=training).numpy(), x)
    assert not np.array_equal(layer(x, training=True).numpy(), x)


def test_gaussian_noise_statistics():
    mdl.manual_seed(1)
    x = RNG.normal(size=(400, 500))
    noise = L.GaussianNoise(0.5)(mdl.tensor(x, dtype="float64"), training=True).numpy() - x
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.5) < 0.005  # 200k draws: sd of std ~0.0008


def test_gaussian_dropout_statistics():
    mdl.manual_seed(2)
    factor = L.GaussianDropout(0.2)(np.ones((400, 500)), training=True).numpy()
    # multiplicative noise N(1, rate / (1 - rate)) = N(1, 0.25): standard deviation 0.5
    assert abs(factor.mean() - 1) < 0.005 and abs(factor.std() - 0.5) < 0.005


def test_spatial_dropout_drops_whole_channels_and_keeps_the_mean():
    mdl.manual_seed(3)
    out = L.SpatialDropout2D(0.3)(np.ones((500, 4, 5, 8)), training=True).numpy()
    per_channel = out.reshape(500, 20, 8)
    assert np.all(per_channel == per_channel[:, :1, :])  # one decision per (image, channel)
    kept = per_channel[:, 0, :] != 0
    assert abs(kept.mean() - 0.7) < 0.03  # 4000 channels: sd of the fraction ~0.007
    np.testing.assert_allclose(per_channel[:, 0, :][kept], 1 / 0.7, rtol=1e-6)


@pytest.mark.parametrize("mode, flip", [
    ("horizontal", lambda x: x[:, :, ::-1]),
    ("vertical", lambda x: x[:, ::-1, :]),
    ("horizontal_and_vertical", lambda x: x[:, ::-1, ::-1]),  # Keras 3: one draw flips both axes
])
def test_random_flip_flips_about_half_of_the_images(mode, flip):
    mdl.manual_seed(4)
    x = RNG.normal(size=(1000, 3, 4, 2)).astype("float32")
    out = L.RandomFlip(mode)(x).numpy()  # called directly, it augments (as Keras preprocessing layers)
    same = np.all(out == x, axis=(1, 2, 3))
    flipped = np.all(out == flip(x), axis=(1, 2, 3))
    assert np.all(same ^ flipped)
    assert abs(flipped.mean() - 0.5) < 0.06  # sd of the fraction ~0.016
    np.testing.assert_array_equal(L.RandomFlip(mode)(x, training=False).numpy(), x)


def test_random_flip_single_image_and_integer_pixels():
    image = np.arange(12, dtype=np.uint8).reshape(2, 3, 2)
    outs = [L.RandomFlip("horizontal", seed=s)(image).numpy() for s in range(8)]
    assert all(o.dtype == np.float32 and o.shape == (2, 3, 2) for o in outs)
    assert {o[0, 0, 0] for o in outs} == {0.0, 4.0}  # some seeds flip, others do not


def test_seeded_layers_repeat_and_manual_seed_repeats_unseeded_ones():
    x = np.ones((4, 2, 2, 3), dtype="float32")
    a = L.GaussianNoise(0.3, seed=7)(x, training=True).numpy()
    b = L.GaussianNoise(0.3, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    runs = []
    for _ in range(2):
        mdl.manual_seed(11)
        runs.append(L.SpatialDropout2D(0.5)(x, training=True).numpy())
    np.testing.assert_array_equal(*runs)


@pytest.mark.parametrize("make, shape", [
    (lambda: L.GaussianNoise(0.4, seed=1), (3, 4)),
    (lambda: L.GaussianDropout(0.3, seed=1), (3, 4)),
    (lambda: L.SpatialDropout2D(0.5, seed=1), (2, 2, 2, 3)),
    (lambda: L.RandomFlip(seed=1), (3, 2, 3, 1)),
    (lambda: L.Dropout(0.4, seed=1), (3, 4)),
    (lambda: L.Dropout(0.4, noise_shape=(None, 1, 3), seed=1), (3, 2, 3)),
])
def test_gradient_with_the_noise_held_fixed(make, shape):
    layer = make()
    x = np.random.default_rng(5).normal(size=shape)
    weights = np.random.default_rng(6).normal(size=shape)

    def fn(t):  # a fresh generator with the same seed: the same noise at every evaluation
        object.__setattr__(layer, "_generator", np.random.default_rng(layer.seed))
        return layer(t, training=True) * mdl.tensor(weights, dtype="float64")

    assert mdl.gradcheck(fn, mdl.tensor(x, requires_grad=True, dtype="float64"))


def identity_model(noise_layer, shape):
    """noise -> PReLU with alpha 1 (the identity, with a weight so that fit has something to train)."""
    return keras.Sequential([keras.Input(shape), noise_layer,
                             L.PReLU(alpha_initializer=keras.initializers.Constant(1.0))])


@pytest.mark.parametrize("make, shape, expected_loss", [
    (lambda: L.GaussianNoise(0.5), (6,), 0.25),  # E[ε²] = stddev²
    (lambda: L.GaussianDropout(0.2), (6,), 0.25),  # E[x²(m-1)²] = E[x²]·rate/(1-rate), E[x²] = 1
    (lambda: L.SpatialDropout2D(0.2), (2, 2, 3), 0.25),  # the same for inverted dropout
    (lambda: L.Dropout(0.2, seed=4), (6,), 0.25),
    (lambda: L.Dropout(0.2, noise_shape=(None, 1)), (6,), 0.25),
    (lambda: L.RandomFlip("horizontal"), (1, 2, 1), 1.0),  # half flipped: ½·E[(x1 - x2)²] = 1
])
def test_noise_is_on_in_fit_and_off_in_evaluate_and_predict(make, shape, expected_loss):
    mdl.manual_seed(6)
    model = identity_model(make(), shape)
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")
    x = np.random.default_rng(7).normal(size=(4096, *shape)).astype("float32")
    history = model.fit(x, x, batch_size=4096, epochs=1, verbose=0)
    assert abs(history.history["loss"][0] - expected_loss) < 0.1 * expected_loss
    assert model.evaluate(x, x, verbose=0) == 0.0
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_save_and_load_round_trip(tmp_path):
    model = keras.Sequential([
        keras.Input((4, 4, 2)), L.RandomFlip("vertical", seed=3), L.GaussianNoise(0.1), L.Flatten(),
        L.Dense(6), L.GaussianDropout(0.25, seed=1), L.Reshape((1, 2, 3)), L.SpatialDropout2D(0.1), L.Flatten(),
        L.Dropout(0.3, noise_shape=(None, 1), seed=5),
    ])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    for before, after in zip(model.layers, loaded.layers):
        assert after.get_config() == before.get_config()
    assert loaded.layers[0].mode == "vertical" and loaded.layers[0].seed == 3
    x = np.random.default_rng(8).normal(size=(3, 4, 4, 2)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("make, message", [
    (lambda: L.GaussianNoise(-0.1), "stddev"),
    (lambda: L.GaussianNoise(1.5), "stddev"),
    (lambda: L.GaussianNoise("0.1"), "stddev"),
    (lambda: L.GaussianDropout(1.0), "rate"),
    (lambda: L.SpatialDropout2D(-0.2), "rate"),
    (lambda: L.SpatialDropout2D(0.2, data_format="channels_first"), "data_format"),
    (lambda: L.RandomFlip("diagonal"), "mode"),
    (lambda: L.RandomFlip(seed=-1), "seed"),
    (lambda: L.GaussianNoise(0.1, seed=1.5), "seed"),
    (lambda: L.Dropout(0.5, seed="1"), "seed"),
    (lambda: L.Dropout(0.5, noise_shape=(None, 0)), "noise_shape"),
    (lambda: L.Dropout(0.5, noise_shape=7), "noise_shape"),
])
def test_bad_arguments_are_refused_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_dropout_seed_repeats_and_noise_shape_shares_the_draw():
    x = np.ones((2000, 3, 4), dtype="float32")
    a = L.Dropout(0.5, seed=9)(x, training=True).numpy()
    np.testing.assert_array_equal(a, L.Dropout(0.5, seed=9)(x, training=True).numpy())
    assert set(np.unique(a)) == {0.0, 2.0} and abs((a == 0).mean() - 0.5) < 0.01
    shared = L.Dropout(0.25, noise_shape=(None, 1, 4))(x, training=True).numpy()
    np.testing.assert_array_equal(shared, np.broadcast_to(shared[:, :1], x.shape))  # one draw per (sample, feature)
    assert abs((shared == 0).mean() - 0.25) < 0.02
    with pytest.raises(ShapeError, match="noise_shape"):
        L.Dropout(0.5, noise_shape=(None, 2, 4))(x, training=True)


def test_wrong_input_shapes_name_the_layer():
    with pytest.raises(ShapeError, match="SpatialDropout2D"):
        L.SpatialDropout2D(0.5)(np.ones((2, 3, 4)), training=True)
    with pytest.raises(ShapeError, match="RandomFlip"):
        L.RandomFlip()(np.ones((2, 3)))
