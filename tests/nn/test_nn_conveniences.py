"""PyTorch conveniences of ``minidl.nn`` / ``minidl.functional``: LayerNorm, Unflatten,
LogSoftmax, one_hot, pad and Conv2d's tuple padding.  Values against plain NumPy float64,
gradients by finite differences, PyTorch where installed, and the errors of misuse.
(``F.layer_norm``, ``F.pad`` and tuple-padded ``F.conv2d`` are in the op table too.)"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import InvalidIndexError, ShapeError, nn

RNG = np.random.default_rng(5)
X = RNG.standard_normal((2, 3, 4, 5))


def _layer_norm(x, axes, eps=1e-5):
    return (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)


@pytest.mark.parametrize("shape", [5, (5,), [4, 5], (3, 4, 5)])
def test_layer_norm_normalises_the_last_axes(shape):
    dims = 1 if isinstance(shape, int) else len(shape)
    layer = nn.LayerNorm(shape, eps=1e-3)
    layer.weight.data[...] = RNG.standard_normal(layer.weight.shape)
    layer.bias.data[...] = RNG.standard_normal(layer.bias.shape)
    x = mdl.tensor(X, dtype="float64", requires_grad=True)
    expected = _layer_norm(X, tuple(range(4 - dims, 4)), 1e-3) * layer.weight.numpy() + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)  # float32 parameters
    assert layer.weight.shape == layer.bias.shape == X.shape[4 - dims:]


def test_layer_norm_gradients_and_options():
    w = mdl.tensor(RNG.standard_normal((4, 5)), dtype="float64", requires_grad=True)
    b = mdl.tensor(RNG.standard_normal((4, 5)), dtype="float64", requires_grad=True)
    x = mdl.tensor(X, dtype="float64", requires_grad=True)
    assert mdl.gradcheck(lambda x, w, b: F.layer_norm(x, (4, 5), w, b, eps=1e-2) ** 2, x, w, b)
    plain = nn.LayerNorm(5, elementwise_affine=False)
    assert list(plain.parameters()) == [] and plain.weight is None
    np.testing.assert_allclose(plain(mdl.tensor(X, dtype="float64")).numpy(), _layer_norm(X, (3,)), rtol=1e-10)
    no_bias = nn.LayerNorm(5, bias=False)
    assert [name for name, _ in no_bias.named_parameters()] == ["weight"]
    assert repr(nn.LayerNorm((4, 5))) == "LayerNorm((4, 5), eps=1e-05, elementwise_affine=True, bias=True)"
    layer = nn.LayerNorm(5)
    assert np.array_equal(layer.train()(mdl.tensor(X)).numpy(), layer.eval()(mdl.tensor(X)).numpy())


def test_layer_norm_errors():
    with pytest.raises(ShapeError, match=r"last 2 dimension\(s\) are \(3, 5\), got shape \(2, 3, 4, 5\)"):
        nn.LayerNorm((3, 5))(mdl.tensor(X))
    for bad in (0, (), (2, -1), 2.5, "5"):
        with pytest.raises(ValueError, match="normalized_shape must be"):
            nn.LayerNorm(bad)
    with pytest.raises(ValueError, match="eps must be a positive number"):
        nn.LayerNorm(5, eps=0)


def test_layer_norm_matches_pytorch(torch):
    w, b = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    g = RNG.standard_normal(X.shape)
    x = mdl.tensor(X, dtype="float64", requires_grad=True)
    ours = F.layer_norm(x, (4, 5), mdl.tensor(w, dtype="float64"), mdl.tensor(b, dtype="float64"))
    ours.backward(g)
    tx = torch.tensor(X, requires_grad=True)
    theirs = torch.nn.functional.layer_norm(tx, (4, 5), torch.tensor(w), torch.tensor(b))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_unflatten():
    x = mdl.tensor(RNG.standard_normal((2, 12)))
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4)
    assert nn.Unflatten(-1, (2, -1, 3))(x).shape == (2, 2, 2, 3)
    assert nn.Unflatten(0, (1, 2))(x).shape == (1, 2, 12)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4))(x).numpy(), x.numpy().reshape(2, 3, 4))
    round_trip = nn.Sequential(nn.Unflatten(1, (3, 4)), nn.Flatten())
    np.testing.assert_array_equal(round_trip(x).numpy(), x.numpy())
    assert repr(nn.Unflatten(1, (3, 4))) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    with pytest.raises(ShapeError, match=r"cannot split axis 1 of size 12 .* into \(5, 2\)"):
        nn.Unflatten(1, (5, 2))(x)
    with pytest.raises(ValueError, match="dim 2 is out of range"):
        nn.Unflatten(2, (3, 4))(x)
    for bad in ((), (0, 3), (-1, -1), 12, (2.0, 6)):
        with pytest.raises(ValueError, match="unflattened_size must be"):
            nn.Unflatten(1, bad)


def test_log_softmax_module():
    z = RNG.standard_normal((3, 4))
    out = nn.LogSoftmax(dim=1)(mdl.tensor(z, dtype="float64")).numpy()
    np.testing.assert_allclose(np.exp(out).sum(1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(out, z - np.log(np.exp(z).sum(1, keepdims=True)), rtol=1e-12)


def test_one_hot():
    out = F.one_hot(np.array([[0, 2], [1, 2]]), num_classes=4)
    assert out.dtype == np.int64 and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[[[0, 2], [1, 2]]])
    assert F.one_hot(mdl.tensor([1, 0, 3])).shape == (3, 4)  # num_classes=-1: max + 1
    with pytest.raises(InvalidIndexError, match="labels >= 0, got -1"):
        F.one_hot(np.array([0, -1]))
    with pytest.raises(InvalidIndexError, match=r"label 3 is out of range: expected labels in \[0, 3\)"):
        F.one_hot(np.array([0, 3]), 3)
    with pytest.raises(TypeError, match="integer labels, got dtype float64"):
        F.one_hot(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="num_classes must be a positive int or -1"):
        F.one_hot(np.array([0]), 0)


def test_one_hot_matches_pytorch(torch):
    labels = np.array([[3, 0, 1], [1, 1, 4]])
    np.testing.assert_array_equal(F.one_hot(labels).numpy(), torch.nn.functional.one_hot(torch.tensor(labels)).numpy())


def test_pad_gradient_sums_the_copies():
    """Reflect and circular copy border elements; each copy's gradient comes back to its source."""
    x = mdl.tensor(np.arange(4.0), dtype="float64", requires_grad=True)
    F.pad(x, (2, 1), mode="reflect").sum().backward()  # [2, 1, 0, 1, 2, 3, 2]
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2, 3, 1])
    y = mdl.tensor(X[0], dtype="float64", requires_grad=True)
    for mode in ("constant", "reflect", "replicate", "circular"):
        assert mdl.gradcheck(lambda t, m=mode: F.pad(t, (1, 2, 2, 1), mode=m) ** 2, y)


