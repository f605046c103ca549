"""Fused convolution paths give the values and gradients of the separate ops.

* ``conv2d_relu`` (Keras ``Conv2D(activation="relu")``) is one autograd node;
* ``conv2d_maxpool`` is one kernel call in inference and the ordinary nodes when
  a graph is recorded; Keras and nn ``Sequential`` use it for Conv -> [ReLU] -> MaxPool.

References: the composition of the unfused ops, plain NumPy loops and central
finite differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minidl as mdl
from minidl import functional as F
from minidl import nn
from minidl.gradcheck import gradcheck
from minidl.keras import layers, models
from minidl.ops.conv import conv2d_maxpool, conv2d_relu


def numpy_conv_relu_pool(x, w, b, stride, relu, pool, pool_stride):
    """Plain loops: valid convolution, bias, optional ReLU, valid max pooling."""
    n, h, wd, _ = x.shape
    kh, kw, _, o = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, oh, ow, o))
    for p in range(oh):
        for q in range(ow):
            patch = x[:, p * stride : p * stride + kh, q * stride : q * stride + kw, :]
            y[:, p, q, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2])) + (0 if b is None else b)
    if relu:
        y = np.maximum(y, 0)
    ph, pw = (oh - pool) // pool_stride + 1, (ow - pool) // pool_stride + 1
    out = np.empty((n, ph, pw, o))
    for p in range(ph):
        for q in range(pw):
            win = y[:, p * pool_stride : p * pool_stride + pool, q * pool_stride : q * pool_stride + pool, :]
            out[:, p, q, :] = win.max(axis=(1, 2))
    return out


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3), h=st.integers(5, 12), c=st.integers(1, 4), o=st.integers(1, 5),
    k=st.integers(1, 3), stride=st.integers(1, 2), pool=st.integers(1, 3), pool_stride=st.integers(1, 3),
    relu=st.booleans(), bias=st.booleans(), dtype=st.sampled_from([np.float32, np.float64]),
)
def test_fused_inference_matches_numpy_loops(n, h, c, o, k, stride, pool, pool_stride, relu, bias, dtype):
    rng = np.random.default_rng(h * 7 + c)
    x = rng.standard_normal((n, h, h + 1, c)).astype(dtype)
    w = rng.standard_normal((k, k, c, o)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if bias else None
    oh = (h - k) // stride + 1
    if oh < pool:
        return
    want = numpy_conv_relu_pool(x.astype(np.float64), w, b, stride, relu, pool, pool_stride)
    xt, wt = mdl.tensor(x, dtype=dtype), mdl.tensor(w, dtype=dtype)
    bt = None if b is None else mdl.tensor(b, dtype=dtype)
    with mdl.no_grad():
        got = conv2d_maxpool(xt, wt, bt, stride, "valid", relu, pool, pool_stride)
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol * 10)


def test_fused_inference_with_same_padding_and_nan():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 9, 3))
    x[0, 4, 4, 1] = np.nan
    w, b = mdl.tensor(rng.standard_normal((3, 3, 3, 4))), mdl.tensor(rng.standard_normal(4))
    want = F.max_pool2d(F.relu(F.conv2d(x, w, b, 2, "same")), 2).numpy()
    with mdl.no_grad():
        got = conv2d_maxpool(x, w, b, 2, "same", True, 2).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(got).any()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_fused_paths_record_the_ordinary_gradient():
    rng = np.random.default_rng(1)
    x = mdl.tensor(rng.standard_normal((2, 7, 6, 2)), requires_grad=True)
    w = mdl.tensor(rng.standard_normal((2, 3, 2, 3)), requires_grad=True)
    b = mdl.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: conv2d_relu(x, w, b, 1, "same"), x, w, b)
    assert gradcheck(lambda x, w, b: conv2d_maxpool(x, w, b, 1, "valid", True, 2), x, w, b)
    y = conv2d_relu(x, w, b, (2, 1), 1)
    z = F.relu(F.conv2d(x, w, b, (2, 1), 1))
    np.testing.assert_array_equal(y.numpy(), z.numpy())
    g = rng.standard_normal(y.shape)
    grads = []
    for out in (y, z):
        x.grad = w.grad = b.grad = None
        (out * mdl.tensor(g)).sum().backward()
        grads.append([t.grad.numpy().copy() for t in (x, w, b)])
    for a, e in zip(*grads):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_fused_inference_rejects_a_pool_larger_than_the_conv_output():
    x, w = mdl.tensor(np.ones((1, 4, 4, 1))), mdl.tensor(np.ones((3, 3, 1, 2)))
    with mdl.no_grad(), pytest.raises(ValueError, match="does not fit"):
        conv2d_maxpool(x, w, None, 1, "valid", True, 3)
    with pytest.raises(ValueError, match="does not fit"):
        conv2d_maxpool(x, w, None, 1, "valid", True, 3)


@pytest.mark.parametrize("activation, pool_padding", [("relu", "valid"), (None, "valid"),
                                                      ("tanh", "valid"), ("relu", "same")])
def test_keras_predict_equals_the_layer_by_layer_graph(activation, pool_padding):
    mdl.manual_seed(3)
    model = models.Sequential([
        layers.Input((13, 12, 2)),
        layers.Conv2D(4, 3, activation=activation), layers.MaxPooling2D(2, padding=pool_padding),
        layers.Conv2D(5, 2, strides=2, activation="relu", padding="same"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(3),
    ])
    x = np.random.default_rng(4).standard_normal((37, 13, 12, 2)).astype(np.float32)
    fused = model.predict(x, batch_size=16, verbose=0)
    graph = model(mdl.tensor(x)).numpy()  # grad mode on: the ordinary nodes, layer by layer
    np.testing.assert_allclose(fused, graph, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("with_relu", [True, False])
def test_nn_sequential_inference_equals_training_mode_graph(with_relu):
    mdl.manual_seed(5)
    middle = [nn.ReLU()] if with_relu else []
    net = nn.Sequential(nn.Conv2d(2, 4, 3), *middle, nn.MaxPool2d(2), nn.Conv2d(4, 3, 2),
                        nn.Tanh(), nn.MaxPool2d(2), nn.Flatten())
    x = np.random.default_rng(6).standard_normal((5, 12, 12, 2)).astype(np.float32)
    graph = net(mdl.tensor(x)).numpy()
    with mdl.no_grad():
        fused = net(mdl.tensor(x)).numpy()
    np.testing.assert_allclose(fused, graph, rtol=1e-5, atol=1e-6)


def test_nn_sequential_training_runs_conv_relu_as_one_node_with_the_same_gradients():
    mdl.manual_seed(8)
    conv = nn.Conv2d(2, 3, 3, padding=1)
    net = nn.Sequential(conv, nn.ReLU(), nn.Flatten())
    x = np.random.default_rng(9).standard_normal((4, 5, 5, 2)).astype(np.float32)
    y = net(mdl.tensor(x))
    assert type(y.creator.inputs[0].creator).__name__ == "Conv2d"  # Flatten <- fused Conv2d+ReLU
    assert y.creator.inputs[0].creator.relu
    y.sum().backward()
    fused = [conv.weight.grad.numpy().copy(), conv.bias.grad.numpy().copy()]
    conv.weight.grad = conv.bias.grad = None
    F.relu(F.conv2d(mdl.tensor(x), conv.weight, conv.bias, 1, 1)).sum().backward()
    np.testing.assert_allclose(fused[0], conv.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fused[1], conv.bias.grad.numpy(), rtol=1e-6, atol=1e-6)
