"""``linear_relu`` (nn ``Linear, ReLU`` in ``Sequential``, Keras ``Dense(activation="relu")``)
is one autograd node with the values and gradients of ``relu(linear(x))``.

References: the two unfused ops, plain NumPy and central finite differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import functional as F
from minidl import nn
from minidl.errors import ShapeError
from minidl.gradcheck import gradcheck
from minidl.keras import layers, models
from minidl.ops.linalg import Linear, linear_relu


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7, 5), (5,), (2, 3, 5), (300, 5)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_values_and_gradients_equal_the_two_ops(dtype, shape, with_bias):
    rng = np.random.default_rng(len(shape))
    x = mdl.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)
    w = mdl.tensor(rng.standard_normal((5, 4)), dtype=dtype, requires_grad=True)
    b = mdl.tensor(rng.standard_normal(4), dtype=dtype, requires_grad=True) if with_bias else None
    fused, plain = linear_relu(x, w, b), F.relu(F.linear(x, w, b))
    assert fused.dtype == dtype and fused.shape == plain.shape
    np.testing.assert_array_equal(fused.numpy(), plain.numpy())
    want = np.maximum(x.numpy() @ w.numpy() + (b.numpy() if with_bias else 0), 0)
    np.testing.assert_allclose(fused.numpy(), want, rtol=1e-6 if dtype == np.float32 else 1e-12)
    g = rng.standard_normal(fused.shape).astype(dtype)
    grads = []
    for out in (fused, plain):
        x.grad = w.grad = None
        if b is not None:
            b.grad = None
        (out * mdl.tensor(g, dtype=dtype)).sum().backward()
        grads.append([t.grad.numpy().copy() for t in (x, w, b) if t is not None])
    for a, e in zip(grads[0][:2], grads[1][:2]):  # dx, dW: the same masked G, the same products
        np.testing.assert_array_equal(a, e)
    if with_bias:  # the fused node sums the bias gradient in float64: compare with the exact sum
        masked = np.where(want > 0, g.astype(np.float64), 0).reshape(-1, 4)
        tol = 1e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(grads[0][2], masked.sum(axis=0), rtol=tol, atol=tol * len(masked))


def test_gradients_against_finite_differences():
    rng = np.random.default_rng(5)
    x = mdl.tensor(rng.standard_normal((6, 3)), requires_grad=True)
    w = mdl.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = mdl.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(linear_relu, x, w, b)


def test_nan_passes_and_bad_shapes_are_named():
    x = mdl.tensor(np.array([[np.nan, 1.0]]))
    w = mdl.tensor(np.ones((2, 3)))
    assert np.isnan(linear_relu(x, w).numpy()).all()
    with pytest.raises(ShapeError, match="last dimension 2"):
        linear_relu(mdl.tensor(np.ones((4, 3))), w)
    with pytest.raises(ShapeError, match=r"bias must have shape \(3,\)"):
        linear_relu(mdl.tensor(np.ones((4, 2))), w, mdl.tensor(np.ones(2)))


def test_nn_sequential_runs_linear_relu_as_one_node():
    mdl.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
    x = mdl.tensor(np.random.default_rng(0).standard_normal((4, 6)))
    y = net(x)
    hidden = y.creator.inputs[0]  # the input of the last Linear: the fused node's output
    assert type(hidden.creator) is Linear and hidden.creator.relu
    by_hand = x
    for m in net:
        by_hand = m(by_hand)
    np.testing.assert_array_equal(y.numpy(), by_hand.numpy())
    y.sum().backward()
    fused_grads = [p.grad.numpy().copy() for p in net.parameters()]
    net.zero_grad()
    by_hand.sum().backward()
    for a, e in zip(fused_grads, [p.grad.numpy() for p in net.parameters()]):
        np.testing.assert_array_equal(a, e)


def test_keras_dense_relu_is_one_node_with_the_same_values():
    mdl.manual_seed(1)
    model = models.Sequential([layers.Input((6,)), layers.Dense(5, activation="relu"), layers.Dense(2)])
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    kernel, bias = (np.asarray(a) for a in model.layers[0].get_weights())
    want = np.maximum(x @ kernel + bias, 0) @ model.layers[1].get_weights()[0] + model.layers[1].get_weights()[1]
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    y = model.layers[0](mdl.tensor(x))
    assert type(y.creator) is Linear and y.creator.relu
