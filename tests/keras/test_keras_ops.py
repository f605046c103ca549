"""keras.ops: each function against NumPy (float64), gradients through a custom layer
written with ops, as Keras 3's custom-layer examples write them."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.keras import ops

RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 3))
B = RNG.normal(size=(2, 3))
P = np.abs(A) + 0.5


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


CASES = [  # (name, call, NumPy reference)
    ("add", lambda: ops.add(A, B), A + B),
    ("subtract", lambda: ops.subtract(A, B), A - B),
    ("multiply", lambda: ops.multiply(A, B), A * B),
    ("divide", lambda: ops.divide(A, P), A / P),
    ("power", lambda: ops.power(P, 2.5), P ** 2.5),
    ("negative", lambda: ops.negative(A), -A),
    ("square", lambda: ops.square(A), A ** 2),
    ("sqrt", lambda: ops.sqrt(P), np.sqrt(P)),
    ("exp", lambda: ops.exp(A), np.exp(A)),
    ("log", lambda: ops.log(P), np.log(P)),
    ("abs", lambda: ops.abs(A), np.abs(A)),
    ("tanh", lambda: ops.tanh(A), np.tanh(A)),
    ("sigmoid", lambda: ops.sigmoid(A), 1 / (1 + np.exp(-A))),
    ("relu", lambda: ops.relu(A), np.maximum(A, 0)),
    ("softmax", lambda: ops.softmax(A, axis=0), softmax(A, axis=0)),
    ("log_softmax", lambda: ops.log_softmax(A), np.log(softmax(A))),
    ("maximum", lambda: ops.maximum(A, B), np.maximum(A, B)),
    ("minimum", lambda: ops.minimum(A, 0.1), np.minimum(A, 0.1)),
    ("clip", lambda: ops.clip(A, -0.5, 0.5), np.clip(A, -0.5, 0.5)),
    ("where", lambda: ops.where(A > 0, A, B), np.where(A > 0, A, B)),
    ("sum", lambda: ops.sum(A, axis=1), A.sum(axis=1)),
    ("mean keepdims", lambda: ops.mean(A, axis=0, keepdims=True), A.mean(axis=0, keepdims=True)),
    ("max", lambda: ops.max(A, axis=-1), A.max(axis=-1)),
    ("min", lambda: ops.min(A), A.min()),
    ("var", lambda: ops.var(A, axis=1), A.var(axis=1)),
    ("std", lambda: ops.std(A), A.std()),
    ("argmax", lambda: ops.argmax(A, axis=1), A.argmax(axis=1)),
    ("argmin", lambda: ops.argmin(A, axis=0), A.argmin(axis=0)),
    ("matmul", lambda: ops.matmul(A, B.T), A @ B.T),
    ("dot", lambda: ops.dot(A.T, B), A.T @ B),
    ("reshape", lambda: ops.reshape(A, (3, -1)), A.reshape(3, -1)),
    ("transpose", lambda: ops.transpose(A), A.T),
    ("transpose axes", lambda: ops.transpose(A[None], axes=(1, 0, 2)), A[None].transpose(1, 0, 2)),
    ("expand_dims", lambda: ops.expand_dims(A, 1), A[:, None]),
    ("squeeze", lambda: ops.squeeze(A[None]), A),
    ("concatenate", lambda: ops.concatenate([A, B], axis=1), np.concatenate([A, B], axis=1)),
    ("stack", lambda: ops.stack([A, B], axis=-1), np.stack([A, B], axis=-1)),
    ("one_hot", lambda: ops.one_hot(np.array([0, 2, 1]), 3), np.eye(3)[[0, 2, 1]]),
    ("zeros_like", lambda: ops.zeros_like(A), np.zeros_like(A)),
    ("ones", lambda: ops.ones((2, 2)), np.ones((2, 2))),
    ("arange", lambda: ops.arange(1, 7, 2), np.arange(1, 7, 2)),
]


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_op_matches_numpy(name, call, expected):
    got = ops.convert_to_numpy(call())
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-6, err_msg=name)


def test_dtypes_follow_minidl_tensor_and_cast():
    assert ops.convert_to_tensor(A).dtype == np.float32  # floats become the default float32
    assert ops.convert_to_tensor(A, dtype="float64").dtype == np.float64
    assert ops.cast(A, "int32").dtype == np.int32
    assert ops.shape(A) == (2, 3)
    with pytest.raises(AttributeError, match="keras.ops.einsum is not in minidl's keras.ops"):
        ops.einsum  # noqa: B018


def test_gradients_flow_through_a_custom_layer_written_with_ops():
    class Linear(keras.layers.Layer):
        def __init__(self, units: int) -> None:
            super().__init__()
            self.units = units

        def build(self, input_shape) -> None:
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

        def call(self, inputs):
            return ops.softmax(ops.tanh(ops.matmul(inputs, self.w) + self.b))

    layer = Linear(3)
    x = np.random.default_rng(1).normal(size=(4, 2))
    layer(x.astype("float32"))
    w, b = mdl.tensor(layer.w.numpy(), dtype="float64", requires_grad=True), mdl.tensor(
        np.linspace(-0.2, 0.2, 3), dtype="float64", requires_grad=True)
    weights = np.arange(12.0).reshape(4, 3)

    def loss(w, b):
        y = ops.softmax(ops.tanh(ops.matmul(mdl.tensor(x, dtype="float64"), w) + b))
        return ops.sum(ops.multiply(y, weights))

    assert mdl.gradcheck(loss, w, b)
    model = keras.Sequential([keras.Input((2,)), layer])
    model.compile("sgd", "mse")
    before = layer.w.numpy().copy()
    model.fit(x.astype("float32"), np.zeros((4, 3), "float32"), verbose=0)
    assert not np.array_equal(before, layer.w.numpy())
