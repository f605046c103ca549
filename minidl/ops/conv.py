"""2-D convolution (NHWC input, HWIO kernel) as one autograd node.

The arithmetic lives in :mod:`minidl.kernels` (im2col + one matrix product; read
``kernels/reference.py`` for the plain NumPy version).  Here: argument checks and
the forward/backward pairing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function, Tensor, is_grad_enabled
from ..backend import get_array_module
from ..errors import ShapeError
from .common import as_tensor
from .elementwise import astype


class Conv2d(Function):
    """y[n,p,q,o] = Σ_{i,j,c} x_pad[n, p·sh+i, q·sw+j, c] · w[i,j,c,o] + b[o].

    With cols = im2col(x) (one row per output pixel):  y = cols @ W2 + b, so
    dL/dW2 = colsᵀ G,  dL/db = Σ G,  dL/dcols = G W2ᵀ and dL/dx = col2im(dL/dcols).

    With ``relu=True`` the node is relu(conv(x)) in one: the forward pass applies
    max(·, 0) while the output is still in cache, and the backward pass first
    masks G where the output was 0 (ReLU's derivative, read off the output).
    """

    relu = False

    def forward(self, x, w, b=None):
        k = kernels.get_kernels(get_array_module(x))
        y = k.conv2d_forward(x, w, b, self.sh, self.sw, self.pads, relu=self.relu)
        if self.needs_grad:  # the backward pass rebuilds the columns from x
            self.x, self.w = x, w
            self.y = y if self.relu else None
        return y

    def backward(self, g):
        k = kernels.get_kernels(get_array_module(g))
        if self.relu:
            g = k.relu_backward(g, self.y)
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        dx, dw, db = k.conv2d_backward(
            g, self.x, self.w, self.sh, self.sw, self.pads,
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
    """An int or a pair of ints (Python or NumPy integers, not floats or bools) as a pair
    of positive ints."""

    def is_int(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

    values = (value, value) if is_int(value) else value
    ok = isinstance(values, (tuple, list)) and len(values) == 2 and all(is_int(v) for v in values)
    if not ok or values[0] < 1 or values[1] < 1:
        raise ValueError(f"{name} must be a positive int or a pair of positive ints, got {value!r}")
    return int(values[0]), int(values[1])


def conv2d(
    x: Any, w: Tensor, b: Tensor | None = None, stride: Any = 1, padding: Any = "valid"
) -> Tensor:
    """Convolve NHWC ``x`` with an HWIO kernel ``w`` (kh, kw, in_channels, out_channels).

    ``padding``: "valid", "same" (TensorFlow's split when stride > 1), an int p (p zeros on
    every side) or a pair (ph, pw) as PyTorch (ph rows above and below, pw columns left and right).
    """
    return _conv2d(x, w, b, stride, padding, relu=False)


def conv2d_relu(
    x: Any, w: Tensor, b: Tensor | None = None, stride: Any = 1, padding: Any = "valid"
) -> Tensor:
    """``relu(conv2d(x, w, b))`` as one node: the same values, one pass over the output less."""
    return _conv2d(x, w, b, stride, padding, relu=True)


def conv2d_maxpool(
    x: Any, w: Tensor, b: Tensor | None, stride: Any, padding: Any, relu: bool,
    pool_size: Any, pool_stride: Any = None,
) -> Tensor:  # fmt: skip
    """``max_pool2d(act(conv2d(x, w, b)), pool_size, pool_stride)`` with "valid" pooling.

    When no graph is being recorded (inference: ``no_grad``, ``predict``) this is one
    kernel call that computes only the conv pixels the pooling reads and pools them
    while they are in cache (``kernels.conv2d_maxpool_forward``).  When a graph is
    recorded it is the two ordinary nodes, so the gradient is the usual one.
    """
    from .pool import max_pool2d, pool_geometry  # noqa: PLC0415 (pool imports this module)

    x, sh, sw, pads = _conv_args(x, w, b, stride, padding)
    if is_grad_enabled() or len({t.device for t in (x, w, b) if t is not None}) > 1:
        # recording a graph, or a device mismatch that the ordinary nodes report
        return max_pool2d(_conv2d(x, w, b, stride, padding, relu), pool_size, pool_stride)
    (kh, kw), (n, h, wd) = w.shape[:2], x.shape[:3]
    conv_shape = (n, (h + pads[0] + pads[1] - kh) // sh + 1, (wd + pads[2] + pads[3] - kw) // sw + 1, w.shape[3])
    pool = pool_geometry(conv_shape, pool_size, pool_stride, "valid", "max_pool2d")
    k = kernels.get_kernels(get_array_module(x.data))
    y = k.conv2d_maxpool_forward(
        x.data, w.data, None if b is None else b.data, sh, sw, pads, relu,
        pool["ph"], pool["pw"], pool["sh"], pool["sw"],
    )
    return Tensor._wrap(y)


def _conv_args(x: Any, w: Tensor, b: Tensor | None, stride: Any, padding: Any) -> tuple:
    """Checked input tensor, strides and pads of a convolution."""
    if not isinstance(w, Tensor) or (b is not None and not isinstance(b, Tensor)):
        raise TypeError(f"conv2d expects the kernel and bias as Tensors, got {type(w).__name__} and "
                        f"{type(b).__name__}; wrap arrays with minidl.tensor(...)")
    x = as_tensor(x, w)
    if x.dtype.kind != "f":  # integer images (e.g. uint8 pixels) take the kernel's float dtype
        x = astype(x, w.dtype)
    if x.ndim != 4:
        raise ShapeError(f"conv2d expects NHWC input with 4 dimensions, got shape {x.shape}")
    if w.ndim != 4:
        raise ShapeError(f"conv2d expects an HWIO kernel with 4 dimensions, got shape {w.shape}")
    kh, kw, cin, cout = w.shape
    if x.shape[3] != cin:
        hint = ""
        if x.shape[1] == cin:  # the classic PyTorch habit
            hint = "; this looks like NCHW (PyTorch's layout): use x.transpose(0, 2, 3, 1)"
        raise ShapeError(
            f"conv2d expected input with {cin} channels (last axis, NHWC), got shape {x.shape}{hint}"
        )
    if b is not None and b.shape != (cout,):
        raise ShapeError(f"conv2d bias must have shape ({cout},), got {b.shape}")
    if isinstance(padding, (tuple, list)):  # PyTorch's (ph, pw): ph rows top and bottom, pw columns each side
        ph, pw = _padding_pair(padding)
        sh, sw = pair(stride, "stride")
        kernels.pad_amounts(x.shape[1], kh, sh, ph)  # the window must fit the padded input
        kernels.pad_amounts(x.shape[2], kw, sw, pw)  # (the error names the size and padding given)
        return x, sh, sw, (ph, ph, pw, pw)
    sh, sw, pads = conv_geometry(x.shape, kh, kw, stride, padding)
    return x, sh, sw, pads


def _padding_pair(padding: tuple | list) -> tuple[int, int]:
    ok = len(padding) == 2 and all(
        isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) and p >= 0 for p in padding)
    if not ok:
        raise ValueError(f"conv2d padding must be 'valid', 'same', a non-negative int or a pair of "
                         f"non-negative ints (rows, columns), got {padding!r}")
    return int(padding[0]), int(padding[1])


def _conv2d(x: Any, w: Tensor, b: Tensor | None, stride: Any, padding: Any, relu: bool) -> Tensor:
    x, sh, sw, pads = _conv_args(x, w, b, stride, padding)
    if b is None:
        return Conv2d.apply(x, w, sh=sh, sw=sw, pads=pads, relu=relu)
    return Conv2d.apply(x, w, b, sh=sh, sw=sw, pads=pads, relu=relu)
