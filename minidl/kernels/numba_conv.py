"""Numba im2col/col2im and a convolution that works on chunks of images.

The reference (:mod:`minidl.kernels.reference`) builds the column matrix of the
whole batch at once: ``cols = im2col(x)``, then ``y = cols @ W``.  For the course
CNN's second layer at batch 256 that matrix is 36 MB: it is written, read back by
BLAS from main memory, and (being larger than the allocator's reuse limit) it is
freshly page-faulted in on every call.  Here the batch is cut into chunks of a few
images whose columns and outputs fit in about 1 MB (``CHUNK_BYTES``, one core's L2
cache):

    for each chunk:  cols = im2col(x[chunk])          # ~1 MB, the same memory each time
                     y[chunk] = act(cols @ W + b)     # BLAS reads cols from cache

The backward pass does not keep any columns: it rebuilds them chunk by chunk
(a cheap copy while they are in cache) for ``dW = sum over chunks of colsᵀ dY``,
and turns ``dcols = dY W^T`` back into ``dx`` one chunk at a time with col2im.
Memory for the columns is then one chunk per thread, whatever the batch size.

The chunks are spread over the cores by one ``prange`` loop per layer: a thread
runs a whole chunk (im2col, single-threaded BLAS through :mod:`.blas`, bias,
ReLU, pooling) without the GIL, then takes the next one, so the cores are handed
over once per layer and a core slowed by another program simply does fewer chunks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from minidl.kernels import reference
from minidl.kernels.blas import dynamic, gemm_function, gemm_into
from minidl.kernels.numba_small_conv import conv3x3_maxpool2x2, fits_direct, takes_max
from minidl.kernels.numba_winograd import conv3x3_maxpool2x2_winograd, fits_winograd
from minidl.kernels.reference import Pads, _check_conv, _out_size

#: Bytes of columns and outputs per chunk: about one core's L2 cache (256 KB to 2 MB measured
#: within noise of each other for the course CNN).
CHUNK_BYTES = 1 << 20


def _c(a: Any) -> np.ndarray:
    """A C-contiguous array (one compiled signature per dtype, fast inner loops)."""
    return np.ascontiguousarray(a)


# ----------------------------------------------------------------------------- im2col
@njit(cache=True, nogil=True)
def _im2col(x, kh, kw, sh, sw, top, left, oh, ow, cols):  # pragma: no cover (compiled)
    n, h, w, c = x.shape
    run = kw * c  # one window row: kw pixels, contiguous in x when fully inside the image
    xf = x.reshape(x.size)
    for r in range(n * oh):  # one output row (image b, row y) per iteration
        b = r // oh
        y = r % oh
        for xo in range(ow):
            row = cols[r * ow + xo]
            w0 = xo * sw - left
            inside = w0 >= 0 and w0 + kw <= w
            for i in range(kh):
                hi = y * sh - top + i
                dst = row[i * run : (i + 1) * run]
                if hi < 0 or hi >= h:
                    for t in range(run):
                        dst[t] = 0
                elif inside:
                    start = ((b * h + hi) * w + w0) * c
                    src = xf[start : start + run]
                    for t in range(run):
                        dst[t] = src[t]
                else:
                    for j in range(kw):
                        seg = dst[j * c : (j + 1) * c]
                        if 0 <= w0 + j < w:
                            src = x[b, hi, w0 + j]
                            for ch in range(c):
                                seg[ch] = src[ch]
                        else:
                            for ch in range(c):
                                seg[ch] = 0
    return cols


@njit(cache=True, nogil=True)
def _col2im(d, kh, kw, sh, sw, top, left, oh, ow, dx):  # pragma: no cover (compiled)
    n, h, w, c = dx.shape
    for b in range(n):  # image by image: windows of one image overlap, of two never
        img = dx[b]
        img[:] = 0
        for y in range(oh):  # rows of d in order: streaming reads, 2-3x faster than a gather
            for xo in range(ow):
                row = d[(b * oh + y) * ow + xo]
                for i in range(kh):
                    hi = y * sh - top + i
                    if hi < 0 or hi >= h:
                        continue
                    for j in range(kw):
                        wi = xo * sw - left + j
                        if wi < 0 or wi >= w:
                            continue
                        dst = img[hi, wi]
                        src = row[(i * kw + j) * c : (i * kw + j + 1) * c]
                        for ch in range(c):
                            dst[ch] += src[ch]
    return dx


@njit(cache=True, nogil=True)
def _bias_act(y, b, use_bias, relu):  # pragma: no cover (compiled)
    """``y[r, :] = act(y[r, :] + b)`` in place, while the chunk is still in cache."""
    for r in range(y.shape[0]):
        row = y[r]
        for k in range(row.shape[0]):
            v = row[k] + b[k] if use_bias else row[k]
            # v < 0 is False for NaN, so NaN passes through as with np.maximum
            row[k] = 0 if relu and v < 0 else v
    return y


def _geometry(x_shape: tuple, w: Any, sh: int, sw: int, pads: Pads) -> tuple[int, int, int]:
    """Output height, width and images per chunk of a convolution."""
    _check_conv(x_shape, w)
    kh, kw, c, _ = w.shape
    oh = _out_size(x_shape[1], kh, sh, pads[0], pads[1])
    ow = _out_size(x_shape[2], kw, sw, pads[2], pads[3])
    return oh, ow, _per_chunk(oh * ow, kh * kw * c, w.shape[3], w.dtype.itemsize)


def _per_chunk(rows: int, k: int, o: int, itemsize: int) -> int:
    """Images per chunk so that one chunk's columns and outputs fit in ``CHUNK_BYTES``."""
    return max(1, CHUNK_BYTES // max(1, rows * (k + o) * itemsize))


def im2col(x: Any, kh: int, kw: int, sh: int, sw: int, pads: Pads) -> np.ndarray:
    """Rows of ``cols`` (N*OH*OW, kh*kw*C) are the flattened (i, j, c) windows of ``x``."""
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, kh, sh, top, bottom), _out_size(w, kw, sw, left, right)
    cols = np.empty((n * oh * ow, kh * kw * c), dtype=x.dtype)
    return _im2col(_c(x), kh, kw, sh, sw, top, left, oh, ow, cols)


