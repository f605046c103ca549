"""2-D convolution (NHWC input, HWIO kernel) as one autograd node.

The arithmetic lives in :mod:`minidl.kernels` (im2col + one matrix product; read
``kernels/reference.py`` for the plain NumPy version).  Here: argument checks and
the forward/backward pairing.
"""

from __future__ import annotations

from typing import Any

from .. import kernels
from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ShapeError
from .common import as_tensor
from .elementwise import astype


class Conv2d(Function):
    """y[n,p,q,o] = Σ_{i,j,c} x_pad[n, p·sh+i, q·sw+j, c] · w[i,j,c,o] + b[o].

    With cols = im2col(x) (one row per output pixel):  y = cols @ W2 + b, so
    dL/dW2 = colsᵀ G,  dL/db = Σ G,  dL/dcols = G W2ᵀ and dL/dx = col2im(dL/dcols).
    """

    def forward(self, x, w, b=None):
        k = kernels.get_kernels(get_array_module(x))
        self.x_shape, self.w = x.shape, w
        y, cols = k.conv2d_forward(x, w, b, self.sh, self.sw, self.pads)
        # the columns are needed only for dL/dW; dL/dx uses the kernel alone
        self.cols = cols if self.needs_grad and self.needs_grad[1] else None
        return y

    def backward(self, g):
        k = kernels.get_kernels(get_array_module(g))
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        dx, dw, db = k.conv2d_backward(
            g, self.x_shape, self.cols, self.w, self.sh, self.sw, self.pads,
            self.needs_grad[0], self.needs_grad[1], need_b,
        )
        return dx, dw, db


def conv_geometry(
    x_shape: tuple[int, ...], kh: int, kw: int, stride: Any, padding: Any
) -> tuple[int, int, tuple[int, int, int, int]]:
    """Strides and the (top, bottom, left, right) padding for a window over (N, H, W, C)."""
    sh, sw = pair(stride, "stride")
    top, bottom, _ = kernels.pad_amounts(x_shape[1], kh, sh, padding)
    left, right, _ = kernels.pad_amounts(x_shape[2], kw, sw, padding)
    return sh, sw, (top, bottom, left, right)


def pair(value: Any, name: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair of positive ints."""
    values = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        a, b = (int(v) for v in values)
        ok = all(isinstance(v, int) or float(v).is_integer() for v in values)
    except (TypeError, ValueError):
        ok = False
    if not ok or a < 1 or b < 1:
        raise ValueError(f"{name} must be a positive int or a pair of positive ints, got {value!r}")
    return a, b


def conv2d(
    x: Any, w: Tensor, b: Tensor | None = None, stride: Any = 1, padding: Any = "valid"
) -> Tensor:
    """Convolve NHWC ``x`` with an HWIO kernel ``w`` (kh, kw, in_channels, out_channels)."""
    x = as_tensor(x, w)
    if x.dtype.kind != "f":  # integer images (e.g. uint8 pixels) take the kernel's float dtype
        x = astype(x, w.dtype)
    if x.ndim != 4:
        raise ShapeError(f"conv2d expects NHWC input with 4 dimensions, got shape {x.shape}")
    if w.ndim != 4:
        raise ShapeError(f"conv2d expects an HWIO kernel with 4 dimensions, got shape {w.shape}")
    kh, kw, cin, cout = w.shape
    if x.shape[3] != cin:
        raise ShapeError(
            f"conv2d expected input with {cin} channels (last axis, NHWC), got shape {x.shape}"
        )
    sh, sw, pads = conv_geometry(x.shape, kh, kw, stride, padding)
    if b is None:
        return Conv2d.apply(x, w, sh=sh, sw=sw, pads=pads)
    if b.shape != (cout,):
        raise ShapeError(f"conv2d bias must have shape ({cout},), got {b.shape}")
    return Conv2d.apply(x, w, b, sh=sh, sw=sw, pads=pads)
