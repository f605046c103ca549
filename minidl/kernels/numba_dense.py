"""Numba CPU kernels of the dense layers and the classifier head: ReLU, bias + ReLU in
one pass and its backward with the bias gradient, softmax, softmax cross-entropy.

Same rules as :mod:`minidl.kernels.cpu_numba`, which re-exports them: each public
function checks its arguments in Python and hands plain arrays to a compiled loop;
sums run in a fixed order (bitwise reproducible); ``cache=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from minidl.kernels import reference
from minidl.kernels.blas import NO_TRANS, ORDER, dynamic, gemm_function, have_cblas, matmul, split_plan
from minidl.kernels.numba_conv import _c
from minidl.kernels.numba_math import exp
from minidl.kernels.reference import check_target

_PARALLEL_MIN = 1 << 15  # below this many elements a parallel loop costs more than it saves


# ----------------------------------------------------------------------------- losses
@njit(cache=True)
def _exp_all(e):  # pragma: no cover (compiled)
    """e ← exp(e), element by element over the flat array (one vectorised loop)."""
    flat = e.reshape(e.size)
    for i in range(flat.size):
        flat[i] = exp(flat[i])


@njit(cache=True)
def _shift_rows(z, d):  # pragma: no cover (compiled)
    """d = z - (row maximum of z); a NaN in a row makes that row's shift NaN."""
    n, k = z.shape
    for r in range(n):
        m = z[r, 0]
        for j in range(1, k):
            v = z[r, j]
            m = v if v > m or v != v else m
        for j in range(k):
            d[r, j] = z[r, j] - m


@njit(cache=True)
def _softmax_ce(z, labels, probs, use_labels, want_grad, e):  # pragma: no cover (compiled)
    """With d = z - max z per row: s = Σ e^d, loss = log s - Σ t·d (t the one-hot or
    probability target, Σ t = 1 for labels).  The exponentials are computed in one
    vectorised pass over ``e``, which then becomes the gradient (softmax·Σt - t) / N."""
    n, k = z.shape
    _shift_rows(z, e)
    d_target = np.empty(n, e.dtype)  # d of the labelled class, read before e is overwritten
    if use_labels:
        for r in range(n):
            d_target[r] = e[r, labels[r]]
    total = 0.0
    if not use_labels:
        for r in range(n):
            for j in range(k):
                total -= probs[r, j] * e[r, j]
    _exp_all(e)
    for r in range(n):
        s = 0.0
        for j in range(k):
            s += e[r, j]
        lse = np.log(s)
        tsum = 1.0
        if use_labels:
            total += lse - d_target[r]
        else:
            tsum = 0.0
            for j in range(k):
                tsum += probs[r, j]
            total += tsum * lse
        if want_grad:
            scale = tsum / (s * n)
            for j in range(k):
                e[r, j] = e[r, j] * scale
            if use_labels:
                e[r, labels[r]] -= 1.0 / n
            else:
                for j in range(k):
                    e[r, j] -= probs[r, j] / n
    return total / max(n, 1)


@njit(cache=True, nogil=True)
def _labels_in_range(labels, k):  # pragma: no cover (compiled)
    for i in range(labels.shape[0]):
        if labels[i] < 0 or labels[i] >= k:
            return False
    return True


def softmax_cross_entropy(logits: Any, target: Any, want_grad: bool) -> tuple[Any, Any]:
    """Mean softmax cross-entropy (0-d array, the logits' dtype) and ``(softmax - t) / N``."""
    z = _c(logits)
    labels, probs = np.zeros(1, np.int64), np.zeros((1, 1), z.dtype)  # the compiled loop reads only one
    if (z.ndim == 2 and type(target) is np.ndarray and target.ndim == 1 and target.dtype.kind in "iu"
            and target.shape[0] == z.shape[0]):  # labels, the usual case: one compiled range check
        labels, use_labels = _c(target).astype(np.int64, copy=False), True  # (uint64 > 2**63: negative)
        if not _labels_in_range(labels, z.shape[1]):
            check_target(logits, target)  # raises, naming the first bad label
    elif use_labels := check_target(logits, target):
        labels = _c(target).astype(np.int64, copy=False)
    else:
        probs = _c(target).astype(z.dtype, copy=False)
    grad = np.empty_like(z)  # holds the exponentials, then the gradient
    loss = _softmax_ce(z, labels, probs, use_labels, want_grad, grad)
    return np.asarray(loss, dtype=z.dtype), (grad if want_grad else None)


