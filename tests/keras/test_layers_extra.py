"""Keras normalisation, embedding and merge layers (SimpleRNN/LSTM: test_layers_recurrent_extra.py).

References: finite differences (gradcheck, float64) for every layer w.r.t. inputs and
weights; plain NumPy re-implementations of the forward maths.  (The same layers were also checked once against Keras 3.15 to ~1e-16.)
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import minidl as mdl
from minidl.errors import ShapeError
from minidl.keras import layers as L


@pytest.fixture(autouse=True)
def float64():
    """Weights and inputs in float64, so finite differences are accurate."""
    mdl.set_default_dtype("float64")
    mdl.manual_seed(0)
    yield
    mdl.set_default_dtype("float32")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- gradcheck of every layer w.r.t. its inputs and its weights -----------------------------

def check_layer(layer, inputs, training=None, pick=None, grad_inputs=True, **call_kwargs):
    """gradcheck ``layer`` with its parameters passed as extra inputs of the checked function."""
    inputs = inputs if isinstance(inputs, list) else [inputs]
    many = len(inputs) > 1
    layer(inputs if many else inputs[0], training=training, **call_kwargs)  # build
    names = list(layer._parameters)
    originals = [getattr(layer, n) for n in names]

    def fn(*args):
        xs, ws = args[:len(inputs)], args[len(inputs):]
        for name, w in zip(names, ws):
            object.__setattr__(layer, name, w)  # the layer computes with gradcheck's copies
        out = layer(list(xs) if many else xs[0], training=training, **call_kwargs)
        return out[pick] if pick is not None else out

    tensors = [mdl.tensor(x, requires_grad=True) if grad_inputs else x for x in inputs]
    try:
        assert mdl.gradcheck(fn, *tensors, *originals, atol=1e-6, rtol=1e-4)
    finally:
        for name, w in zip(names, originals):
            object.__setattr__(layer, name, w)


def trained_bn(**kwargs):
    bn = L.BatchNormalization(momentum=0.5, **kwargs)
    bn(rand(8, 3, seed=5) * 2 + 1, training=True)  # moving statistics away from 0 and 1
    return bn


GRAD_CASES = {
    "batchnorm_train_2d": (lambda: L.BatchNormalization(), [rand(6, 3)], {"training": True}),
    "batchnorm_train_4d": (lambda: L.BatchNormalization(), [rand(2, 2, 3, 2)], {"training": True}),
    "batchnorm_train_axis1": (lambda: L.BatchNormalization(axis=1), [rand(3, 2, 4)], {"training": True}),
    "batchnorm_no_center_scale": (lambda: L.BatchNormalization(center=False, scale=False),
                                  [rand(5, 3)], {"training": True}),
    "batchnorm_inference": (trained_bn, [rand(4, 3)], {"training": False}),
    "layernorm": (lambda: L.LayerNormalization(), [rand(3, 4)], {}),
    "layernorm_axes12": (lambda: L.LayerNormalization(axis=[1, 2]), [rand(2, 3, 2)], {}),
    "simple_rnn_sequences": (lambda: L.SimpleRNN(3, return_sequences=True), [rand(2, 3, 2)], {}),
    "simple_rnn_last": (lambda: L.SimpleRNN(3, activation="relu", go_backwards=True), [rand(2, 3, 2)], {}),
    "lstm_sequences": (lambda: L.LSTM(3, return_sequences=True), [rand(2, 3, 2)], {}),
    "lstm_state_c": (lambda: L.LSTM(2, return_state=True), [rand(2, 3, 2)], {"pick": 2}),
    "concatenate": (lambda: L.Concatenate(), [rand(2, 3), rand(2, 2)], {}),
    "concatenate_axis1": (lambda: L.Concatenate(axis=1), [rand(2, 1, 3), rand(2, 2, 3)], {}),
    "add": (lambda: L.Add(), [rand(2, 3), rand(2, 3, seed=1), rand(2, 3, seed=2)], {}),
    "subtract": (lambda: L.Subtract(), [rand(2, 3), rand(2, 3, seed=1)], {}),
    "multiply": (lambda: L.Multiply(), [rand(2, 3), rand(2, 3, seed=1)], {}),
    "average": (lambda: L.Average(), [rand(2, 3), rand(2, 3, seed=1)], {}),
    "maximum": (lambda: L.Maximum(), [rand(2, 3), rand(2, 3, seed=1)], {}),
    "minimum": (lambda: L.Minimum(), [rand(2, 3), rand(2, 3, seed=1)], {}),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradcheck_inputs_and_weights(case):
    make, inputs, kwargs = GRAD_CASES[case]
    check_layer(make(), inputs, **kwargs)


def test_gradcheck_normalization_inputs():
    layer = L.Normalization()
    layer.adapt(rand(10, 3) * 3 + 2)
    check_layer(layer, rand(4, 3))


def test_gradcheck_embedding_weights():
    layer = L.Embedding(5, 3)
    ids = np.array([[0, 4, 4], [2, 1, 0]])  # repeated ids: the gradient must add up
    check_layer(layer, ids, grad_inputs=False)


# -- BatchNormalization ------------------------------------------------------------------------

def test_batchnorm_moving_statistics_follow_keras_rule_over_three_steps():
    bn = L.BatchNormalization(momentum=0.9, epsilon=1e-3)
    batches = [rand(8, 3, seed=s) * (s + 1) + s for s in range(3)]
    bn(batches[0][:1])  # build
    gamma, beta = rand(3, seed=10), rand(3, seed=11)
    bn.set_weights([gamma, beta, np.zeros(3), np.ones(3)])
    mean, var = np.zeros(3), np.ones(3)
    for x in batches:
        y = bn(x, training=True).numpy()
        mu, sigma2 = x.mean(0), x.var(0)  # biased variance, as Keras
        np.testing.assert_allclose(y, (x - mu) / np.sqrt(sigma2 + 1e-3) * gamma + beta, atol=1e-12)
        mean, var = 0.9 * mean + 0.1 * mu, 0.9 * var + 0.1 * sigma2
        np.testing.assert_allclose(bn.moving_mean, mean, atol=1e-12)
        np.testing.assert_allclose(bn.moving_variance, var, atol=1e-12)
    x = rand(5, 3, seed=20)
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma + beta
    for training in (False, None):  # inference uses the moving statistics and leaves them alone
        np.testing.assert_allclose(bn(x, training=training).numpy(), expected, atol=1e-12)
        np.testing.assert_allclose(bn.moving_mean, mean, atol=1e-12)


def test_batchnorm_images_and_other_axis_match_numpy():
    x = rand(2, 3, 4, 5)
    bn = L.BatchNormalization(momentum=0.0)  # moving stats = the last batch's
    bn(x, training=True)
    np.testing.assert_allclose(bn.moving_mean, x.mean((0, 1, 2)), atol=1e-12)
    np.testing.assert_allclose(bn.moving_variance, x.var((0, 1, 2)), atol=1e-12)
    bn1 = L.BatchNormalization(axis=1, momentum=0.0, epsilon=1e-5)
    y = bn1(x, training=True).numpy()
    mu, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-5), atol=1e-12)
    np.testing.assert_allclose(bn1.moving_mean, mu.ravel(), atol=1e-12)


def test_batchnorm_weights_counts_and_frozen_layer():
    bn = L.BatchNormalization()
    bn(rand(4, 3))
    assert bn.count_params() == 12  # gamma, beta, moving_mean, moving_variance (as Keras)
    assert [p.name.split("/")[-1] for p in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.shape for w in bn.get_weights()] == [(3,)] * 4
    bn.trainable = False  # Keras: a frozen BatchNormalization runs in inference mode
    x = rand(4, 3, seed=3)
    np.testing.assert_allclose(bn(x, training=True).numpy(), x / np.sqrt(1 + 1e-3), atol=1e-12)
    np.testing.assert_array_equal(bn.moving_mean, np.zeros(3))


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="momentum"):
        L.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        L.BatchNormalization(epsilon=0)
    bn = L.BatchNormalization()
    bn(rand(4, 3))
    with pytest.raises(ShapeError, match="3 features"):
        bn(rand(4, 5))
    with pytest.raises(ValueError, match="axis 0"):
        L.BatchNormalization(axis=0)(rand(4, 3))


# -- Normalization and LayerNormalization ------------------------------------------------------

@pytest.mark.parametrize("axis, shape, reduce", [
    (-1, (50, 3), (0,)), (-1, (20, 4, 3), (0, 1)), (None, (20, 3), (0, 1)), ((1, 2), (10, 2, 3), (0,)),
])
def test_normalization_adapt_matches_numpy(axis, shape, reduce):
    data = rand(*shape) * np.arange(1, shape[-1] + 1) + 5
    layer = L.Normalization(axis=axis)
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean, data.mean(axis=reduce), atol=1e-12)
    np.testing.assert_allclose(layer.variance, data.var(axis=reduce), atol=1e-12)
    x = rand(*shape, seed=1)
    mean, var = data.mean(axis=reduce, keepdims=True), data.var(axis=reduce, keepdims=True)
    np.testing.assert_allclose(layer(x).numpy(), (x - mean) / np.sqrt(var), atol=1e-12)
    inverse = L.Normalization(axis=axis, invert=True)
    inverse.adapt(data)
    np.testing.assert_allclose(inverse(layer(x)).numpy(), x, atol=1e-12)


def test_normalization_state_is_saved_and_fixed_statistics_work():
    data = rand(30, 3) * 4 - 1
    layer = L.Normalization()
    layer.adapt(data)
    assert layer.count_params() == 7  # mean, variance, count: Keras's non-trainable weights
    assert layer.trainable_weights == []
    copy = L.Normalization.from_config(json.loads(json.dumps(layer.get_config())))
    copy(L.Input(shape=(3,)))  # builds the layer (symbolic call: no statistics needed)
    copy.set_weights(layer.get_weights())
    x = rand(5, 3, seed=2)
    np.testing.assert_allclose(copy(x).numpy(), layer(x).numpy())
    fixed = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.0])
    expected = (x - [1, 2, 3]) / np.maximum(np.sqrt([4.0, 1.0, 0.0]), 1e-7)  # Keras floors √var
    np.testing.assert_allclose(fixed(x).numpy(), expected)
    again = L.Normalization.from_config(json.loads(json.dumps(fixed.get_config())))
    np.testing.assert_allclose(again(x).numpy(), expected)


def test_normalization_errors():
    layer = L.Normalization()
    with pytest.raises(RuntimeError, match="adapt"):
        layer(rand(2, 3))
    assert L.Normalization()(L.Input(shape=(3,))).shape == (None, 3)  # symbolic use before adapt is fine
    layer.adapt(rand(10, 3))
    with pytest.raises(ShapeError, match=r"\(None, 3\)"):
        layer(rand(2, 4))
    with pytest.raises(ShapeError, match="adapt"):
        layer.adapt(rand(10, 4))
    with pytest.raises(ValueError, match="both mean= and variance="):
        L.Normalization(mean=[0.0])
    with pytest.raises(ValueError, match="numeric"):
        L.Normalization().adapt(np.array(["a", "b"]))


def test_layernorm_matches_numpy():
    x = rand(3, 4, 5)
    layer = L.LayerNormalization(epsilon=1e-3)
    layer(x)
    gamma, beta = rand(5, seed=1), rand(5, seed=2)
    layer.set_weights([gamma, beta])
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(layer(x).numpy(), (x - mu) / np.sqrt(var + 1e-3) * gamma + beta, atol=1e-12)


# -- Embedding -------------------------------------------------------------------------------

def test_embedding_lookup_gradient_and_initialiser():
    layer = L.Embedding(10, 4)
    ids = np.array([[1, 2, 2], [9, 0, 1]])
    out = layer(ids)
    table = layer.embeddings.numpy()
    assert np.abs(table).max() <= 0.05  # Keras's RandomUniform(-0.05, 0.05)
    np.testing.assert_array_equal(out.numpy(), table[ids])
    g = rand(2, 3, 4)
    out.backward(g)
    expected = np.zeros_like(table)
    np.add.at(expected, ids, g)
    np.testing.assert_allclose(layer.embeddings.grad.numpy(), expected)
    assert layer.count_params() == 40


def test_embedding_errors():
    with pytest.raises(ValueError, match="output_dim"):
        L.Embedding(10, 0)
    with pytest.raises(TypeError, match="mask_zero"):  # masking itself: tests/keras/test_masking.py
        L.Embedding(10, 3, mask_zero="yes")
    with pytest.raises(IndexError, match=r"\[0, 10\)"):
        L.Embedding(10, 3)(np.array([[3, 10]]))
    with pytest.raises(TypeError, match="integer"):
        L.Embedding(10, 3)(np.array([[0.5]]))


# -- merge layers ------------------------------------------------------------------------------

def test_merge_forward_matches_numpy():
    a, b, c = rand(2, 3), rand(2, 3, seed=1), rand(2, 3, seed=2)
    cases = {L.Add: a + b + c, L.Multiply: a * b * c, L.Average: (a + b + c) / 3,
             L.Maximum: np.maximum(np.maximum(a, b), c), L.Minimum: np.minimum(np.minimum(a, b), c)}
    for cls, expected in cases.items():
        np.testing.assert_allclose(cls()([a, b, c]).numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(L.Subtract()([a, b]).numpy(), a - b)
    np.testing.assert_array_equal(L.Concatenate()([a, rand(2, 2)]).numpy(), np.c_[a, rand(2, 2)])
    np.testing.assert_array_equal(L.concatenate([a, b], axis=0).numpy(), np.r_[a, b])
    np.testing.assert_allclose(L.add([a, rand(2, 1)]).numpy(), a + rand(2, 1))  # size 1 broadcasts


def test_merge_shape_errors():
    a, b = rand(2, 3), rand(2, 4)
    with pytest.raises(ShapeError, match=r"same shape.*\(None, 3\), \(None, 4\)"):
        L.Add()([a, b])
    with pytest.raises(ShapeError, match="batch size"):
        L.Multiply()([a, rand(5, 3)])
    with pytest.raises(ShapeError, match="except on axis -1"):
        L.Concatenate()([rand(2, 3, 4), rand(2, 2, 4)])
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        L.Subtract()([a, a, a])
    with pytest.raises(TypeError, match="list of tensors"):
        L.Add()(a)
    with pytest.raises(ShapeError, match="same shape"):
        L.Add()([L.Input(shape=(3,)), L.Input(shape=(4,))])


# -- configuration round trip and symbolic (functional API) use -----------------------------

CONFIG_CASES = [
    (lambda: L.BatchNormalization(axis=1, momentum=0.8, epsilon=1e-4, center=False), (2, 3, 4)),
    (lambda: L.LayerNormalization(axis=[1, 2], epsilon=1e-5), (2, 3, 4)),
    (lambda: L.SimpleRNN(3, activation="relu", return_sequences=True, go_backwards=True,
                         kernel_regularizer="l2"), (2, 3, 4)),
    (lambda: L.LSTM(3, recurrent_activation="tanh", unit_forget_bias=False,
                    return_state=True, dropout=0.1), (2, 3, 4)),
    (lambda: L.Embedding(7, 3, embeddings_initializer="normal"), None),
    (lambda: L.Concatenate(axis=1), None),
    (lambda: L.Subtract(), None),
]


@pytest.mark.parametrize("index", range(len(CONFIG_CASES)))
def test_get_config_round_trip(index):
    make, shape = CONFIG_CASES[index]
    layer = make()
    config = json.loads(json.dumps(layer.get_config()))  # JSON-able
    copy = type(layer).from_config(config)
    assert copy.get_config() == layer.get_config()
    if shape is None:
        return
    x = rand(*shape)
    out = layer(x)
    copy(x)
    copy.set_weights(layer.get_weights())
    for got, want in zip(*(o if isinstance(o, list) else [o] for o in (copy(x), out))):
        np.testing.assert_allclose(got.numpy(), want.numpy())


def test_symbolic_calls_give_keras_output_shapes():
    seq = L.Input(shape=(7, 4))
    assert L.SimpleRNN(5)(seq).shape == (None, 5)
    assert L.LSTM(5, return_sequences=True)(seq).shape == (None, 7, 5)
    assert L.BatchNormalization()(seq).shape == (None, 7, 4)
    assert L.LayerNormalization()(seq).shape == (None, 7, 4)
    ids = L.Input(shape=(6,), dtype="int64")
    embedded = L.Embedding(20, 3)(ids)
    assert embedded.shape == (None, 6, 3)
    assert L.LSTM(2)(embedded).shape == (None, 2)
    a, b = L.Input(shape=(3,)), L.Input(shape=(5,))
    assert L.Concatenate()([a, b]).shape == (None, 8)
    assert L.Add()([a, a]).shape == L.Subtract()([a, a]).shape == L.Average()([a, a]).shape == (None, 3)
    assert L.concatenate([L.Input(shape=(2, 3)), L.Input(shape=(4, 3))], axis=1).shape == (None, 6, 3)
    assert L.Embedding(10, 4, input_length=8).batch_input_shape == (None, 8)
