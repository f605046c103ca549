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

# the convolution kernels (chunked im2col + BLAS) and the dense-layer ones live in their own
# modules, re-exported here
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
from minidl.kernels.numba_dense import (  # noqa: F401
    bias_act,
    linear_forward,
    relu_backward,
    relu_backward_bias,
    relu_forward,
    softmax,
    softmax_cross_entropy,
)
from minidl.kernels.reference import Pads, _check_pool_pads, _out_size

pad_amounts = reference.pad_amounts  # pure Python: one version shared by every kernel module
# minidl spreads products and convolution chunks over the cores itself (blas.py): OpenBLAS's
# own threads, once started, slow those calls down ~2x, so it runs on one thread from here on
# (also when NumPy was imported first, or OPENBLAS_NUM_THREADS asked for more)
use_one_blas_thread()


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
