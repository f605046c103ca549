"""Keras SimpleRNN and LSTM against plain NumPy loops (float64) and PyTorch's RNN/LSTM where
installed: values, weights and counts, input dropout, errors.  (GRU: test_gru_bidirectional.py.)
"""

from __future__ import annotations

import numpy as np
import pytest
from test_layers_extra import float64, rand  # noqa: F401 (float64: an autouse fixture)

from minidl.errors import ShapeError
from minidl.keras import layers as L

# -- SimpleRNN and LSTM --------------------------------------------------------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_rnn(x, W, U, b, h=None):
    h = np.zeros((x.shape[0], U.shape[0])) if h is None else h
    out = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W + h @ U + b)
        out.append(h)
    return np.stack(out, 1)


def numpy_lstm(x, W, U, b, h=None, c=None):
    n = U.shape[0]
    h = np.zeros((x.shape[0], n)) if h is None else h
    c = np.zeros((x.shape[0], n)) if c is None else c
    out = []
    for t in range(x.shape[1]):
        z = x[:, t] @ W + h @ U + b
        i, f, g, o = (z[:, k * n:(k + 1) * n] for k in range(4))  # Keras order i, f, c, o
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out.append(h)
    return np.stack(out, 1), h, c


def randomized(layer, x):
    layer(x)
    layer.set_weights([rand(*w.shape, seed=i + 7) * 0.5 for i, w in enumerate(layer.get_weights())])
    return [w.copy() for w in layer.get_weights()]


def test_simple_rnn_matches_numpy_loop():
    x = rand(3, 5, 4)
    layer = L.SimpleRNN(6, return_sequences=True, return_state=True)
    W, U, b = randomized(layer, x)
    seq, h = layer(x)
    expected = numpy_rnn(x, W, U, b)
    np.testing.assert_allclose(seq.numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), expected[:, -1], atol=1e-12)
    h0 = rand(3, 6, seed=4)
    np.testing.assert_allclose(layer(x, initial_state=[h0])[0].numpy(), numpy_rnn(x, W, U, b, h0), atol=1e-12)
    back = L.SimpleRNN(6, go_backwards=True)
    back(x), back.set_weights([W, U, b])
    np.testing.assert_allclose(back(x).numpy(), numpy_rnn(x[:, ::-1], W, U, b)[:, -1], atol=1e-12)


def test_lstm_matches_numpy_loop_and_output_shapes():
    x = rand(3, 5, 4)
    layer = L.LSTM(6, return_sequences=True, return_state=True)
    W, U, b = randomized(layer, x)
    seq, h, c = layer(x)
    ref_seq, ref_h, ref_c = numpy_lstm(x, W, U, b)
    for got, want in ((seq, ref_seq), (h, ref_h), (c, ref_c)):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    h0, c0 = rand(3, 6, seed=5), rand(3, 6, seed=6)
    np.testing.assert_allclose(layer(x, initial_state=[h0, c0])[0].numpy(),
                               numpy_lstm(x, W, U, b, h0, c0)[0], atol=1e-12)
    shapes = {(False, False): [(3, 6)], (True, False): [(3, 5, 6)],
              (False, True): [(3, 6)] * 3, (True, True): [(3, 5, 6), (3, 6), (3, 6)]}
    for (seqs, state), want in shapes.items():
        out = L.LSTM(6, return_sequences=seqs, return_state=state)(x)
        assert [o.shape for o in (out if state else [out])] == want
    assert [o.shape for o in L.SimpleRNN(2, return_state=True)(x)] == [(3, 2), (3, 2)]


def test_recurrent_weights_initialisation_and_counts():
    x = rand(2, 3, 4)
    lstm = L.LSTM(5)
    lstm(x)
    assert [p.name.split("/")[-1] for p in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    np.testing.assert_array_equal(lstm.bias.numpy(), np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    U = lstm.recurrent_kernel.numpy()  # "orthogonal": (5, 20) with orthonormal rows
    np.testing.assert_allclose(U @ U.T, np.eye(5), atol=1e-9)
    assert lstm.count_params() == 4 * (4 * 5 + 5 * 5 + 5)
    no_forget = L.LSTM(5, unit_forget_bias=False)
    no_forget(x)
    np.testing.assert_array_equal(no_forget.bias.numpy(), np.zeros(20))
    rnn = L.SimpleRNN(5)
    rnn(x)
    assert rnn.count_params() == 4 * 5 + 5 * 5 + 5


def test_rnn_input_dropout_uses_one_mask_per_sequence():
    layer = L.SimpleRNN(4, activation=None, dropout=0.5, return_sequences=True)
    x = np.ones((6, 5, 4))
    layer(x)
    layer.set_weights([np.eye(4), np.zeros((4, 4)), np.zeros(4)])  # hₜ = xₜ ⊙ mask
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    np.testing.assert_array_equal(y, np.repeat(y[:, :1], 5, axis=1))  # same mask at every step
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)


def test_recurrent_matches_torch(torch):
    x = rand(3, 5, 4)
    pairs = ((L.SimpleRNN(6, return_sequences=True), torch.nn.RNN(4, 6, batch_first=True)),
             (L.LSTM(6, return_sequences=True), torch.nn.LSTM(4, 6, batch_first=True)))
    for ours, theirs in pairs:
        W, U, b = randomized(ours, x)
        theirs = theirs.double()
        with torch.no_grad():  # torch keeps (out, in) matrices and two biases: ours is their sum
            theirs.weight_ih_l0.copy_(torch.from_numpy(W.T))
            theirs.weight_hh_l0.copy_(torch.from_numpy(U.T))
            theirs.bias_ih_l0.copy_(torch.from_numpy(b))
            theirs.bias_hh_l0.zero_()
            expected = theirs(torch.from_numpy(x))[0].numpy()
        np.testing.assert_allclose(ours(x).numpy(), expected, atol=1e-12)


def test_recurrent_errors():
    with pytest.raises(ValueError, match="units"):
        L.LSTM(0)
    with pytest.raises(ValueError, match="recurrent_dropout"):
        L.SimpleRNN(3, recurrent_dropout=0.2)
    with pytest.raises(ValueError, match="dropout"):
        L.LSTM(3, dropout=1.0)
    with pytest.raises(ShapeError, match="3-D"):
        L.SimpleRNN(3)(rand(2, 4))
    layer = L.LSTM(3)
    layer(rand(2, 5, 4))
    with pytest.raises(ShapeError, match=r"\(batch, time, 4\)"):
        layer(rand(2, 5, 3))
    with pytest.raises(ValueError, match="2 initial state"):
        layer(rand(2, 5, 4), initial_state=[np.zeros((2, 3))])
    with pytest.raises(ShapeError, match="initial state"):
        layer(rand(2, 5, 4), initial_state=[np.zeros((2, 4)), np.zeros((2, 3))])
