"""Audit of this session's nn additions against PyTorch 2.13: argument order, reprs, errors.

The expected reprs and behaviours were read off real PyTorch 2.13 and are written here,
so the file needs no torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import nn


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
def test_third_positional_argument_is_num_layers_as_pytorch(layer):
    # torch.nn.GRU(3, 4, 2) is a two-layer GRU; minidl read the 2 as bias=2 and silently
    # built one layer with a bias.  It must reach num_layers and be refused.
    with pytest.raises(ValueError, match="num_layers=2"):
        layer(3, 4, 2)
    assert layer(3, 4, 1).hidden_size == 4


def test_rnn_positional_order_reaches_nonlinearity_as_pytorch():
    # torch.nn.RNN(3, 4, 1, "relu").nonlinearity == "relu"
    assert nn.RNN(3, 4, 1, "relu").nonlinearity == "relu"


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_keyword_arguments_of_pytorch(layer):
    # dropout acts between stacked layers, so with one layer PyTorch accepts it and does nothing
    plain, dropped = layer(3, 4, dropout=0.0), layer(3, 4, dropout=0.5)
    for p, q in zip(plain.parameters(), dropped.parameters()):
        q.data[...] = p.data
    x = mdl.tensor(np.random.default_rng(0).normal(size=(2, 5, 3)))
    np.testing.assert_array_equal(_first(plain(x)).numpy(), _first(dropped(x)).numpy())
    with pytest.raises(ValueError, match="bidirectional"):
        layer(3, 4, bidirectional=True)
    with pytest.raises(ValueError, match="dropout"):
        layer(3, 4, dropout=1.5)
    with pytest.raises(TypeError, match="num_layers"):
        layer(3, 4, num_layers=True)
    with pytest.raises(TypeError, match="bias"):
        layer(3, 4, bias="no")
    with pytest.raises(TypeError, match="batch_first"):
        layer(3, 4, batch_first=0)


def _first(out):
    return out[0]


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_repr_shows_bias_false(layer):
    # torch: GRU(3, 4, bias=False, batch_first=True)
    name = layer.__name__
    assert repr(layer(3, 4, bias=False)) == f"{name}(3, 4, bias=False, batch_first=True)"
    assert repr(layer(3, 4)) == f"{name}(3, 4, batch_first=True)"


def test_gru_without_bias_has_no_bias_parameters():
    gru = nn.GRU(3, 4, bias=False)
    assert sorted(gru.state_dict()) == ["weight_hh", "weight_ih"]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"),
    ({"bias": False}, "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=False)"),
    ({"elementwise_affine": False}, "LayerNorm((4,), eps=1e-05, elementwise_affine=False, bias=False)"),
])
def test_layer_norm_repr_as_pytorch(kwargs, expected):
    assert repr(nn.LayerNorm(4, **kwargs)) == expected


def test_conv2d_pair_padding_error_names_the_input_size_and_padding_given():
    # the window check used to report the padded size with padding 'valid'
    conv = nn.Conv2d(3, 4, (5, 1), padding=(1, 0))
    with pytest.raises(ValueError, match="input of size 2 with padding 1"):
        conv(mdl.zeros(1, 2, 3, 3))
    assert conv(mdl.zeros(1, 3, 3, 3)).shape == (1, 1, 3, 4)  # 3 + 2·1 - 5 + 1 rows


def test_log_softmax_repr_as_pytorch():
    assert repr(nn.LogSoftmax(dim=1)) == "LogSoftmax(dim=1)"  # torch 2.13
    out = nn.LogSoftmax()(mdl.tensor([[1.0, 2.0, 3.0]], dtype="float64"))
    np.testing.assert_allclose(np.exp(out.numpy()).sum(axis=-1), [1.0])