def col2im(dcols: Any, x_shape: tuple, kh: int, kw: int, sh: int, sw: int, pads: Pads) -> Any:
    """Adjoint of :func:`im2col`: ``dx`` (N, H, W, C) sums the window entries of each pixel."""
    n, h, w, c = x_shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, kh, sh, top, bottom), _out_size(w, kw, sw, left, right)
    dx = np.empty((n, h, w, c), dtype=dcols.dtype)
    return _col2im(_c(dcols), kh, kw, sh, sw, top, left, oh, ow, dx)


# ----------------------------------------------------------------------------- conv2d
@njit(cache=True, parallel=True, nogil=True)
def _conv_chunks(gemm, x, w2d, kh, kw, sh, sw, top, left, oh, ow, b, use_bias, relu, per, y):  # pragma: no cover
    """Forward, one chunk of ``per`` images per iteration: im2col, GEMM, bias and ReLU."""
    n, rows, k = x.shape[0], oh * ow, w2d.shape[0]
    for t in prange((n + per - 1) // per):
        s, e = t * per, min(n, t * per + per)
        cols = np.empty(((e - s) * rows, k), dtype=x.dtype)
        _im2col(x[s:e], kh, kw, sh, sw, top, left, oh, ow, cols)
        out = y[s * rows : e * rows]
        gemm_into(gemm, cols, w2d, out, False, False, 0.0)
        if use_bias or relu:
            _bias_act(out, b, use_bias, relu)
    return y


@njit(cache=True, parallel=True, nogil=True)
def _conv_grad_chunks(gemm, x, w2d, dy2d, kh, kw, sh, sw, top, left, oh, ow, per,
                      need_dx, need_dw, dx, dw_parts):  # pragma: no cover (compiled)
    """Backward, one chunk per iteration: ``dw_parts[t] = colsᵀ dY`` and ``dx = col2im(dY W2dᵀ)``."""
    n, rows, k = x.shape[0], oh * ow, w2d.shape[0]
    for t in prange((n + per - 1) // per):
        s, e = t * per, min(n, t * per + per)
        dyc = dy2d[s * rows : e * rows]
        block = np.empty(((e - s) * rows, k), dtype=x.dtype)
        if need_dw:
            _im2col(x[s:e], kh, kw, sh, sw, top, left, oh, ow, block)
            gemm_into(gemm, block, dyc, dw_parts[t], True, False, 0.0)
        if need_dx:
            gemm_into(gemm, dyc, w2d, block, False, True, 0.0)
            _col2im(block, kh, kw, sh, sw, top, left, oh, ow, dx[s:e])
    return dx


def conv2d_forward(x: Any, w: Any, b: Any, sh: int, sw: int, pads: Pads, relu: bool = False) -> Any:
    """``y = act(im2col(x) @ W2d + b)`` (N, OH, OW, O), computed chunk by chunk."""
    oh, ow, per = _geometry(x.shape, w, sh, sw, pads)
    kh, kw, c, o = w.shape
    dtype = _float_type(x, w)
    if dtype is None:
        return reference.conv2d_forward(x, w, b, sh, sw, pads, relu)
    x, w2d = _c(x).astype(dtype, copy=False), _c(w).reshape(kh * kw * c, o).astype(dtype, copy=False)
    bias = _c(b).astype(dtype, copy=False) if b is not None else np.zeros(o, dtype)
    n = x.shape[0]
    y = np.empty((n * oh * ow, o), dtype=dtype)
    gemm = gemm_function(dtype)
    if y.size and gemm is not None:
        dynamic(_conv_chunks, gemm, x, w2d, kh, kw, sh, sw, pads[0], pads[2], oh, ow,
                bias, b is not None, relu, per, y)
    elif y.size:  # no CBLAS for compiled code (see blas.py): the same chunks, np.matmul from Python
        rows = oh * ow
        for s in range(0, n, per):
            e = min(n, s + per)
            cols = _im2col(x[s:e], kh, kw, sh, sw, pads[0], pads[2], oh, ow,
                           np.empty(((e - s) * rows, kh * kw * c), dtype))
            out = np.matmul(cols, w2d, out=y[s * rows : e * rows])
            if b is not None or relu:
                _bias_act(out, bias, b is not None, relu)
    return y.reshape(n, oh, ow, o)


def conv2d_backward(
    dy: Any, x: Any, w: Any, sh: int, sw: int, pads: Pads,
    need_dx: bool, need_dw: bool, need_db: bool,
) -> tuple[Any, Any, Any]:  # fmt: skip
    """``dW = Σ_chunks colsᵀ dY``, ``db = column sums of dY``, ``dx = col2im(dY W2dᵀ)`` per chunk."""
    oh, ow, per = _geometry(x.shape, w, sh, sw, pads)
    kh, kw, c, o = w.shape
    dtype = _float_type(dy, w)
    if dtype is None:
        return reference.conv2d_backward(dy, x, w, sh, sw, pads, need_dx, need_dw, need_db)
    x, w2d = _c(x).astype(dtype, copy=False), _c(w).reshape(kh * kw * c, o).astype(dtype, copy=False)
    dy2d = _c(dy).astype(dtype, copy=False).reshape(-1, o)
    n = x.shape[0]
    chunks = -(-n // per)
    dx = np.empty(x.shape, dtype=dtype) if need_dx else np.empty((0, 1, 1, c), dtype)
    dw_parts = np.zeros((chunks if need_dw else 0, kh * kw * c, o), dtype=dtype)
    gemm = gemm_function(dtype)
    if n and (need_dx or need_dw) and gemm is not None:
        dynamic(_conv_grad_chunks, gemm, x, w2d, dy2d, kh, kw, sh, sw, pads[0], pads[2],
                oh, ow, per, need_dx, need_dw, dx, dw_parts)
    elif n and (need_dx or need_dw):  # no CBLAS for compiled code: np.matmul from Python
        rows = oh * ow
        for t, s in enumerate(range(0, n, per)):
            e = min(n, s + per)
            dyc, block = dy2d[s * rows : e * rows], np.empty(((e - s) * rows, kh * kw * c), dtype)
            if need_dw:
                _im2col(x[s:e], kh, kw, sh, sw, pads[0], pads[2], oh, ow, block)
                np.matmul(block.T, dyc, out=dw_parts[t])
            if need_dx:
                _col2im(np.matmul(dyc, w2d.T, out=block), kh, kw, sh, sw, pads[0], pads[2], oh, ow, dx[s:e])
    # the chunks' parts added in a fixed order: the same sum on every run
    dw = dw_parts.sum(axis=0).reshape(w.shape) if need_dw else None
    db = bias_grad(dy2d) if need_db else None
    return (dx if need_dx else None), dw, db


def _float_type(a: Any, w: Any) -> np.dtype | None:
    """The common dtype of the data and the kernel if BLAS takes it (float32/float64), else None
    (then the NumPy reference runs, e.g. for float16)."""
    dtype = np.result_type(a.dtype, w.dtype)
    return dtype if dtype in (np.float32, np.float64) else None


@njit(cache=True, nogil=True)
def _pool_bias_act(y, ph, pw, sh, sw, b, use_bias, relu, out):  # pragma: no cover (compiled)
    """``out = act(maxpool(y) + b)``: pooling first is exact, since adding a constant
    and ReLU are both non-decreasing, so they commute with the maximum."""
    o = y.shape[3]
    poh, pwo = out.shape[1], out.shape[2]
    if ph == 2 and pw == 2:  # the usual window: its 4 pixels side by side in one loop over
        for r in range(out.shape[0] * poh):  # channels (vectorised: ~4x faster than below)
            img = r // poh
            p = r % poh
            for q in range(pwo):
                dst = out[img, p, q]
                s00, s01 = y[img, p * sh, q * sw], y[img, p * sh, q * sw + 1]
                s10, s11 = y[img, p * sh + 1, q * sw], y[img, p * sh + 1, q * sw + 1]
                for k in range(o):
                    m = s00[k]
                    v = s01[k]
                    m = v if takes_max(v, m) else m
                    v = s10[k]
                    m = v if takes_max(v, m) else m
                    v = s11[k]
                    m = v if takes_max(v, m) else m
                    m = m + b[k] if use_bias else m
                    dst[k] = 0 if relu and m < 0 else m
        return out
    for r in range(out.shape[0] * poh):
        img = r // poh
        p = r % poh
        for q in range(pwo):
            dst = out[img, p, q]
            src = y[img, p * sh, q * sw]
            for k in range(o):
                dst[k] = src[k]
            for i in range(ph):
                for j in range(pw):
                    src = y[img, p * sh + i, q * sw + j]
                    for k in range(o):  # same first-maximum and NaN rule as max pooling
                        v = src[k]
                        bv = dst[k]
                        dst[k] = v if takes_max(v, bv) else bv
            for k in range(o):
                v = dst[k] + b[k] if use_bias else dst[k]
                dst[k] = 0 if relu and v < 0 else v
    return out


@njit(cache=True, parallel=True, nogil=True)
def _conv_pool_chunks(gemm, x, w2d, kh, kw, sh, sw, top, left, uh, uw, ph, pw, psh, psw,
                      b, use_bias, relu, per, out):  # pragma: no cover (compiled)
    """Inference, one chunk per iteration: im2col of the pixels the pooling reads, GEMM, pool."""
    n, rows, k, o = x.shape[0], uh * uw, w2d.shape[0], w2d.shape[1]
    for t in prange((n + per - 1) // per):
        s, e = t * per, min(n, t * per + per)
        cols = np.empty(((e - s) * rows, k), dtype=x.dtype)
        _im2col(x[s:e], kh, kw, sh, sw, top, left, uh, uw, cols)
        y = np.empty(((e - s) * rows, o), dtype=x.dtype)
        gemm_into(gemm, cols, w2d, y, False, False, 0.0)
        _pool_bias_act(y.reshape((e - s, uh, uw, o)), ph, pw, psh, psw, b, use_bias, relu, out[s:e])
    return out


def conv2d_maxpool_forward(
    x: Any, w: Any, b: Any, sh: int, sw: int, pads: Pads, relu: bool,
    ph: int, pw: int, psh: int, psw: int,
) -> Any:  # fmt: skip
    """``maxpool(act(conv(x) + b))`` for inference, valid pooling, without the full conv output.

    Per chunk: the columns of only the conv pixels that some pooling window reads
    (valid pooling drops the last row/column when it does not fill a window: for
    the course CNN's 11x11 maps that is 21 of 121 pixels), one matrix product, and
    the pooled, biased, activated result, while the chunk is in cache.
    """
    oh, ow, _ = _geometry(x.shape, w, sh, sw, pads)
    kh, kw, c, o = w.shape
    poh, pwo = _out_size(oh, ph, psh, 0, 0), _out_size(ow, pw, psw, 0, 0)
    uh, uw = (poh - 1) * psh + ph, (pwo - 1) * psw + pw  # conv pixels the pooling reads
    dtype = _float_type(x, w)
    if dtype is None:
        return reference.conv2d_maxpool_forward(x, w, b, sh, sw, pads, relu, ph, pw, psh, psw)
    x, w2d = _c(x).astype(dtype, copy=False), _c(w).reshape(kh * kw * c, o).astype(dtype, copy=False)
    bias = _c(b).astype(dtype, copy=False) if b is not None else np.zeros(o, dtype)
    n = x.shape[0]
    out = np.empty((n, poh, pwo, o), dtype=dtype)
    per, gemm = _per_chunk(uh * uw, kh * kw * c, o, dtype.itemsize), gemm_function(dtype)
    pool, w = (ph, pw, psh, psw), w.astype(dtype, copy=False)
    if not out.size:
        return out
    if fits_direct(w.shape, sh, sw, pool):  # a first layer (K = 9 C): direct loops
        return conv3x3_maxpool2x2(x, w, bias, b is not None, relu, pads, out)
    if gemm is not None and fits_winograd(w.shape, sh, sw, pool) and conv3x3_maxpool2x2_winograd(
            gemm, x, w, bias, b is not None, relu, pads, out):
        return out  # 2.25x fewer multiplications; falls through when an output is inf or NaN
    if gemm is not None:
        dynamic(_conv_pool_chunks, gemm, x, w2d, kh, kw, sh, sw, pads[0], pads[2], uh, uw,
                ph, pw, psh, psw, bias, b is not None, relu, per, out)
        return out
    for s in range(0, n, per):  # no CBLAS for compiled code: np.matmul from Python
        e = min(n, s + per)
        cols = _im2col(x[s:e], kh, kw, sh, sw, pads[0], pads[2], uh, uw,
                       np.empty(((e - s) * uh * uw, kh * kw * c), dtype))
        y = (cols @ w2d).reshape(e - s, uh, uw, o)
        _pool_bias_act(y, ph, pw, psh, psw, bias, b is not None, relu, out[s:e])
    return out


@njit(cache=True)
def _bias_grad(d):  # pragma: no cover (compiled)
    acc = np.zeros(d.shape[1], dtype=np.float64)
    for r in range(d.shape[0]):  # one pass over the rows, memory-bound: threads would not help
        src = d[r]
        for k in range(d.shape[1]):
            acc[k] += src[k]
    return acc.astype(d.dtype)


def bias_grad(dy2d: Any) -> np.ndarray:
    """Column sums of ``dy2d`` (M, O), added up in float64 (exact enough for any M)."""
    if dy2d.ndim != 2 or dy2d.dtype not in (np.float32, np.float64):  # e.g. float16: NumPy's sum
        return reference.bias_grad(dy2d)
    return _bias_grad(_c(dy2d))