# ----------------------------------------------------------------------------- softmax
@njit(cache=True, nogil=True)
def _softmax_rows(x, y):  # pragma: no cover (compiled)
    """y = e^(x - max x) per row (the exponentials in one vectorised pass), then each row
    scaled by 1 / its sum.  A NaN anywhere in a row makes the whole row NaN, as in the
    NumPy version."""
    n, k = x.shape
    _shift_rows(x, y)
    _exp_all(y)
    for r in range(n):
        s = 0.0
        for j in range(k):
            s += y[r, j]
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
        dx[i] = 0 if y[i] <= 0 else dy[i]
    return dx


def relu_forward(x: Any) -> np.ndarray:
    """``y = max(x, 0)``."""
    if x.size < _PARALLEL_MIN:
        return np.maximum(x, x.dtype.type(0))
    x = _c(x)
    return _relu_fwd(x.reshape(-1), np.empty(x.size, x.dtype)).reshape(x.shape)


def relu_backward(dy: Any, y: Any) -> np.ndarray:
    """``dx = 0 where y <= 0, else dy`` (a NaN passes the gradient, as in PyTorch)."""
    if dy.size < _PARALLEL_MIN:
        return np.where(y <= 0, dy.dtype.type(0), dy)
    dy, y = _c(dy), _c(y)
    return _relu_bwd(dy.reshape(-1), y.reshape(-1), np.empty(dy.size, dy.dtype)).reshape(dy.shape)


# ----------------------------------------------------------------------------- dense layer
_ROW_BLOCKS = 8  # fixed blocks of rows: the bias-gradient partial sums add up in one order


@njit(cache=True, nogil=True)
def _bias_act_rows(y, b, use_bias, relu, r0, r1, c0, c1):  # pragma: no cover (compiled)
    """``y[r, c] = act(y[r, c] + b[c])`` for rows r0..r1-1 and columns c0..c1-1, in place."""
    bias = b[c0:c1] if use_bias else b
    for r in range(r0, r1):
        row = y[r, c0:c1]
        for k in range(row.shape[0]):
            v = row[k] + bias[k] if use_bias else row[k]
            row[k] = 0 if relu and v < 0 else v  # NaN passes, as with np.maximum


@njit(cache=True, nogil=True)
def _relu_bwd_rows(dy, y, dx, r0, r1, acc):  # pragma: no cover (compiled)
    """``dx[r] = 0 where y[r] <= 0, else dy[r]`` for rows r0..r1-1; their sum added to ``acc``."""
    for r in range(r0, r1):
        g, out, mask = dy[r], dx[r], y[r]
        for k in range(g.shape[0]):
            out[k] = 0 if mask[k] <= 0 else g[k]
        for k in range(g.shape[0]):  # a loop of its own: inside the first it would stop vectorising
            acc[k] += out[k]


@njit(cache=True, parallel=True, nogil=True)
def _bias_act_blocks(y, b, use_bias, relu):  # pragma: no cover (compiled)
    rows = y.shape[0]
    step = (rows + _ROW_BLOCKS - 1) // _ROW_BLOCKS
    for t in prange(_ROW_BLOCKS):
        _bias_act_rows(y, b, use_bias, relu, t * step, min(rows, (t + 1) * step), 0, y.shape[1])


@njit(cache=True, parallel=True, nogil=True)
def _relu_bwd_blocks(dy, y, dx, parts):  # pragma: no cover (compiled)
    rows = dy.shape[0]
    step = (rows + _ROW_BLOCKS - 1) // _ROW_BLOCKS
    for t in prange(_ROW_BLOCKS):
        _relu_bwd_rows(dy, y, dx, t * step, min(rows, (t + 1) * step), parts[t])


