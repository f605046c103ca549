"""nn.GRU and the shared ``gru`` step: a plain NumPy float64 loop, finite differences,
PyTorch's ``nn.GRU`` with copied weights (skipped without PyTorch), training, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim
from minidl.nn.recurrent import gru

RNG = np.random.default_rng(7)


@pytest.fixture
def float64():
    mdl.set_default_dtype("float64")
    yield
    mdl.set_default_dtype("float32")


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def numpy_gru(x, h, W, U, b_in, b_hid, order="rzn", reset_after=True):
    """The GRU equations, written out gate by gate in float64 (the reference)."""
    x, h, W, U = (np.asarray(a, np.float64) for a in (x, h, W, U))
    H = h.shape[-1]
    col = {g: slice(i * H, (i + 1) * H) for i, g in enumerate(order)}
    b_in = np.zeros(3 * H) if b_in is None else np.asarray(b_in, np.float64)
    b_hid = np.zeros(3 * H) if b_hid is None else np.asarray(b_hid, np.float64)
    outputs = []
    for t in range(x.shape[1]):
        xt = x[:, t]
        r = sigmoid(xt @ W[:, col["r"]] + b_in[col["r"]] + h @ U[:, col["r"]] + b_hid[col["r"]])
        z = sigmoid(xt @ W[:, col["z"]] + b_in[col["z"]] + h @ U[:, col["z"]] + b_hid[col["z"]])
        if reset_after:
            n = np.tanh(xt @ W[:, col["n"]] + b_in[col["n"]] + r * (h @ U[:, col["n"]] + b_hid[col["n"]]))
        else:
            n = np.tanh(xt @ W[:, col["n"]] + b_in[col["n"]] + (r * h) @ U[:, col["n"]])
        h = (1 - z) * n + z * h
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def test_gru_parameters_names_shapes_and_pytorch_init():
    mdl.manual_seed(0)
    layer = nn.GRU(3, 5)
    shapes = [(name, p.shape) for name, p in layer.named_parameters()]
    assert shapes == [("weight_ih", (3, 15)), ("weight_hh", (5, 15)), ("bias_ih", (15,)), ("bias_hh", (15,))]
    bound = 1 / math.sqrt(5)
    for _, p in layer.named_parameters():
        values = p.numpy()
        assert np.all(np.abs(values) <= bound) and values.std() > bound / 4  # U(-1/√H, 1/√H), not zeros
    assert [name for name, _ in nn.GRU(3, 5, bias=False).named_parameters()] == ["weight_ih", "weight_hh"]
    assert sum(p.size for p in layer.parameters()) == 3 * (3 * 5 + 5 * 5 + 2 * 5)  # torch's count


@pytest.mark.parametrize("with_h0", [False, True])
def test_gru_forward_matches_numpy_loop(with_h0):
    mdl.manual_seed(1)
    layer = nn.GRU(3, 4)
    x = RNG.normal(size=(2, 6, 3)).astype(np.float32)
    h0 = RNG.normal(size=(1, 2, 4)).astype(np.float32) if with_h0 else None
    out, h_n = layer(mdl.tensor(x), None if h0 is None else mdl.tensor(h0))
    start = np.zeros((2, 4)) if h0 is None else h0[0]
    expected, last = numpy_gru(x, start, layer.weight_ih.numpy(), layer.weight_hh.numpy(),
                               layer.bias_ih.numpy(), layer.bias_hh.numpy())
    assert out.shape == (2, 6, 4) and h_n.shape == (1, 2, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_n.numpy()[0], last, rtol=1e-5, atol=1e-6)


def test_gru_without_bias_matches_numpy_loop(float64):
    layer = nn.GRU(2, 3, bias=False)
    x = RNG.normal(size=(3, 4, 2))
    out, _ = layer(mdl.tensor(x))
    expected, _ = numpy_gru(x, np.zeros((3, 3)), layer.weight_ih.numpy(), layer.weight_hh.numpy(), None, None)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


# (gate order, reset_after, with biases): PyTorch's layout and both of Keras's variants
STEP_CASES = [("rzn", True, True), ("zrn", True, True), ("zrn", False, True), ("rzn", True, False)]


@pytest.mark.parametrize("order,reset_after,with_bias", STEP_CASES)
def test_gru_step_matches_numpy_for_each_layout(order, reset_after, with_bias):
    x, h = RNG.normal(size=(2, 3, 3)), RNG.normal(size=(2, 2))
    W, U = RNG.normal(size=(3, 6)), RNG.normal(size=(2, 6))
    b_in = RNG.normal(size=6) if with_bias else None
    b_hid = RNG.normal(size=6) if with_bias and reset_after else None
    t = lambda a: None if a is None else mdl.tensor(a, dtype="float64")  # noqa: E731
    out, last = gru(t(x), t(h), t(W), t(U), t(b_in), t(b_hid), gate_order=order, reset_after=reset_after)
    expected, expected_last = numpy_gru(x, h, W, U, b_in, b_hid, order, reset_after)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(last.numpy(), expected_last, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("order,reset_after,with_bias", STEP_CASES)
def test_gru_gradients_match_finite_differences(order, reset_after, with_bias):
    def param(*shape):
        return mdl.tensor(RNG.normal(size=shape) * 0.7, dtype="float64", requires_grad=True)

    x, h, W, U = param(2, 3, 3), param(2, 2), param(3, 6), param(2, 6)
    b_in = param(6) if with_bias else None
    b_hid = param(6) if with_bias and reset_after else None
    weights = mdl.tensor(RNG.normal(size=(2, 3, 2)), dtype="float64")  # every output position matters

    def loss(x, h, W, U, *biases):
        b_in, b_hid = (list(biases) + [None, None])[:2]
        out, last = gru(x, h, W, U, b_in, b_hid, gate_order=order, reset_after=reset_after)
        return (out * weights).sum() + (last * last).sum()

    inputs = [x, h, W, U] + [b for b in (b_in, b_hid) if b is not None]
    assert mdl.gradcheck(loss, *inputs)


def test_gru_module_gradients_match_finite_differences(float64):
    layer = nn.GRU(2, 3)
    x = mdl.tensor(RNG.normal(size=(2, 4, 2)), requires_grad=True)
    h0 = mdl.tensor(RNG.normal(size=(1, 2, 3)), requires_grad=True)
    assert mdl.gradcheck(lambda x, h0: (layer(x, h0)[0] ** 2).sum(), x, h0)


def test_gru_matches_pytorch_forward_and_gradients(torch):
    mdl.manual_seed(3)
    layer = nn.GRU(3, 4)
    ref = torch.nn.GRU(3, 4, batch_first=True).double()
    with torch.no_grad():  # PyTorch stores the (out, in) transposes; the biases are the same
        ref.weight_ih_l0.copy_(torch.from_numpy(layer.weight_ih.numpy().T.astype(np.float64)))
        ref.weight_hh_l0.copy_(torch.from_numpy(layer.weight_hh.numpy().T.astype(np.float64)))
        ref.bias_ih_l0.copy_(torch.from_numpy(layer.bias_ih.numpy().astype(np.float64)))
        ref.bias_hh_l0.copy_(torch.from_numpy(layer.bias_hh.numpy().astype(np.float64)))
    x = RNG.normal(size=(2, 5, 3)).astype(np.float32)
    h0 = RNG.normal(size=(1, 2, 4)).astype(np.float32)
    upstream = RNG.normal(size=(2, 5, 4))

    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    t_out, t_h = ref(tx, torch.tensor(h0, dtype=torch.float64))
    ((t_out * torch.from_numpy(upstream)).sum() + t_h.sum()).backward()

    mx = mdl.tensor(x, requires_grad=True)
    out, h_n = layer(mx, mdl.tensor(h0))
    ((out * mdl.tensor(upstream.astype(np.float32))).sum() + h_n.sum()).backward()

    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(h_n.numpy(), t_h.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), atol=1e-4)
    pairs = [(layer.weight_ih, ref.weight_ih_l0.grad.numpy().T), (layer.weight_hh, ref.weight_hh_l0.grad.numpy().T),
             (layer.bias_ih, ref.bias_ih_l0.grad.numpy()), (layer.bias_hh, ref.bias_hh_l0.grad.numpy())]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad.numpy(), theirs, atol=1e-4)


class _LastStep(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gru = nn.GRU(1, 8)
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1])


def test_gru_training_lowers_the_loss():
    mdl.manual_seed(0)
    x = RNG.uniform(-1, 1, size=(32, 6, 1)).astype(np.float32)
    y = x.sum(axis=1)  # needs the whole sequence
    model = _LastStep()
    opt = optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = F.mse_loss(model(mdl.tensor(x)), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]


def test_gru_state_dict_round_trip():
    mdl.manual_seed(0)
    a, b = nn.GRU(2, 3), nn.GRU(2, 3)
    b.load_state_dict(a.state_dict())
    x = mdl.tensor(RNG.normal(size=(1, 3, 2)))
    np.testing.assert_array_equal(a(x)[0].numpy(), b(x)[0].numpy())
    assert list(a.state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]


@pytest.mark.parametrize("make,shape,message", [
    (lambda: nn.GRU(3, 2), (2, 4), r"GRU expected input of shape \(batch, time, 3\) .*got shape \(2, 4\)"),
    (lambda: nn.GRU(3, 2), (2, 4, 5), r"GRU expected input of shape \(batch, time, 3\) .*got shape \(2, 4, 5\)"),
    (lambda: nn.GRU(3, 2, batch_first=False), (2, 4, 5), r"\(time, batch, 3\) with batch_first=False"),
    (lambda: nn.GRU(3, 2), (1, 2, 4, 3), r"or \(time, 3\) for one sequence; got shape \(1, 2, 4, 3\)"),
    (lambda: nn.GRU(3, 2), (2, 0, 3), "no time steps"),
])
def test_gru_bad_input_shape(make, shape, message):
    with pytest.raises(ValueError, match=message):
        make()(mdl.zeros(*shape))


def test_gru_bad_arguments_and_state():
    with pytest.raises(ValueError, match="num_layers"):
        nn.GRU(3, 2, num_layers=2)
    with pytest.raises(TypeError, match="batch_first must be True or False"):
        nn.GRU(3, 2, batch_first="no")
    with pytest.raises(ValueError, match="hidden_size"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match=r"initial state must have shape \(1, 2, 4\)"):
        nn.GRU(3, 4)(mdl.zeros(2, 5, 3), mdl.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="gate_order"):
        gru(mdl.zeros(1, 1, 1), mdl.zeros(1, 1), mdl.zeros(1, 3), mdl.zeros(1, 3), None, None, gate_order="nrz")
