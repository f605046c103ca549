"""Kernels for arrays on a CUDA device (CuPy).

The reference kernels are written against the array module of their input, so
on CuPy arrays they already run on the GPU: each is a handful of whole-array
operations (strided copies, one cuBLAS matrix product, a ``bincount``), which is
what the functions below use.  CuPy is imported only when a kernel is built, so
importing this module never needs a GPU.

Hand-written CUDA kernels replace an array-API version only once a GPU has let
them be verified against the reference and measured.  Two are ready for that
(``tests/kernels/test_gpu_cupy.py``): :func:`im2col_raw` (one thread per entry of
``cols``) and :func:`col2im_raw`, a *gather* (one thread per input pixel adds up
the window entries that cover it), so no atomics are needed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from minidl.kernels.reference import (  # the array-API versions run on CuPy as they are
    Pads,
    _out_size,
    avgpool2d_backward,
    avgpool2d_forward,
    bias_act,
    bias_grad,
    col2im,
    conv2d_backward,
    conv2d_forward,
    conv2d_maxpool_forward,
    im2col,
    linear_forward,
    matmul,
    maxpool2d_backward,
    maxpool2d_forward,
    pad_amounts,
    relu_backward,
    relu_backward_bias,
    relu_forward,
    softmax,
    softmax_cross_entropy,
)

__all__ = [
    "pad_amounts", "im2col", "col2im", "conv2d_forward", "conv2d_backward", "conv2d_maxpool_forward",
    "maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward", "avgpool2d_backward",
    "softmax_cross_entropy", "relu_forward", "relu_backward", "bias_act", "linear_forward", "relu_backward_bias",
    "bias_grad", "matmul", "softmax",
    "im2col_raw", "col2im_raw",
]  # fmt: skip

_GEOMETRY = (
    "int64 H, int64 W, int64 C, int64 kh, int64 kw, int64 sh, int64 sw, "
    "int64 top, int64 left, int64 OH, int64 OW"
)

_IM2COL = """
const long long K = kh * kw * C;
const long long row = i / K, col = i % K;
const long long c = col % C, j = (col / C) % kw, r = col / (C * kw);
const long long ow = row % OW, oh = (row / OW) % OH, n = row / (OW * OH);
const long long h = oh * sh - top + r, w = ow * sw - left + j;
cols = (h >= 0 && h < H && w >= 0 && w < W) ? x[((n * H + h) * W + w) * C + c] : (T)0;
"""

_COL2IM = """
const long long K = kh * kw * C;
const long long c = i % C, w = (i / C) % W, h = (i / (C * W)) % H, n = i / (C * W * H);
const long long hp = h + top, wp = w + left;
/* output rows whose window covers row hp: oh*sh <= hp < oh*sh + kh */
const long long oh0 = hp - kh + 1 > 0 ? (hp - kh + 1 + sh - 1) / sh : 0;
const long long oh1 = min(OH - 1, hp / sh);
const long long ow0 = wp - kw + 1 > 0 ? (wp - kw + 1 + sw - 1) / sw : 0;
const long long ow1 = min(OW - 1, wp / sw);
T acc = 0;
for (long long oh = oh0; oh <= oh1; ++oh) {
    for (long long ow = ow0; ow <= ow1; ++ow) {
        const long long row = (n * OH + oh) * OW + ow;
        acc += d[row * K + ((hp - oh * sh) * kw + (wp - ow * sw)) * C + c];
    }
}
dx = acc;
"""


@cache
def _kernel(name: str) -> Any:
    """Build (once) the CuPy ElementwiseKernel called ``name``."""
    import cupy  # noqa: PLC0415 (optional dependency)

    if name == "im2col":
        return cupy.ElementwiseKernel(f"raw T x, {_GEOMETRY}", "T cols", _IM2COL, "minidl_im2col")
    if name == "col2im":
        return cupy.ElementwiseKernel(f"raw T d, {_GEOMETRY}", "T dx", _COL2IM, "minidl_col2im")
    raise KeyError(name)


def im2col_raw(x: Any, kh: int, kw: int, sh: int, sw: int, pads: Pads) -> Any:
    """:func:`im2col` as one CUDA kernel: thread ``i`` fills entry ``i`` of ``cols``."""
    import cupy  # noqa: PLC0415

    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, kh, sh, top, bottom), _out_size(w, kw, sw, left, right)
    cols = cupy.empty((n * oh * ow, kh * kw * c), dtype=x.dtype)
    args = (h, w, c, kh, kw, sh, sw, top, left, oh, ow)
    return _kernel("im2col")(cupy.ascontiguousarray(x), *args, cols)


def col2im_raw(dcols: Any, x_shape: tuple, kh: int, kw: int, sh: int, sw: int, pads: Pads) -> Any:
    """:func:`col2im` as one CUDA kernel: thread ``i`` gathers input pixel ``i``."""
    import cupy  # noqa: PLC0415

    n, h, w, c = x_shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, kh, sh, top, bottom), _out_size(w, kw, sw, left, right)
    dx = cupy.empty((n, h, w, c), dtype=dcols.dtype)
    args = (h, w, c, kh, kw, sh, sw, top, left, oh, ow)
    return _kernel("col2im")(cupy.ascontiguousarray(dcols), *args, dx)
