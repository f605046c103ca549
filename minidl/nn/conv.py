"""PyTorch-style convolution and pooling layers on NHWC tensors (HWIO kernels).

PyTorch uses NCHW / OIHW; minidl uses channels-last like Keras because it keeps
each pixel's channels contiguous, which suits im2col.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import Tensor, is_grad_enabled
from ..backend import default_dtype
from ..ops.conv import conv2d_maxpool, conv2d_relu, pair
from . import init
from .layers import ReLU, _check_positive
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    """2-D convolution: input (N, H, W, in_channels) -> (N, H', W', out_channels).

    ``padding``: an int, a pair (rows, columns) as PyTorch, "valid" or "same".  Weight shape (kh, kw, in, out);
    initialised as PyTorch: U(-1/√fan_in, 1/√fan_in) with fan_in = kh·kw·in.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, bias: bool = True) -> None:
        super().__init__()
        self.in_channels = _check_positive("in_channels", in_channels)
        self.out_channels = _check_positive("out_channels", out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = _check_padding(padding)
        kh, kw = self.kernel_size
        self.weight, self.bias = kernel_and_bias((kh, kw, in_channels, out_channels), kh * kw * in_channels, bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding!r}")


def kernel_and_bias(shape: tuple[int, ...], fan_in: int, bias: bool,
                    out_channels: int | None = None) -> tuple[Parameter, Parameter | None]:
    """A convolution's kernel of ``shape`` and its bias (``out_channels`` values, by default the
    kernel's last axis), both drawn from U(-1/√fan_in, 1/√fan_in) as PyTorch initialises them."""
    bound = 1 / math.sqrt(fan_in)
    weight = Parameter(np.zeros(shape, dtype=default_dtype()))
    init.uniform_(weight, -bound, bound)
    if not bias:
        return weight, None
    offset = Parameter(np.zeros(out_channels or shape[-1], dtype=default_dtype()))
    init.uniform_(offset, -bound, bound)
    return weight, offset


def _check_padding(padding: Any, allow_int: bool = True) -> Any:
    """The padding as given (a pair as a tuple); raises for anything but "valid", "same", a
    non-negative int or (with ``allow_int``) a pair of them."""

    def non_negative_int(p: Any) -> bool:
        return isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) and p >= 0

    ok = isinstance(padding, str) and padding.lower() in ("valid", "same")
    ok = ok or (allow_int and non_negative_int(padding))
    is_pair = isinstance(padding, (tuple, list)) and len(padding) == 2 and all(map(non_negative_int, padding))
    if allow_int and is_pair:
        return tuple(int(p) for p in padding)
    if not ok:
        expected = "'valid', 'same', a non-negative int or a pair of them" if allow_int else "'valid', 'same' or 0"
        raise ValueError(f"padding must be {expected}, got {padding!r}")
    return padding


class MaxPool2d(Module):
    """Max over windows of ``kernel_size``; ``stride=None`` means the window size."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: str | int = "valid") -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = None if stride is None else pair(stride, "stride")
        if type(padding) is int and padding == 0:  # PyTorch's default, padding=0: no padding
            padding = "valid"
        _check_padding(padding, allow_int=False)
        self.padding = padding.lower()

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding!r}"


class AvgPool2d(MaxPool2d):
    """Mean over windows (border windows with "same" padding average real pixels only)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


def fused_conv_pool(modules: list[Module], i: int, x: Tensor) -> tuple[Tensor, int] | None:
    """``Conv2d, [ReLU], [MaxPool2d("valid")]`` starting at ``modules[i]`` in fewer steps.

    Returns the output and how many modules it stands for, or None when the pattern
    does not apply.  In inference (no graph recorded) Conv2d [ReLU] MaxPool2d is one
    kernel call; when training, Conv2d ReLU is one autograd node (``conv2d_relu``: the
    same values and gradients, one pass and one stored array less).
    """
    if type(modules[i]) is not Conv2d:
        return None
    conv = modules[i]
    relu = i + 1 < len(modules) and type(modules[i + 1]) is ReLU
    j = i + 1 + relu
    pool = modules[j] if j < len(modules) and type(modules[j]) is MaxPool2d else None
    if not is_grad_enabled() and pool is not None and pool.padding == "valid":
        y = conv2d_maxpool(x, conv.weight, conv.bias, conv.stride, conv.padding, relu, pool.kernel_size,
                           pool.stride)
        return y, j + 1 - i
    if relu:
        return conv2d_relu(x, conv.weight, conv.bias, conv.stride, conv.padding), 2
    return None
