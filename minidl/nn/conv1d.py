"""PyTorch-style 1-D convolution and pooling on NLC sequences (batch, length, channels).

PyTorch's Conv1d / MaxPool1d / AvgPool1d take NCL input (channels before the length) and
store the weight as (out, in, k); minidl keeps channels last, as its NHWC images and Keras
do, and stores the weight as (k, in, out).  A PyTorch input ``x_ncl`` is ``x_ncl.transpose(0,
2, 1)`` here, and a PyTorch weight ``w_oik`` is ``w_oik.transpose(2, 1, 0)``.
"""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..autograd import Tensor
from ..conv1d import check_padding_1d, single
from .conv import kernel_and_bias
from .layers import _check_positive
from .module import Module


class Conv1d(Module):
    """1-D convolution: input (N, L, in_channels) -> (N, L', out_channels).

    ``padding``: an int (zeros at both ends, as PyTorch), "valid" or "same" (TensorFlow's split
    when stride > 1, where PyTorch refuses "same").  Weight shape (k, in, out), PyTorch's is
    (out, in, k); initialised as PyTorch: U(-1/√fan_in, 1/√fan_in) with fan_in = k·in.
    Input (N, L, C) where PyTorch takes (N, C, L).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, bias: bool = True) -> None:
        super().__init__()
        self.in_channels = _check_positive("in_channels", in_channels)
        self.out_channels = _check_positive("out_channels", out_channels)
        self.kernel_size = single(kernel_size, "kernel_size", "Conv1d")
        self.stride = single(stride, "stride", "Conv1d")
        self.dilation = single(dilation, "dilation", "Conv1d")
        self.padding = check_padding_1d(padding, "Conv1d", allow_causal=False)
        self.weight, self.bias = kernel_and_bias((self.kernel_size, self.in_channels, self.out_channels),
                                                 self.kernel_size * self.in_channels, bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding!r}, dilation={self.dilation}")


class MaxPool1d(Module):
    """Max over windows of ``kernel_size`` steps of (N, L, C); ``stride=None`` means the window
    size.  PyTorch's MaxPool1d takes (N, C, L)."""

    pool = staticmethod(F.max_pool1d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = single(kernel_size, "kernel_size", name)
        self.stride = None if stride is None else single(stride, "stride", name)
        if type(padding) is int and padding == 0:  # PyTorch's default, padding=0: no padding
            padding = "valid"
        self.padding = check_padding_1d(padding, name, allow_int=False, allow_causal=False)

    def forward(self, x: Tensor) -> Tensor:
        return type(self).pool(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding!r}"


class AvgPool1d(MaxPool1d):
    """Mean over windows of (N, L, C) (with "same" padding, border windows average real steps only)."""

    pool = staticmethod(F.avg_pool1d)