def test_pad_errors():
    x = mdl.tensor(X)
    with pytest.raises(TypeError, match="pad must be a tuple of ints"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="pads 5 axes, but the input has shape"):
        F.pad(x, (1,) * 10)
    with pytest.raises(ValueError, match="non-negative"):
        F.pad(x, (-1, 1))
    with pytest.raises(ValueError, match="pad mode must be"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match=r"reflect padding of \(5, 0\) on axis 3 needs widths smaller than"):
        F.pad(x, (5, 0), mode="reflect")


def test_conv2d_module_tuple_padding():
    conv = nn.Conv2d(5, 2, kernel_size=3, padding=(1, 0))
    assert conv.padding == (1, 0) and "padding=(1, 0)" in repr(conv)
    x = mdl.tensor(X, dtype="float64", requires_grad=True)
    w = mdl.tensor(conv.weight.numpy(), dtype="float64", requires_grad=True)
    out = F.conv2d(x, w, padding=(1, 0))
    assert out.shape == (2, 3, 2, 2) == conv(mdl.tensor(X)).shape
    np.testing.assert_allclose(out.numpy(), F.conv2d(mdl.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0))), w).numpy(),
                               rtol=1e-12)
    assert mdl.gradcheck(lambda x, w: F.conv2d(x, w, padding=(0, 2), stride=(2, 1)), x, w)
    with mdl.no_grad():  # inference runs Conv2d, ReLU, MaxPool2d fused; tuple padding goes through it
        fused = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2))(mdl.tensor(X))
    plain = F.max_pool2d(F.relu(conv(mdl.tensor(X))), 2)
    np.testing.assert_allclose(fused.numpy(), plain.numpy(), rtol=1e-5, atol=1e-6)
    for bad in ((1,), (1, -1), (1.0, 1), (1, 2, 3)):
        with pytest.raises(ValueError, match="padding must be"):
            nn.Conv2d(5, 2, 3, padding=bad)
        with pytest.raises(ValueError, match="padding must be"):
            F.conv2d(x, w, padding=bad)
    with pytest.raises(ValueError, match="does not fit"):
        F.conv2d(mdl.tensor(X[:, :1, :1]), w, padding=(0, 1))
