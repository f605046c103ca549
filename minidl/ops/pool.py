"""Max and average pooling over NHWC windows."""

from __future__ import annotations

from typing import Any

from .. import kernels
from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ShapeError
from .common import as_tensor
from .conv import conv_geometry, pair
from .elementwise import _floating


class MaxPool2d(Function):
    """y = max over each window;  dL/dx = G routed to the first maximum of the window."""

    def forward(self, x):
        k = kernels.get_kernels(get_array_module(x))
        self.x_shape = x.shape
        # the argmax is only needed by a backward pass, so inference skips it
        y, self.argmax = k.maxpool2d_forward(
            x, self.ph, self.pw, self.sh, self.sw, self.pads, want_argmax=bool(self.needs_grad)
        )
        return y

    def backward(self, g):
        k = kernels.get_kernels(get_array_module(g))
        return (k.maxpool2d_backward(g, self.argmax, self.x_shape),)


class AvgPool2d(Function):
    """y = mean over the valid (unpadded) elements of each window;
    dL/dx = G / count, spread over each window."""

    def forward(self, x):
        k = kernels.get_kernels(get_array_module(x))
        self.x_shape = x.shape
        return k.avgpool2d_forward(x, self.ph, self.pw, self.sh, self.sw, self.pads)

    def backward(self, g):
        k = kernels.get_kernels(get_array_module(g))
        return (k.avgpool2d_backward(g, self.x_shape, self.ph, self.pw, self.sh, self.sw, self.pads),)


def _pool_args(x: Tensor, pool_size: Any, stride: Any, padding: Any, name: str) -> dict:
    return pool_geometry(x.shape, pool_size, stride, padding, name)


def pool_geometry(shape: tuple, pool_size: Any, stride: Any, padding: Any, name: str) -> dict:
    """Window (ph, pw), strides (sh, sw) and pads of a pooling over an NHWC ``shape``."""
    if len(shape) != 4:
        raise ShapeError(f"{name} expects NHWC input with 4 dimensions, got shape {shape}")
    ph, pw = pair(pool_size, "pool_size")
    if type(padding) is int and padding == 0:  # PyTorch's padding=0: no padding
        padding = "valid"
    elif isinstance(padding, int) and not isinstance(padding, bool):
        raise ValueError(f"{name} padding must be 'valid', 'same' or 0, got {padding!r}")
    sh, sw, pads = conv_geometry(shape, ph, pw, (ph, pw) if stride is None else stride, padding)
    return dict(ph=ph, pw=pw, sh=sh, sw=sw, pads=pads)


def max_pool2d(x: Any, pool_size: Any = 2, stride: Any = None, padding: str = "valid") -> Tensor:
    """Max pooling; ``stride=None`` means the pool size (non-overlapping windows)."""
    x = as_tensor(x)
    return MaxPool2d.apply(x, **_pool_args(x, pool_size, stride, padding, "max_pool2d"))


def avg_pool2d(x: Any, pool_size: Any = 2, stride: Any = None, padding: str = "valid") -> Tensor:
    """Average pooling; with ``"same"`` padding the border windows average only real pixels."""
    x = _floating(x)  # the mean of integers is not an integer
    return AvgPool2d.apply(x, **_pool_args(x, pool_size, stride, padding, "avg_pool2d"))
