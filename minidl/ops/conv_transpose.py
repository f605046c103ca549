"""Transposed 2-D convolution (NHWC input, kernel (kh, kw, out_channels, in_channels)).

A transposed convolution is the gradient of :func:`~minidl.ops.conv.conv2d` with
respect to its input: every input pixel spreads ``x[n, h, w, :] @ W[i, j]ᵀ`` onto a
``kh x kw`` window of the output, windows ``stride`` apart, overlaps adding up.  So it
runs on the convolution's own kernels (:mod:`minidl.kernels`), in reverse:

- forward: ``y = col2im(x2d @ W2dᵀ)`` (what ``conv2d_backward`` does for ``dx``);
- gradient for x: ``im2col(G) @ W2d``, i.e. an ordinary ``conv2d`` of ``G`` with ``W``;
- gradient for W: ``im2col(G)ᵀ @ x2d`` (what ``conv2d_backward`` does for ``dW``).

The kernel layout is Keras's ``Conv2DTranspose`` one, (kh, kw, out, in): read as HWIO
it is exactly the kernel of the convolution this op is the transpose of (from the
output's ``out`` channels back to the input's ``in`` channels).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ShapeError
from .common import as_tensor
from .conv import pair
from .elementwise import astype


class ConvTranspose2d(Function):
    """y = col2im(x2d W2dᵀ) + b, with x2d = x.reshape(N·H·W, C_in), W2d = W.reshape(kh·kw·C_out, C_in).

    col2im adds each row (one input pixel's kh·kw·C_out contributions) onto its window of
    the (cropped) output.  Since col2im is the adjoint of im2col, with G = dL/dy:
    dL/dx = im2col(G) W2d  (a convolution of G with W),
    dL/dW2d = im2col(G)ᵀ x2d,  dL/db = Σ_{n,p,q} G[n,p,q,:].
    Output rows past the last window (``output_padding``, or "valid" with stride > kernel)
    hold only the bias, so G there reaches no input and no weight.
    """

    def forward(self, x, w, b=None):
        k = kernels.get_kernels(get_array_module(x))
        xp = get_array_module(x)
        n, _, _, cin = x.shape
        kh, kw, cout, _ = w.shape
        ch, cw = self.core
        cols = k.matmul(x.reshape(-1, cin), xp.ascontiguousarray(w.reshape(-1, cin).T))
        y = k.col2im(cols, (n, ch, cw, cout), kh, kw, self.sh, self.sw, self.pads)
        oh, ow = self.out
        if (oh, ow) != (ch, cw):  # rows/columns no window reaches: zeros (then the bias)
            y = xp.pad(y, ((0, 0), (0, oh - ch), (0, ow - cw), (0, 0)))
        if b is not None:
            y += b
        if self.needs_grad:
            self.x, self.w = x, w
        return y

    def backward(self, g):
        k = kernels.get_kernels(get_array_module(g))
        xp = get_array_module(g)
        ch, cw = self.core
        g_core = g if g.shape[1:3] == (ch, cw) else xp.ascontiguousarray(g[:, :ch, :cw, :])
        dx = dw = db = None
        if self.needs_grad[0]:
            dx = k.conv2d_forward(g_core, self.w, None, self.sh, self.sw, self.pads)
        if self.needs_grad[1]:
            _, dw, _ = k.conv2d_backward(self.x, g_core, self.w, self.sh, self.sw, self.pads,
                                         False, True, False)
        if len(self.needs_grad) > 2 and self.needs_grad[2]:
            db = k.bias_grad(g.reshape(-1, g.shape[-1]))
        return dx, dw, db


def transpose_axis(in_size: int, k: int, s: int, padding: Any, output_padding: int | None) -> tuple[int, int]:
    """(crop, out): rows cropped from the start of the full result and the output length, one axis.

    The full result of spreading ``in_size`` windows of size ``k``, ``s`` apart, has
    ``(in_size - 1)·s + k`` rows.  As Keras 3 (and ``tf.nn.conv2d_transpose``):

    - "valid": no crop; ``out = (in - 1)·s + k + output_padding``, where ``output_padding``
      defaults to ``max(k, s) - k`` (so ``out = in·s`` when s > k: the last rows are bias only);
    - "same": ``out = in·s`` by default, else ``(in - 1)·s + k - 2·(k // 2) + output_padding``;
      the crop is TensorFlow's "same" split (the extra row cropped at the end);
    - an int ``p`` (PyTorch): crop p rows each side, ``out = (in - 1)·s + k - 2p + output_padding``.
    """
    if isinstance(padding, str) and padding.lower() == "valid":
        extra = max(k, s) - k if output_padding is None else output_padding
        crop, out = 0, (in_size - 1) * s + k + extra
    elif isinstance(padding, str) and padding.lower() == "same":
        total = s + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        crop = k - 1 - min((total + 1) // 2, k - 1)
        out = (in_size - 1) * s + total - k + 2
    else:
        crop = padding
        out = (in_size - 1) * s + k - 2 * padding + (output_padding or 0)
    if out < 1:
        raise ValueError(f"conv_transpose2d: input size {in_size} with kernel {k}, stride {s}, padding "
                         f"{padding!r} and output_padding {output_padding!r} gives output size {out}, "
                         "expected at least 1")
    return crop, out


def transpose_padding(padding: Any, owner: str = "conv_transpose2d") -> tuple[Any, Any]:
    """The padding for each axis: "valid"/"same" for both, or PyTorch's int or (rows, columns)."""

    def non_negative_int(p: Any) -> bool:
        return isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) and p >= 0

    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower(), padding.lower()
    if non_negative_int(padding):
        return int(padding), int(padding)
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(map(non_negative_int, padding)):
        return int(padding[0]), int(padding[1])
    raise ValueError(f"{owner} padding must be 'valid', 'same', a non-negative int or a pair "
                     f"of them (rows, columns), got {padding!r}")


def output_padding_pair(output_padding: Any, strides: tuple[int, int],
                        owner: str = "conv_transpose2d") -> tuple[Any, Any]:
    """None (the default for each padding), or a pair of ints each in [0, stride)."""
    if output_padding is None:
        return None, None

    def is_int(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

    values = (output_padding, output_padding) if is_int(output_padding) else output_padding
    ok = isinstance(values, (tuple, list)) and len(values) == 2 and all(is_int(v) and v >= 0 for v in values)
    if not ok:
        raise ValueError(f"{owner} output_padding must be None, a non-negative int or a pair of "
                         f"them, got {output_padding!r}")
    if values[0] >= strides[0] or values[1] >= strides[1]:
        raise ValueError(f"{owner} output_padding must be smaller than the stride, got "
                         f"output_padding {tuple(values)} with stride {strides}")
    return int(values[0]), int(values[1])


def conv_transpose2d(
    x: Any, w: Tensor, b: Tensor | None = None, stride: Any = 1, padding: Any = "valid",
    output_padding: Any = None,
) -> Tensor:  # fmt: skip
    """Transposed convolution of NHWC ``x`` with a kernel ``w`` of shape (kh, kw, out_channels,
    in_channels) (Keras's Conv2DTranspose layout); output (N, H', W', out_channels).

    ``padding``: "valid" (H' = (H - 1)·s + k, or H·s when s > k), "same" (H' = H·s), both as
    Keras 3; or PyTorch's int p / pair (H' = (H - 1)·s + k - 2p).  ``output_padding`` (each
    value smaller than the stride) adds rows/columns at the bottom/right, as both frameworks.
    """
    if not isinstance(w, Tensor) or (b is not None and not isinstance(b, Tensor)):
        raise TypeError(f"conv_transpose2d expects the kernel and bias as Tensors, got {type(w).__name__} "
                        f"and {type(b).__name__}; wrap arrays with minidl.tensor(...)")
    x = as_tensor(x, w)
    if x.dtype.kind != "f":  # integer images take the kernel's float dtype
        x = astype(x, w.dtype)
    if x.ndim != 4:
        raise ShapeError(f"conv_transpose2d expects NHWC input with 4 dimensions, got shape {x.shape}")
    if w.ndim != 4:
        raise ShapeError(f"conv_transpose2d expects a kernel (kh, kw, out_channels, in_channels) with 4 "
                         f"dimensions, got shape {w.shape}")
    kh, kw, cout, cin = w.shape
    if x.shape[3] != cin:
        raise ShapeError(f"conv_transpose2d expected input with {cin} channels (last axis, NHWC; the kernel "
                         f"is (kh, kw, out, in) = {w.shape}), got shape {x.shape}")
    if b is not None and b.shape != (cout,):
        raise ShapeError(f"conv_transpose2d bias must have shape ({cout},), got {b.shape}")
    if w.dtype != x.dtype:  # as conv2d: the wider float type
        common = np.result_type(w.dtype, x.dtype)
        x, w = astype(x, common), astype(w, common)
    sh, sw = pair(stride, "stride")
    pad_h, pad_w = transpose_padding(padding)
    op_h, op_w = output_padding_pair(output_padding, (sh, sw))
    top, oh = transpose_axis(x.shape[1], kh, sh, pad_h, op_h)
    left, ow = transpose_axis(x.shape[2], kw, sw, pad_w, op_w)
    # col2im writes the part of the output that windows reach; its padding is the crop
    full_h, full_w = (x.shape[1] - 1) * sh + kh, (x.shape[2] - 1) * sw + kw
    ch, cw = min(oh, full_h - top), min(ow, full_w - left)
    pads = (top, full_h - top - ch, left, full_w - left - cw)
    params = {"sh": sh, "sw": sw, "pads": pads, "core": (ch, cw), "out": (oh, ow)}
    if b is None:
        return ConvTranspose2d.apply(x, w, **params)
    return ConvTranspose2d.apply(x, w, b, **params)