_DENSE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _dense_ok(*arrays: Any) -> bool:
    """float32/float64 arrays of one dtype, at least 1-D: the compiled loops apply."""
    a = arrays[0]
    dtype = a.dtype
    if not (a.ndim > 0 and a.shape[-1] > 0 and dtype in _DENSE_DTYPES):
        return False
    for x in arrays:  # a loop, not all(genexpr): this runs for every dense layer, twice a step
        if x.dtype != dtype:
            return False
    return True


def bias_act(y: Any, b: Any, relu: bool) -> Any:
    """``y = act(y + b)`` in place on the (..., N) output of a dense layer (``b`` may be None),
    in one pass; on all cores for large outputs."""
    if not (y.flags.c_contiguous and _dense_ok(y) and (b is None or b.dtype == y.dtype)):
        return reference.bias_act(y, b, relu)
    n = y.shape[-1]
    y2, bias = y.reshape(-1, n), (_c(b) if b is not None else np.zeros(n, y.dtype))
    if y.size < _PARALLEL_MIN:
        _bias_act_rows(y2, bias, b is not None, relu, 0, y2.shape[0], 0, n)
    else:
        _bias_act_blocks(y2, bias, b is not None, relu)
    return y


@njit(cache=True, parallel=True, nogil=True)
def _linear_blocks(gemm, x, w, y, b, use_bias, relu, step, by_rows):  # pragma: no cover (compiled)
    """``y = act(x @ w + b)``: blocks of ``step`` rows (or columns) of y on different threads,
    each one single-threaded BLAS product, then its bias and ReLU while the block is still
    in that core's cache (a separate pass would read the whole output back from memory)."""
    m, n = y.shape
    k = x.shape[1]
    item = y.itemsize
    size = m if by_rows else n
    for t in prange((size + step - 1) // step):
        s = t * step
        e = min(size, s + step)
        r0, r1, c0, c1 = (s, e, 0, n) if by_rows else (0, m, s, e)
        gemm(ORDER, NO_TRANS, NO_TRANS, r1 - r0, c1 - c0, k, 1.0, x.ctypes.data + r0 * k * item, k,
             w.ctypes.data + c0 * item, n, 0.0, y.ctypes.data + (r0 * n + c0) * item, n)
        _bias_act_rows(y, b, use_bias, relu, r0, r1, c0, c1)


def linear_forward(x: Any, w: Any, b: Any, relu: bool) -> Any:
    """``act(x @ w + b)``, the dense layer's output (``b`` may be None, act is ReLU or none).
    A large 2-D product runs in blocks on all cores, each block finishing with its bias and
    ReLU (see :func:`_linear_blocks`); otherwise the product, then :func:`bias_act`."""
    plan = (split_plan(x.shape[0], x.shape[1], w.shape[1])  # None for small products: most of them
            if type(x) is np.ndarray and x.ndim == 2 and type(w) is np.ndarray and w.ndim == 2 else None)
    if (plan is not None and x.flags.c_contiguous and w.flags.c_contiguous and _dense_ok(x, w)
            and (b is None or (type(b) is np.ndarray and b.dtype == x.dtype)) and have_cblas()):
        y = np.empty((x.shape[0], w.shape[1]), x.dtype)
        bias = _c(b) if b is not None else y[0]  # (not read without a bias)
        dynamic(_linear_blocks, gemm_function(x.dtype), x, w, y, bias, b is not None, relu, plan[0], plan[1])
        return y
    y = matmul(x, w)
    return bias_act(y, b, relu) if b is not None or relu else y


def relu_backward_bias(dy: Any, y: Any, need_bias: bool) -> tuple[Any, Any]:
    """``dx = 0 where y <= 0, else dy`` and, if asked, the bias gradient Σ_rows dx (in float64),
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
    if not need_bias:
        return dx.reshape(shape), None
    # the blocks' partial sums added in order: reproducible
    db = parts.sum(axis=0).astype(dx.dtype) if big else parts[0].astype(dx.dtype)
    return dx.reshape(shape), db
