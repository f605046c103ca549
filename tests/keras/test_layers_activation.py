"""Keras activation layers: ReLU, LeakyReLU, ELU, Softmax, PReLU.

References: values printed by real Keras 3.15 (``KERAS_BACKEND=jax``) hard-coded below
(CI does not install Keras), plain NumPy float64 re-implementations, and finite
differences (``mdl.gradcheck`` in float64) for the gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.errors import ShapeError
from minidl.keras import layers as L

X = np.array([[-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, 5.0, 7.5]], dtype="float32")

# keras.layers.ReLU(**kwargs)(X) and LeakyReLU()(X) with Keras 3.15.1 (jax backend)
KERAS_RELU = [
    ({}, [0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 2.0, 5.0, 7.5]),
    ({"max_value": 6.0}, [0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 2.0, 5.0, 6.0]),
    ({"threshold": 1.0}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 5.0, 7.5]),
    ({"negative_slope": 0.1}, [-0.3, -0.1, -0.025, 0.0, 0.5, 1.0, 2.0, 5.0, 7.5]),
    ({"max_value": 4.0, "negative_slope": 0.2, "threshold": 0.5},
     [-0.7, -0.3, -0.15, -0.1, 0.0, 1.0, 2.0, 4.0, 4.0]),
    ({"negative_slope": 0.5, "threshold": 1.5}, [-2.25, -1.25, -0.875, -0.75, -0.5, -0.25, 2.0, 5.0, 7.5]),
]
KERAS_LEAKY_DEFAULT = [-0.9, -0.3, -0.075, 0.0, 0.5, 1.0, 2.0, 5.0, 7.5]
KERAS_ELU_HALF = [-0.47510647773742676, -0.31606027483940125, -0.11059959977865219, 0.0, 0.5, 1.0, 2.0, 5.0, 7.5]


@pytest.mark.parametrize("kwargs, expected", KERAS_RELU, ids=[str(k) for k, _ in KERAS_RELU])
def test_relu_matches_keras(kwargs, expected):
    out = L.ReLU(**kwargs)(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy()[0], expected, rtol=1e-6, atol=1e-7)


def test_leaky_relu_default_slope_is_keras_0_3_and_elu_matches_keras():
    np.testing.assert_allclose(L.LeakyReLU()(X).numpy()[0], KERAS_LEAKY_DEFAULT, rtol=1e-6)
    np.testing.assert_allclose(L.ELU(alpha=0.5)(X).numpy()[0], KERAS_ELU_HALF, rtol=1e-6)
    with pytest.warns(UserWarning, match="negative_slope"):
        layer = L.LeakyReLU(alpha=0.1)  # the Keras 2 spelling still works
    assert layer.negative_slope == 0.1


def relu_reference(x, max_value=None, negative_slope=0.0, threshold=0.0):
    """Keras's documented formula, in float64 NumPy."""
    out = np.where(x > threshold, x, negative_slope * (x - threshold))
    return out if max_value is None else np.where(x >= max_value, max_value, out)


def away_from(x, kinks, gap=0.05):
    """Move points off the kinks, where finite differences are meaningless."""
    for k in kinks:
        x = np.where(np.abs(x - k) < gap, k + gap * 2, x)
    return x


@pytest.mark.parametrize("kwargs", [k for k, _ in KERAS_RELU] + [{"max_value": 1.0, "threshold": 0.3}])
def test_relu_reference_and_gradient(kwargs):
    rng = np.random.default_rng(1)
    x = away_from(rng.normal(scale=3, size=(4, 5)), [0.0, *kwargs.values()])
    layer = L.ReLU(**kwargs)
    np.testing.assert_allclose(layer(mdl.tensor(x, dtype="float64")).numpy(), relu_reference(x, **kwargs),
                               rtol=1e-12)
    assert mdl.gradcheck(lambda t: layer(t), mdl.tensor(x, requires_grad=True, dtype="float64"))


def softmax_reference(x, axes):
    e = np.exp(x - x.max(axis=axes, keepdims=True))
    return e / e.sum(axis=axes, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 1, (1, 2)])
