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
from minidl.kernels.reference import Pads, _check_conv, _check_pool_pads, _out_size, check_target

pad_amounts = reference.pad_amounts  # pure Python: one version shared by every kernel module

_PARALLEL_MIN = 1 << 15  # below this many elements a parallel loop costs more than it saves


def _c(a: Any) -> np.ndarray:
    """A C-contiguous array (one compiled signature per dtype, fast inner loops)."""
    return np.ascontiguousarray(a)


# ----------------------------------------------------------------------------- im2col
@njit(cache=True, parallel=True)
def _im2col(x, kh, kw, sh, sw, top, left, oh, ow, cols):  # pragma: no cover (compiled)
    n, h, w, c = x.shape
    run = kw * c  # one window row: kw pixels, contiguous in x when fully inside the image
    xf = x.reshape(x.size)
    for r in prange(n * oh):  # one output row (image b, row y) per iteration
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


@njit(cache=True, parallel=True)
def _col2im(d, kh, kw, sh, sw, top, left, oh, ow, dx):  # pragma: no cover (compiled)
    n, h, w, c = dx.shape
    for b in prange(n):  # threads own whole images, so two never add into the same pixel
        img = dx[b]
        for hi in range(h):
            for wi in range(w):
                px = img[hi, wi]
                for ch in range(c):
                    px[ch] = 0
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
@njit(cache=True, parallel=True)
def _add_rows(y, b):  # pragma: no cover (compiled)
    """``y[r, :] += b`` for every row, in place (the bias of a convolution)."""
    for r in prange(y.shape[0]):
        row = y[r]
        for k in range(b.shape[0]):
            row[k] += b[k]
    return y


def conv2d_forward(x: Any, w: Any, b: Any, sh: int, sw: int, pads: Pads) -> tuple[Any, Any]:
    """``y = im2col(x) @ W2d + b`` (N, OH, OW, O), and ``cols`` for the backward pass."""
    _check_conv(x.shape, w)
    kh, kw, c, o = w.shape
    n, h, wd, _ = x.shape
    oh = _out_size(h, kh, sh, pads[0], pads[1])
    ow = _out_size(wd, kw, sw, pads[2], pads[3])
    cols = im2col(x, kh, kw, sh, sw, pads)
    y = cols @ w.reshape(kh * kw * c, o)
    if b is not None:
        if y.size >= _PARALLEL_MIN:
            _add_rows(y, _c(b).astype(y.dtype, copy=False))
        else:
            y += b
    return y.reshape(n, oh, ow, o), cols


def conv2d_backward(
    dy: Any, x_shape: tuple, cols: Any, w: Any, sh: int, sw: int, pads: Pads,
    need_dx: bool, need_dw: bool, need_db: bool,
) -> tuple[Any, Any, Any]:  # fmt: skip
    """``dW = cols^T @ dY2d``, ``db = column sums of dY2d``, ``dx = col2im(dY2d @ W2d^T)``."""
    _check_conv(x_shape, w)
    kh, kw, c, o = w.shape
    dy2d = _c(dy).reshape(-1, o)
    dx = dw = db = None
    if need_dw:
        if cols is None:
            raise ValueError("conv2d_backward needs the forward's cols to compute dw, got None")
        dw = (cols.T @ dy2d).reshape(w.shape)
    if need_db:
        db = bias_grad(dy2d)
    if need_dx:
        dx = col2im(dy2d @ w.reshape(kh * kw * c, o).T, x_shape, kh, kw, sh, sw, pads)
    return dx, dw, db


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
    return _bias_grad(_c(dy2d))


# ----------------------------------------------------------------------------- max pool
@njit(cache=True, parallel=True)
def _maxpool_fwd(x, ph, pw, sh, sw, top, left, y, am):  # pragma: no cover (compiled)
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
            best = y[b, yo, xo]
            where = am[b, yo, xo]
            src = x[b, h0, w0]  # the first real element starts the search
            base = ((b * h + h0) * w + w0) * c
            for ch in range(c):
                best[ch] = src[ch]
                where[ch] = base + ch
            for hi in range(h0, h1):
                for wi in range(w0, w1):
                    src = x[b, hi, wi]
                    base = ((b * h + hi) * w + wi) * c
                    for ch in range(c):  # branch-free selects: LLVM vectorises them
                        v = src[ch]
                        bv = best[ch]
                        # strict '>' keeps the first maximum; a NaN wins once, as np.argmax
                        take = (v > bv) | ((v != v) & (bv == bv))
                        best[ch] = v if take else bv
                        where[ch] = base + ch if take else where[ch]
    return y, am


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


def maxpool2d_forward(x: Any, ph: int, pw: int, sh: int, sw: int, pads: Pads) -> tuple[Any, Any]:
    """Window maxima ``y`` and the flat index into ``x`` of each first maximum (int64)."""
    _check_pool_pads(ph, pw, pads)
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, ph, sh, top, bottom), _out_size(w, pw, sw, left, right)
    y = np.empty((n, oh, ow, c), dtype=x.dtype)
    am = np.empty((n, oh, ow, c), dtype=np.int64)
    return _maxpool_fwd(_c(x), ph, pw, sh, sw, top, left, y, am)


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
        for hi in range(h):
            for wi in range(w):
                px = img[hi, wi]
                for ch in range(c):
                    px[ch] = 0
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
    n, k = z.shape
    total = 0.0
    for r in range(n):
        m = z[r, 0]
        for j in range(1, k):
            m = max(m, z[r, j])
        s = 0.0
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
        if want_grad:
            for j in range(k):
                grad[r, j] = (np.exp(z[r, j] - m) / s) * tsum
                if not use_labels:
                    grad[r, j] -= probs[r, j]
            if use_labels:
                grad[r, labels[r]] -= 1.0
            for j in range(k):
                grad[r, j] /= n
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
