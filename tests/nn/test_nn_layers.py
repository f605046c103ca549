"""PyTorch-style layers: gradients in float64, reference forwards, Module bookkeeping."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn


@pytest.fixture
def float64():
    mdl.set_default_dtype("float64")
    yield
    mdl.set_default_dtype("float32")


def check_layer(layer: nn.Module, x: mdl.Tensor) -> None:
    """gradcheck with respect to the input and every parameter of ``layer``."""
    owners = [(module, name) for _, module in layer.named_modules() for name in module._parameters]

    def fn(x_in, *weights):
        for (module, name), w in zip(owners, weights):  # the layer computes with gradcheck's tensors
            object.__setattr__(module, name, w)
        out = layer(x_in)
        return out[0] if isinstance(out, tuple) else out

    weights = [mdl.Tensor(getattr(m, n).data.copy(), requires_grad=True, dtype=np.float64) for m, n in owners]
    assert mdl.gradcheck(fn, x, *weights)


RNG = np.random.default_rng(0)


def rand(*shape):
    return mdl.Tensor(RNG.normal(size=shape), requires_grad=True, dtype=np.float64)


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: nn.Linear(3, 4), (2, 3)),
        (lambda: nn.Linear(3, 2, bias=False), (2, 5, 3)),
        (lambda: nn.Conv2d(2, 3, 3), (2, 5, 5, 2)),
        (lambda: nn.Conv2d(2, 2, (2, 3), stride=2, padding="same"), (1, 5, 6, 2)),
        (lambda: nn.Conv2d(1, 2, 3, padding=1), (1, 4, 4, 1)),
        (lambda: nn.MaxPool2d(2), (2, 4, 4, 2)),
        (lambda: nn.AvgPool2d(3, stride=2, padding="same"), (1, 5, 5, 2)),
        (lambda: nn.BatchNorm(3), (6, 3)),
        (lambda: nn.BatchNorm(2), (2, 3, 3, 2)),
        (lambda: nn.RNN(3, 4), (2, 3, 3)),
        (lambda: nn.LSTM(2, 3), (2, 4, 2)),
        (lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid()), (3, 3)),
        (lambda: nn.Sequential(nn.GELU(), nn.LeakyReLU(0.1), nn.ELU()), (3, 4)),
    ],
)
def test_layer_gradients_match_finite_differences(float64, make, shape):
    mdl.manual_seed(0)
    check_layer(make(), rand(*shape))


def test_batchnorm_eval_mode_uses_running_statistics(float64):
    bn = nn.BatchNorm(2, momentum=0.5)
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    bn(mdl.tensor(x))
    # running = 0.5·initial + 0.5·batch; PyTorch keeps the unbiased batch variance
    np.testing.assert_allclose(bn.running_mean, [1.0, 2.0])
    np.testing.assert_allclose(bn.running_var, 0.5 * 1 + 0.5 * x.var(0, ddof=1))
    bn.eval()
    out = bn(mdl.tensor(x)).numpy()
    np.testing.assert_allclose(out, (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5))
    check_layer(bn, rand(4, 2))


def test_lstm_matches_numpy_loop():
    mdl.manual_seed(0)
    lstm = nn.LSTM(3, 2)
    x = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    out, (h, c) = lstm(mdl.tensor(x))
    W, U, b = lstm.weight_ih.numpy(), lstm.weight_hh.numpy(), lstm.bias.numpy()
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    hh, cc = np.zeros((2, 2)), np.zeros((2, 2))
    for t in range(4):
        z = x[:, t] @ W + hh @ U + b
        i, f, g, o = sig(z[:, :2]), sig(z[:, 2:4]), np.tanh(z[:, 4:6]), sig(z[:, 6:])
        cc = f * cc + i * g
        hh = o * np.tanh(cc)
        np.testing.assert_allclose(out.numpy()[:, t], hh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy()[0], cc, rtol=1e-5, atol=1e-6)


def test_lstm_and_conv_match_torch():
    torch = pytest.importorskip("torch")
    mdl.manual_seed(0)
    lstm = nn.LSTM(3, 4)
    ref = torch.nn.LSTM(3, 4, batch_first=True)
    with torch.no_grad():  # minidl keeps W as (in, 4H) and one bias: PyTorch's b_ih + b_hh
        ref.weight_ih_l0.copy_(torch.tensor(lstm.weight_ih.numpy().T))
        ref.weight_hh_l0.copy_(torch.tensor(lstm.weight_hh.numpy().T))
        ref.bias_ih_l0.copy_(torch.tensor(lstm.bias.numpy()))
        ref.bias_hh_l0.zero_()
    x = RNG.normal(size=(2, 5, 3)).astype(np.float32)
    expected, _ = ref(torch.tensor(x))
    np.testing.assert_allclose(lstm(mdl.tensor(x))[0].numpy(), expected.detach().numpy(), atol=1e-5)

    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1)
    tconv = torch.nn.Conv2d(2, 3, 3, stride=2, padding=1)
    with torch.no_grad():
        tconv.weight.copy_(torch.tensor(conv.weight.numpy().transpose(3, 2, 0, 1)))
        tconv.bias.copy_(torch.tensor(conv.bias.numpy()))
    x = RNG.normal(size=(2, 7, 7, 2)).astype(np.float32)
    expected = tconv(torch.tensor(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).detach().numpy()
    np.testing.assert_allclose(conv(mdl.tensor(x)).numpy(), expected, atol=1e-5)


def test_linear_init_bounds_follow_pytorch():
    mdl.manual_seed(0)
    layer = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    w = layer.weight.numpy()
    assert w.shape == (100, 50) and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_module_registration_state_dict_round_trip(tmp_path):
    mdl.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    names = [name for name, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"]
    state = net.state_dict()
    assert "1.running_mean" in state and "1.running_var" in state
    mdl.save(state, tmp_path / "net.npz")
    mdl.manual_seed(1)
    other = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    other.load_state_dict(mdl.load(tmp_path / "net.npz"))
    x = mdl.randn(2, 4, 4, 1)
    net.eval()
    other.eval()
    np.testing.assert_array_equal(net(x).numpy(), other(x).numpy())


def test_load_state_dict_errors():
    net = nn.Linear(3, 2)
    with pytest.raises(KeyError, match=r"missing keys \['bias'\]"):
        net.load_state_dict({"weight": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"'weight' has shape \(2, 3\), the model expects \(3, 2\)"):
        net.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(2)})


def test_train_eval_dropout_and_zero_grad():
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    x = mdl.ones(8, 4)
    net.eval()
    assert not net[1].training
    np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())
    net.train()
    net(x).sum().backward()
    assert net[0].weight.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_layer_input_errors_are_clear():
    with pytest.raises(ValueError, match=r"Linear expected input with last dimension 4, got shape \(2, 3\)"):
        nn.Linear(4, 2)(mdl.zeros(2, 3))
    with pytest.raises(ValueError, match=r"expected input with 3 channels"):
        nn.Conv2d(3, 2, 3)(mdl.zeros(1, 5, 5, 1))
    with pytest.raises(ValueError, match=r"padding must be"):
        nn.Conv2d(3, 2, 3, padding="full")
    with pytest.raises(ValueError, match=r"LSTM expected input of shape \(batch, time, 3\)"):
        nn.LSTM(3, 2)(mdl.zeros(2, 4))  # (2, 3) is one unbatched sequence, as PyTorch
    with pytest.raises(IndexError, match=r"indices in \[0, 5\)"):
        nn.Embedding(5, 2)(np.array([1, 5]))
    with pytest.raises(ValueError, match=r"Dropout probability"):
        nn.Dropout(1.0)


def test_manual_training_loop_learns_xor():
    mdl.manual_seed(0)
    from minidl import optim

    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = optim.Adam(net.parameters(), lr=0.05)
    for _ in range(300):
        loss = F.cross_entropy(net(mdl.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert (net(mdl.tensor(x)).numpy().argmax(1) == y).all()
    assert loss.item() < 0.05


@pytest.mark.parametrize("start, end, want", [
    (1, -1, (2, 60)), (0, -1, (120,)), (1, 2, (2, 12, 5)), (2, 3, (2, 3, 20)),
    (-3, -2, (2, 12, 5)), (3, 3, (2, 3, 4, 5)),
])  # shapes as torch.nn.Flatten(start, end) gives them
def test_flatten_start_and_end_dims_follow_pytorch(start, end, want):
    x = np.arange(120, dtype=np.float64).reshape(2, 3, 4, 5)
    t = mdl.tensor(x, requires_grad=True)
    y = nn.Flatten(start, end)(t)
    assert y.shape == want
    np.testing.assert_array_equal(y.numpy(), x.reshape(want))  # C order: the same elements in the same order
    (y * mdl.tensor(np.arange(120.0).reshape(want))).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), x)  # the gradient goes back to the right places


def test_flatten_and_pool_arguments_as_pytorch():
    with pytest.raises(ValueError, match=r"start_dim=2, end_dim=1.*\(2, 3, 4, 5\)"):
        nn.Flatten(2, 1)(mdl.zeros((2, 3, 4, 5)))
    with pytest.raises(TypeError, match="start_dim must be an int"):
        nn.Flatten(1.5)
    x = mdl.tensor(np.arange(16.0).reshape(1, 4, 4, 1))
    want = np.array([5.0, 7.0, 13.0, 15.0]).reshape(1, 2, 2, 1)  # max of each 2x2 window
    assert nn.MaxPool2d(2, padding=0).padding == "valid"  # PyTorch's default padding=0: no padding
    np.testing.assert_array_equal(nn.MaxPool2d(2, padding=0)(x).numpy(), want)
    np.testing.assert_array_equal(F.max_pool2d(x, 2, padding=0).numpy(), want)
    with pytest.raises(ValueError, match="'valid', 'same' or 0, got 1"):
        nn.MaxPool2d(2, padding=1)


def test_gelu_module_takes_pytorchs_approximate_argument():
    x = np.array([-3.0, -0.5, 0.0, 0.7, 2.5])
    exact = 0.5 * x * (1 + np.array([math.erf(v / math.sqrt(2)) for v in x]))
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    t = mdl.tensor(x, dtype="float64")
    np.testing.assert_allclose(nn.GELU()(t).numpy(), exact, rtol=1e-12)
    np.testing.assert_allclose(nn.GELU("tanh")(t).numpy(), tanh_form, rtol=1e-12)
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
