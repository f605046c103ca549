"""Numba CPU kernels: the same functions as :mod:`minidl.kernels.reference`, compiled.

Each public function checks its arguments in Python, allocates the output, and
hands plain arrays to a compiled loop (the ``_name`` functions).  The loops:

- never let two threads write the same element: ``prange`` runs over output
  rows in the forward passes and over whole images in the backward passes
  (col2im and the pool backwards add overlapping windows into the image that
  owns them), so no atomics or ``np.add.at`` are needed;
- reach one pixel's C channels through a 1-D view (``px = img[h, w]``) and loop
  ``for ch in range(c)``: a plain ``range`` index lets Numba skip its
  negative-index check and LLVM vectorise, about 3x faster than ``a[r, col + ch]``;
- add up in a fixed order, so a run is bitwise reproducible for a given input;
- use ``cache=True``: the first run compiles (seconds), later ones load ``__pycache__``.

Matrix products stay in NumPy (``@`` calls BLAS, which is already near peak).
Numba compiles one version per dtype; float32 and float64 both work.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from minidl.kernels import reference
from minidl.kernels.blas import matmul, use_one_blas_thread  # noqa: F401 (matmul re-exported)

# the convolution kernels (chunked im2col + BLAS) live in their own module, re-exported here
from minidl.kernels.numba_conv import (  # noqa: F401
    _c,
    bias_grad,
    col2im,
    conv2d_backward,
    conv2d_forward,
    conv2d_maxpool_forward,
    im2col,
    takes_max,
)
from minidl.kernels.reference import Pads, _check_pool_pads, _out_size, check_target

pad_amounts = reference.pad_amounts  # pure Python: one version shared by every kernel module
# minidl spreads products and convolution chunks over the cores itself (blas.py): OpenBLAS's
# own threads, once started, slow those calls down ~2x, so it runs on one thread from here on
# (also when NumPy was imported first, or OPENBLAS_NUM_THREADS asked for more)
use_one_blas_thread()

_PARALLEL_MIN = 1 << 15  # below this many elements a parallel loop costs more than it saves


# ----------------------------------------------------------------------------- max pool
@njit(cache=True, parallel=True)
def _maxpool_fwd(x, ph, pw, sh, sw, top, left, y, am, track):  # pragma: no cover (compiled)
    n, h, w, c = x.shape
    oh, ow = y.shape[1], y.shape[2]
    if ph == 2 and pw == 2 and top == 0 and left == 0 and (oh - 1) * sh + 2 <= h and (ow - 1) * sw + 2 <= w:
        _maxpool_2x2(x, sh, sw, y, am, track)  # every window inside the image: ~3x faster
        return y, am
    for r in prange(n * oh):
        b = r // oh
        yo = r % oh
        h0 = max(yo * sh - top, 0)
        h1 = min(yo * sh - top + ph, h)
        for xo in range(ow):
            w0 = max(xo * sw - left, 0)
            w1 = min(xo * sw - left + pw, w)
            best = y[b, yo, xo]
            where = am[b, yo, xo] if track else am[0, 0, 0]  # a 1-pixel dummy when not tracking
            src = x[b, h0, w0]  # the first real element starts the search
            base = ((b * h + h0) * w + w0) * c
            for ch in range(c):
                best[ch] = src[ch]
                if track:
                    where[ch] = base + ch
            for hi in range(h0, h1):
                for wi in range(w0, w1):
                    src = x[b, hi, wi]
                    base = ((b * h + hi) * w + wi) * c
                    for ch in range(c):  # branch-free selects: LLVM vectorises them
                        v = src[ch]
                        bv = best[ch]
                        take = takes_max(v, bv)
                        best[ch] = v if take else bv
                        if track:  # loop-invariant: LLVM compiles one loop for each case
                            where[ch] = base + ch if take else where[ch]
    return y, am


@njit(cache=True, parallel=True)
def _maxpool_2x2(x, sh, sw, y, am, track):  # pragma: no cover (compiled)
    """2x2 windows fully inside the image: the 4 pixels side by side in one loop over channels,
    visited in the same order as :func:`_maxpool_fwd` (so the same first maximum wins)."""
    n, h, w, c = x.shape
    oh, ow = y.shape[1], y.shape[2]
    for r in prange(n * oh):
        b = r // oh
        yo = r % oh
        for xo in range(ow):
            hi, wi = yo * sh, xo * sw
            s00, s01, s10, s11 = x[b, hi, wi], x[b, hi, wi + 1], x[b, hi + 1, wi], x[b, hi + 1, wi + 1]
            base = ((b * h + hi) * w + wi) * c
            best = y[b, yo, xo]
            where = am[b, yo, xo] if track else am[0, 0, 0]
            for ch in range(c):
                m, at = s00[ch], base + ch
                v = s01[ch]
                take = takes_max(v, m)
                m, at = (v, base + c + ch) if take else (m, at)
                v = s10[ch]
                take = takes_max(v, m)
                m, at = (v, base + w * c + ch) if take else (m, at)
                v = s11[ch]
                take = takes_max(v, m)
                m, at = (v, base + w * c + c + ch) if take else (m, at)
                best[ch] = m
                if track:
                    where[ch] = at


@njit(cache=True, parallel=True)
def _maxpool_bwd(dy, am, dx):  # pragma: no cover (compiled)
    n = dx.shape[0]
    per_image, per_out = dx.size // n, dy.size // n
    flat, dyf, amf = dx.reshape(dx.size), dy.reshape(dy.size), am.reshape(am.size)
    for b in prange(n):  # argmax of image b points inside image b: no races between threads
        flat[b * per_image : (b + 1) * per_image] = 0
        for k in range(b * per_out, (b + 1) * per_out):
            flat[amf[k]] += dyf[k]
    return dx


def maxpool2d_forward(
    x: Any, ph: int, pw: int, sh: int, sw: int, pads: Pads, want_argmax: bool = True
) -> tuple[Any, Any]:
    """Window maxima ``y`` and the flat index into ``x`` of each first maximum (int64),
    or ``None`` for it when ``want_argmax`` is false (inference: no backward pass)."""
    _check_pool_pads(ph, pw, pads)
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, ph, sh, top, bottom), _out_size(w, pw, sw, left, right)
    y = np.empty((n, oh, ow, c), dtype=x.dtype)
    am = np.empty((n, oh, ow, c) if want_argmax else (1, 1, 1, c), dtype=np.int64)
    y, am = _maxpool_fwd(_c(x), ph, pw, sh, sw, top, left, y, am, want_argmax)
    return y, (am if want_argmax else None)


def maxpool2d_backward(dy: Any, argmax: Any, x_shape: tuple) -> np.ndarray:
    """``dx[argmax[k]] += dy[k]``; overlapping windows that share a maximum add up."""
    dx = np.empty(x_shape, dtype=dy.dtype)
    return _maxpool_bwd(_c(dy), _c(argmax), dx) if dx.size else dx


# ----------------------------------------------------------------------------- avg pool
@njit(cache=True, parallel=True)
def _avgpool_fwd(x, ph, pw, sh, sw, top, left, y):  # pragma: no cover (compiled)
    n, h, w, c = x.shape
    oh, ow = y.shape[1], y.shape[2]
    for r in prange(n * oh):
        b = r // oh
        yo = r % oh
        h0 = max(yo * sh - top, 0)
        h1 = min(yo * sh - top + ph, h)
        for xo in range(ow):
            w0 = max(xo * sw - left, 0)
            w1 = min(xo * sw - left + pw, w)
            acc = y[b, yo, xo]
            for ch in range(c):
                acc[ch] = 0
            for hi in range(h0, h1):
                for wi in range(w0, w1):
                    src = x[b, hi, wi]
                    for ch in range(c):
                        acc[ch] += src[ch]
            inv = 1.0 / ((h1 - h0) * (w1 - w0))
            for ch in range(c):
                acc[ch] *= inv
    return y


@njit(cache=True, parallel=True)
def _avgpool_bwd(dy, ph, pw, sh, sw, top, left, dx):  # pragma: no cover (compiled)
    n, h, w, c = dx.shape
    oh, ow = dy.shape[1], dy.shape[2]
    for b in prange(n):  # threads own whole images: no two add into the same pixel
        img = dx[b]
        img[:] = 0
        for yo in range(oh):
            h0 = max(yo * sh - top, 0)
            h1 = min(yo * sh - top + ph, h)
            for xo in range(ow):
                w0 = max(xo * sw - left, 0)
                w1 = min(xo * sw - left + pw, w)
                inv = 1.0 / ((h1 - h0) * (w1 - w0))
                src = dy[b, yo, xo]
                for hi in range(h0, h1):
                    for wi in range(w0, w1):
                        dst = img[hi, wi]
                        for ch in range(c):
                            dst[ch] += src[ch] * inv
    return dx


def avgpool2d_forward(x: Any, ph: int, pw: int, sh: int, sw: int, pads: Pads) -> np.ndarray:
    """Mean of the real (unpadded) elements of each window."""
    _check_pool_pads(ph, pw, pads)
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, ph, sh, top, bottom), _out_size(w, pw, sw, left, right)
    y = np.empty((n, oh, ow, c), dtype=x.dtype)
    return _avgpool_fwd(_c(x), ph, pw, sh, sw, top, left, y)


def avgpool2d_backward(
    dy: Any, x_shape: tuple, ph: int, pw: int, sh: int, sw: int, pads: Pads
) -> np.ndarray:
    """Each window hands ``dy / count`` to every real element it covers."""
    _check_pool_pads(ph, pw, pads)
    dx = np.empty(x_shape, dtype=dy.dtype)
    return _avgpool_bwd(_c(dy), ph, pw, sh, sw, pads[0], pads[2], dx)


# ----------------------------------------------------------------------------- losses
@njit(cache=True)
def _softmax_ce(z, labels, probs, use_labels, want_grad, grad):  # pragma: no cover (compiled)
    """One row at a time: m = max z, s = Σ e^(z-m), loss = log s - Σ t (z - m); the
    exponentials are kept in ``grad`` and scaled once (one exp per element, no division)."""
    n, k = z.shape
    total = 0.0
    for r in range(n):
        m = z[r, 0]
        for j in range(1, k):
            m = max(m, z[r, j])
        s = 0.0
        if want_grad:
            for j in range(k):
                e = np.exp(z[r, j] - m)
                grad[r, j] = e
                s += e
        else:
            for j in range(k):
                s += np.exp(z[r, j] - m)
        lse = np.log(s)
        tsum = 1.0
        if use_labels:
            total += lse - (z[r, labels[r]] - m)
        else:
            tsum = 0.0
            for j in range(k):
                tsum += probs[r, j]
                total -= probs[r, j] * (z[r, j] - m - lse)
        if want_grad:  # (softmax · Σt - t) / N
            scale = tsum / (s * n)
            for j in range(k):
                grad[r, j] = grad[r, j] * scale
            if use_labels:
                grad[r, labels[r]] -= 1.0 / n
            else:
                for j in range(k):
                    grad[r, j] -= probs[r, j] / n
    return total / max(n, 1)


def softmax_cross_entropy(logits: Any, target: Any, want_grad: bool) -> tuple[Any, Any]:
    """Mean softmax cross-entropy (0-d array, the logits' dtype) and ``(softmax - t) / N``."""
    use_labels = check_target(logits, target)
    z = _c(logits)
    if use_labels:
        labels, probs = _c(target).astype(np.int64, copy=False), np.zeros((1, 1), z.dtype)
    else:
        labels, probs = np.zeros(1, np.int64), _c(target).astype(z.dtype, copy=False)
    grad = np.empty_like(z) if want_grad else np.empty((1, 1), z.dtype)
    loss = _softmax_ce(z, labels, probs, use_labels, want_grad, grad)
    return np.asarray(loss, dtype=z.dtype), (grad if want_grad else None)


# ----------------------------------------------------------------------------- softmax
@njit(cache=True, nogil=True)
def _softmax_rows(x, y):  # pragma: no cover (compiled)
    """Row by row: the maximum, the exponentials (kept in y) and their sum, then one scaling.
    A NaN anywhere in a row makes the whole row NaN, as in the NumPy version."""
    n, k = x.shape
    for r in range(n):
        m = x[r, 0]
        for j in range(1, k):
            v = x[r, j]
            m = v if v > m or v != v else m
        s = 0.0
        for j in range(k):
            e = np.exp(x[r, j] - m)
            y[r, j] = e
            s += e
        inv = 1.0 / s
        for j in range(k):
            y[r, j] = y[r, j] * inv


def softmax(x: Any) -> np.ndarray:
    """Softmax over the last axis, one compiled pass per row (NumPy's reductions over a
    short last axis cost ~5x more)."""
    if not (_dense_ok(x) and x.size):
        return reference.softmax(x)
    k = x.shape[-1]
    y = np.empty(x.shape, x.dtype)
    _softmax_rows(_c(x).reshape(-1, k), y.reshape(-1, k))
    return y


# ----------------------------------------------------------------------------- relu
@njit(cache=True, parallel=True)
def _relu_fwd(x, y):  # pragma: no cover (compiled)
    for i in prange(x.size):
        if x[i] < 0:  # NaN is not < 0, so it passes through as with np.maximum
            y[i] = 0
        else:
            y[i] = x[i]
    return y


@njit(cache=True, parallel=True)
def _relu_bwd(dy, y, dx):  # pragma: no cover (compiled)
    for i in prange(dy.size):
        dx[i] = dy[i] if y[i] > 0 else 0
    return dx


def relu_forward(x: Any) -> np.ndarray:
    """``y = max(x, 0)``."""
    if x.size < _PARALLEL_MIN:
        return np.maximum(x, x.dtype.type(0))
    x = _c(x)
    return _relu_fwd(x.reshape(-1), np.empty(x.size, x.dtype)).reshape(x.shape)


def relu_backward(dy: Any, y: Any) -> np.ndarray:
    """``dx = dy where y > 0, else 0``."""
    if dy.size < _PARALLEL_MIN:
        return np.where(y > 0, dy, dy.dtype.type(0))
    dy, y = _c(dy), _c(y)
    return _relu_bwd(dy.reshape(-1), y.reshape(-1), np.empty(dy.size, dy.dtype)).reshape(dy.shape)


# ----------------------------------------------------------------------------- dense layer
_ROW_BLOCKS = 8  # fixed blocks of rows: the bias-gradient partial sums add up in one order


@njit(cache=True, nogil=True)
def _bias_act_rows(y, b, use_bias, relu, r0, r1):  # pragma: no cover (compiled)
    """``y[r] = act(y[r] + b)`` for rows r0..r1-1, in place."""
    for r in range(r0, r1):
        row = y[r]
        for k in range(row.shape[0]):
            v = row[k] + b[k] if use_bias else row[k]
            row[k] = 0 if relu and v < 0 else v  # NaN passes, as with np.maximum


@njit(cache=True, nogil=True)
def _relu_bwd_rows(dy, y, dx, r0, r1, acc):  # pragma: no cover (compiled)
    """``dx[r] = dy[r] where y[r] > 0, else 0`` for rows r0..r1-1; their sum added to ``acc``."""
    for r in range(r0, r1):
        g, out, mask = dy[r], dx[r], y[r]
        for k in range(g.shape[0]):
            out[k] = g[k] if mask[k] > 0 else 0
        for k in range(g.shape[0]):  # a loop of its own: inside the first it would stop vectorising
            acc[k] += out[k]


@njit(cache=True, parallel=True, nogil=True)
def _bias_act_blocks(y, b, use_bias, relu):  # pragma: no cover (compiled)
    rows = y.shape[0]
    step = (rows + _ROW_BLOCKS - 1) // _ROW_BLOCKS
    for t in prange(_ROW_BLOCKS):
        _bias_act_rows(y, b, use_bias, relu, t * step, min(rows, (t + 1) * step))


@njit(cache=True, parallel=True, nogil=True)
def _relu_bwd_blocks(dy, y, dx, parts):  # pragma: no cover (compiled)
    rows = dy.shape[0]
    step = (rows + _ROW_BLOCKS - 1) // _ROW_BLOCKS
    for t in prange(_ROW_BLOCKS):
        _relu_bwd_rows(dy, y, dx, t * step, min(rows, (t + 1) * step), parts[t])


def _dense_ok(*arrays: Any) -> bool:
    """float32/float64 arrays of one dtype, at least 1-D: the compiled loops apply."""
    a = arrays[0]
    return (a.ndim > 0 and a.shape[-1] > 0 and a.dtype in (np.float32, np.float64)
            and all(x.dtype == a.dtype for x in arrays))


def bias_act(y: Any, b: Any, relu: bool) -> Any:
    """``y = act(y + b)`` in place on the (..., N) output of a dense layer (``b`` may be None),
    in one pass; on all cores for large outputs."""
    if not (y.flags.c_contiguous and _dense_ok(y) and (b is None or b.dtype == y.dtype)):
        return reference.bias_act(y, b, relu)
    n = y.shape[-1]
    y2, bias = y.reshape(-1, n), (_c(b) if b is not None else np.zeros(n, y.dtype))
    if y.size < _PARALLEL_MIN:
        _bias_act_rows(y2, bias, b is not None, relu, 0, y2.shape[0])
    else:
        _bias_act_blocks(y2, bias, b is not None, relu)
    return y


def relu_backward_bias(dy: Any, y: Any, need_bias: bool) -> tuple[Any, Any]:
    """``dx = dy where y > 0, else 0`` and, if asked, the bias gradient Σ_rows dx (in float64),
    in one pass; on all cores for large outputs."""
    if not _dense_ok(dy, y):
        return reference.relu_backward_bias(dy, y, need_bias)
    shape, n = dy.shape, dy.shape[-1]
    dy, y = _c(dy).reshape(-1, n), _c(y).reshape(-1, n)
    dx = np.empty(dy.shape, dy.dtype)
    big = dy.size >= _PARALLEL_MIN
    parts = np.zeros((_ROW_BLOCKS if big else 1, n), dtype=np.float64)
    if big:
        _relu_bwd_blocks(dy, y, dx, parts)
    else:
        _relu_bwd_rows(dy, y, dx, 0, dy.shape[0], parts[0])
    db = parts.sum(axis=0).astype(dx.dtype) if need_bias else None  # blocks in order: reproducible
    return dx.reshape(shape), db
