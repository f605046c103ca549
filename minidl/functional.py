"""Stateless layer maths, PyTorch's ``torch.nn.functional`` for minidl (``import
minidl.functional as F``).  Every function here is an op of :mod:`minidl.ops`."""

from __future__ import annotations

from .conv1d import avg_pool1d, conv1d, max_pool1d
from .ops.activation import elu, gelu, leaky_relu, log_softmax, relu, softmax, softplus
from .ops.conv import conv2d
from .ops.conv_transpose import conv_transpose2d
from .ops.creation import dropout
from .ops.elementwise import sigmoid, tanh
from .ops.encoding import one_hot
from .ops.linalg import linear
from .ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .ops.normalization import layer_norm
from .ops.padding import torch_pad as pad
from .ops.pool import avg_pool2d, max_pool2d

__all__ = [
    "relu", "leaky_relu", "elu", "gelu", "softplus", "sigmoid", "tanh", "softmax",
    "log_softmax", "linear", "conv1d", "conv2d", "max_pool1d", "avg_pool1d", "max_pool2d", "avg_pool2d",
    "dropout", "mse_loss", "conv_transpose2d",
    "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "layer_norm", "one_hot", "pad",
]
