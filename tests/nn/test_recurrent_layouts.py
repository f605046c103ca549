"""nn.RNN / nn.LSTM / nn.GRU in PyTorch's three input layouts: batch_first=True (N, T, F),
batch_first=False (T, N, F) and unbatched (T, F).  Values and gradients are compared with
PyTorch given the same weights (skipped without PyTorch) and with the batch-first path of
minidl itself (always runs)."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import nn
from minidl.errors import ShapeError

RNG = np.random.default_rng(11)
T, N, F_IN, H = 5, 3, 4, 6
LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


def make_input(layout: str) -> np.ndarray:
    shape = {"batch_first": (N, T, F_IN), "time_first": (T, N, F_IN), "unbatched": (T, F_IN)}[layout]
    return RNG.normal(size=shape)


def make_state(kind: str, layout: str, with_state: bool) -> object:
    if not with_state:
        return None
    shape = (1, H) if layout == "unbatched" else (1, N, H)
    if kind == "LSTM":
        return RNG.normal(size=shape), RNG.normal(size=shape)
    return RNG.normal(size=shape)


def run_minidl(kind: str, layout: str, x: np.ndarray, state: object):
    mdl.manual_seed(3)
    layer = LAYERS[kind](F_IN, H, batch_first=layout != "time_first")
    layer.double()
    tx = mdl.tensor(x, requires_grad=True, dtype="float64")
    ts = None
    if state is not None:
        ts = tuple(mdl.tensor(s, dtype="float64") for s in state) if kind == "LSTM" else \
            mdl.tensor(state, dtype="float64")
    out, last = layer(tx, ts)
    h_n = last[0] if kind == "LSTM" else last
    upstream = np.linspace(-1, 1, out.size).reshape(out.shape)
    loss = (out * mdl.tensor(upstream, dtype="float64")).sum() + (h_n * h_n).sum()
    if kind == "LSTM":
        loss = loss + last[1].sum()
    loss.backward()
    return layer, out, last, tx.grad.numpy(), upstream


@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("layout", ["batch_first", "time_first", "unbatched"])
@pytest.mark.parametrize("kind", list(LAYERS))
def test_layouts_match_pytorch(torch, kind, layout, with_state):
    x, state = make_input(layout), make_state(kind, layout, with_state)
    layer, out, last, x_grad, upstream = run_minidl(kind, layout, x, state)

    ref = getattr(torch.nn, kind)(F_IN, H, batch_first=layout != "time_first").double()
    with torch.no_grad():  # PyTorch stores the (out, in) transposes and two biases
        ref.weight_ih_l0.copy_(torch.from_numpy(layer.weight_ih.numpy().T))
        ref.weight_hh_l0.copy_(torch.from_numpy(layer.weight_hh.numpy().T))
        if kind == "GRU":
            ref.bias_ih_l0.copy_(torch.from_numpy(layer.bias_ih.numpy()))
            ref.bias_hh_l0.copy_(torch.from_numpy(layer.bias_hh.numpy()))
        else:  # minidl keeps b_ih + b_hh as one bias
            ref.bias_ih_l0.copy_(torch.from_numpy(layer.bias.numpy()))
            ref.bias_hh_l0.zero_()
    tx = torch.tensor(x, requires_grad=True)
    ts = None
    if state is not None:
        ts = tuple(torch.tensor(s) for s in state) if kind == "LSTM" else torch.tensor(state)
    t_out, t_last = ref(tx, ts)
    t_h = t_last[0] if kind == "LSTM" else t_last
    loss = (t_out * torch.from_numpy(upstream)).sum() + (t_h * t_h).sum()
    if kind == "LSTM":
        loss = loss + t_last[1].sum()
    loss.backward()

    assert out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    states = last if kind == "LSTM" else (last,)
    t_states = t_last if kind == "LSTM" else (t_last,)
    for mine, theirs in zip(states, t_states):
        assert mine.shape == tuple(theirs.shape)
        np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x_grad, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.weight_ih.grad.numpy(), ref.weight_ih_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.weight_hh.grad.numpy(), ref.weight_hh_l0.grad.numpy().T, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_time_first_and_unbatched_equal_batch_first(kind):
    """Without PyTorch: the other layouts are the batch-first result, transposed or sliced."""
    x = make_input("batch_first")
    _, out, last, x_grad, _ = run_minidl(kind, "batch_first", x, None)
    h_n = last[0] if kind == "LSTM" else last
    _, out_tf, last_tf, _, _ = run_minidl(kind, "time_first", x.transpose(1, 0, 2), None)
    h_tf = last_tf[0] if kind == "LSTM" else last_tf
    assert out_tf.shape == (T, N, H) and h_tf.shape == (1, N, H)
    np.testing.assert_allclose(out_tf.numpy(), out.numpy().transpose(1, 0, 2), rtol=1e-12)
    np.testing.assert_allclose(h_tf.numpy(), h_n.numpy(), rtol=1e-12)
    _, out_one, last_one, _, _ = run_minidl(kind, "unbatched", x[1], None)
    h_one = last_one[0] if kind == "LSTM" else last_one
    assert out_one.shape == (T, H) and h_one.shape == (1, H)
    np.testing.assert_allclose(out_one.numpy(), out.numpy()[1], rtol=1e-12)
    np.testing.assert_allclose(h_one.numpy(), h_n.numpy()[:, 1], rtol=1e-12)


def test_time_first_gradcheck():
    mdl.manual_seed(0)
    layer = nn.LSTM(2, 3, batch_first=False).double()
    x = mdl.tensor(RNG.normal(size=(4, 2, 2)), requires_grad=True, dtype="float64")
    assert mdl.gradcheck(lambda t: layer(t)[0].sum() + layer(t)[1][1].sum(), x)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_layout_errors_name_the_expected_shape(kind):
    time_first = LAYERS[kind](F_IN, H, batch_first=False)
    with pytest.raises(ShapeError, match=rf"\(time, batch, {F_IN}\) with batch_first=False"):
        time_first(mdl.zeros(T, N, F_IN + 1))
    with pytest.raises(ShapeError, match=rf"\(time, {F_IN}\) for one sequence"):
        time_first(mdl.zeros(1, T, N, F_IN))
    unbatched_state = mdl.zeros(1, 2, H)
    state = (unbatched_state, unbatched_state) if kind == "LSTM" else unbatched_state
    with pytest.raises(ShapeError, match=rf"unbatched input .* \(1, {H}\), got \(1, 2, {H}\)"):
        LAYERS[kind](F_IN, H)(mdl.zeros(T, F_IN), state)
    assert repr(time_first) == f"{kind}({F_IN}, {H}, batch_first=False)"