def test_softmax_values_and_gradient(axis):
    x = np.random.default_rng(2).normal(size=(2, 3, 4))
    layer = L.Softmax(axis=axis)
    axes = axis if isinstance(axis, tuple) else (axis,)
    np.testing.assert_allclose(layer(mdl.tensor(x, dtype="float64")).numpy(), softmax_reference(x, axes),
                               rtol=1e-12)
    weights = np.random.default_rng(3).normal(size=x.shape)  # a non-constant loss (softmax sums to 1)
    assert mdl.gradcheck(lambda t: layer(t) * mdl.tensor(weights, dtype="float64"),
                         mdl.tensor(x, requires_grad=True, dtype="float64"))


@pytest.mark.parametrize("make", [lambda: L.LeakyReLU(0.2), lambda: L.ELU(0.7)], ids=["leaky", "elu"])
def test_leaky_and_elu_gradients(make):
    x = away_from(np.random.default_rng(4).normal(size=(3, 4)), [0.0])
    assert mdl.gradcheck(lambda t: make()(t), mdl.tensor(x, requires_grad=True, dtype="float64"))


def test_prelu_values_weights_and_gradient_wrt_input_and_alpha():
    mdl.set_default_dtype("float64")
    try:
        layer = L.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2])
        x = away_from(np.random.default_rng(5).normal(size=(2, 3, 3, 4)), [0.0])
        out = layer(x)
        assert layer.alpha.shape == (1, 1, 4) and layer.count_params() == 4  # one alpha per channel
        np.testing.assert_allclose(out.numpy(), np.where(x > 0, x, 0.25 * x), rtol=1e-12)
        alpha = layer.alpha

        def fn(t, a):
            object.__setattr__(layer, "alpha", a)
            return layer(t)

        try:
            assert mdl.gradcheck(fn, mdl.tensor(x, requires_grad=True), alpha)
        finally:
            object.__setattr__(layer, "alpha", alpha)
    finally:
        mdl.set_default_dtype("float32")


def test_prelu_default_has_one_zero_alpha_per_element_like_keras():
    # Keras 3.15: PReLU after a (5, 4, 2) conv output has 40 parameters, all zero at first
    model = keras.Sequential([keras.Input((5, 4, 2)), L.PReLU()])
    assert model.count_params() == 40
    assert np.all(model.layers[0].get_weights()[0] == 0)
    with pytest.raises(ShapeError, match="PReLU"):
        model.layers[0](np.ones((1, 5, 4, 3), dtype="float32"))


def test_layers_train_in_a_model_and_survive_save_and_load(tmp_path):
    mdl.manual_seed(0)
    model = keras.Sequential([
        keras.Input((6,)), L.Dense(8), L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.2),
        L.Dense(8), L.LeakyReLU(), L.Dense(8), L.ELU(alpha=0.5), L.Dense(8), L.PReLU(),
        L.Dense(3), L.Softmax(),
    ])
    x = np.random.default_rng(0).normal(size=(32, 6)).astype("float32")
    y = np.random.default_rng(1).integers(0, 3, 32)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    assert np.any(model.layers[7].get_weights()[0] != 0)  # PReLU's alpha learned something
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_default_names_as_keras():
    assert L.ReLU().name.startswith("re_lu") and L.PReLU().name.startswith("p_re_lu")
    assert L.LeakyReLU().name.startswith("leaky_re_lu")


@pytest.mark.parametrize("make, message", [
    (lambda: L.ReLU(max_value=-1), "max_value"),
    (lambda: L.ReLU(negative_slope=-0.1), "negative_slope"),
    (lambda: L.ReLU(threshold=-1), "threshold"),
    (lambda: L.ReLU(threshold="1"), "threshold"),
    (lambda: L.ReLU(max_value=True), "max_value"),
    (lambda: L.LeakyReLU(negative_slope=None), "negative_slope"),
    (lambda: L.ELU(alpha="big"), "alpha"),
    (lambda: L.Softmax(axis=1.0), "axis"),
    (lambda: L.Softmax(axis=(1, 1)), "axis"),
    (lambda: L.PReLU(shared_axes=[0]), "shared_axes"),
    (lambda: L.PReLU(alpha_constraint="non_neg"), "alpha_constraint"),
    (lambda: L.PReLU(alpha_initializer="nonsense"), "initializer"),
])
def test_bad_arguments_are_refused_at_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_softmax_axis_out_of_range_names_the_layer():
    with pytest.raises(ShapeError, match="axis"):
        L.Softmax(axis=3)(np.ones((2, 3), dtype="float32"))
