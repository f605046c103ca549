"""A direct 3x3 convolution for inputs with few channels (the first layer of a CNN).

With one input channel, the column matrix of a 3x3 convolution has only K = 9
columns, so ``cols @ W`` does 9 multiply-adds per output value and spends its
time writing the (N*OH*OW, O) result and building the columns, not computing
(the course CNN's first layer ran at ~28 Gflop/s that way, against ~65 for its
second layer).  Here each output channel is computed as a whole *plane*, one
long vectorisable loop per channel:

    plane_k[i] = Σ_c Σ_(a,b) w[a, b, c, k] · xpad_c[i + a·Wp + b]

where ``xpad_c`` is channel c of the zero-padded image, flattened row by row
with row length ``Wp``, and ``i = y·Wp + x``.  Positions with ``x >= OW`` wrap
into the next row: they are computed and never read.  The nine taps are written
out, so they stay in registers and the loop does nine fused multiply-adds per
value with no loads or stores of partial sums.

Each plane is pooled while it is in L1 cache, in two passes: the maximum of
horizontal pairs over the whole plane, then of vertical pairs.  The pooled
planes are then written channels-last with the bias and ReLU (pooling first is
exact: adding a constant and ReLU are non-decreasing, so they commute with the
maximum).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from minidl.kernels.blas import dynamic


@njit(cache=True, inline="always")
def takes_max(v, best):  # pragma: no cover (compiled)
    """Does ``v`` replace ``best`` as a window's maximum?  Strictly greater keeps the first
    maximum (as ``np.argmax``) and a NaN wins once (as ``np.max``); branch-free, so the
    loops that call it stay vectorised."""
    return (v > best) | ((v != v) & (best == best))


#: input channels up to which the direct kernel beats im2col + GEMM (K = 9 C columns)
MAX_CHANNELS = 4

#: images per parallel task: enough work to hide the hand-out, small enough to balance
IMAGES_PER_TASK = 4


def fits_direct(w_shape: tuple, sh: int, sw: int, pool: tuple[int, int, int, int]) -> bool:
    """Is ``conv(3x3, stride 1, few channels) -> maxpool(2x2, stride 2)`` what is asked?"""
    kh, kw, c, _ = w_shape
    return (kh, kw, sh, sw) == (3, 3, 1, 1) and c <= MAX_CHANNELS and pool == (2, 2, 2, 2)


@njit(cache=True, nogil=True)
def _pad_channels(x, img, top, left, wp, xp):  # pragma: no cover (compiled)
    """``xp[c]`` = channel c of image ``img``, zero-padded, flattened with row length ``wp``."""
    _, h, w, c = x.shape
    for ch in range(c):
        dst = xp[ch]
        for i in range(dst.shape[0]):
            dst[i] = 0
        for r in range(h):
            row = dst[(r + top) * wp + left : (r + top) * wp + left + w]
            for s in range(w):
                row[s] = x[img, r, s, ch]


@njit(cache=True, nogil=True, fastmath={"contract"})
def _conv3x3_plane(xp, wt, k, wp, oh, plane):  # pragma: no cover (compiled)
    """``plane[y*wp + x]`` = output channel k, Σ over channels and taps (no bias); ``wt`` (O, 9*C)."""
    c = xp.shape[0]
    m = oh * wp
    for ch in range(c):
        w0, w1, w2 = wt[k, ch], wt[k, c + ch], wt[k, 2 * c + ch]
        w3, w4, w5 = wt[k, 3 * c + ch], wt[k, 4 * c + ch], wt[k, 5 * c + ch]
        w6, w7, w8 = wt[k, 6 * c + ch], wt[k, 7 * c + ch], wt[k, 8 * c + ch]
        r0 = xp[ch, 0 : m + 2]  # slices: non-negative indices, so the loops vectorise
        r1 = xp[ch, wp : wp + m + 2]
        r2 = xp[ch, 2 * wp : 2 * wp + m + 2]
        # two loops, not one with a branch inside: the branch stops LLVM vectorising
        if ch == 0:
            for i in range(m):
                plane[i] = (w0 * r0[i] + w1 * r0[i + 1] + w2 * r0[i + 2]
                            + w3 * r1[i] + w4 * r1[i + 1] + w5 * r1[i + 2]
                            + w6 * r2[i] + w7 * r2[i + 1] + w8 * r2[i + 2])  # fmt: skip
        else:
            for i in range(m):
                plane[i] += (w0 * r0[i] + w1 * r0[i + 1] + w2 * r0[i + 2]
                             + w3 * r1[i] + w4 * r1[i + 1] + w5 * r1[i + 2]
                             + w6 * r2[i] + w7 * r2[i + 1] + w8 * r2[i + 2])  # fmt: skip


@njit(cache=True, nogil=True)
def _pool_plane(plane, half, wp, poh, pwo, pooled):  # pragma: no cover (compiled)
    """``pooled[p*pwo + q]`` = maximum of the 2x2 window (2p, 2q) of one channel's plane.

    First the maximum of horizontal pairs over the whole plane (rows have even
    length, so pairs never straddle two rows), then of vertical pairs.
    """
    for j in range(half.shape[0]):
        a, v = plane[2 * j], plane[2 * j + 1]
        half[j] = v if takes_max(v, a) else a  # the first maximum; a NaN wins
    hw = wp // 2
    for p in range(poh):
        upper = half[2 * p * hw : 2 * p * hw + pwo]
        lower = half[(2 * p + 1) * hw : (2 * p + 1) * hw + pwo]
        dst = pooled[p * pwo : (p + 1) * pwo]
        for q in range(pwo):
            a, v = upper[q], lower[q]
            dst[q] = v if takes_max(v, a) else a


@njit(cache=True, nogil=True)
def _channels_last(pooled, b, use_bias, relu, dst):  # pragma: no cover (compiled)
    """``dst[i, k] = act(pooled[k, i] + b[k])``: channel planes to NHWC."""
    o, m = pooled.shape
    for i in range(m):
        d = dst[i * o : (i + 1) * o]
        for k in range(o):
            v = pooled[k, i] + b[k] if use_bias else pooled[k, i]
            d[k] = 0 if relu and v < 0 else v  # NaN passes, as with np.maximum


@njit(cache=True, parallel=True, nogil=True)
def _conv3x3_pool_tasks(x, wt, top, left, hp, wp, oh, b, use_bias, relu, out):  # pragma: no cover
    n, c, o = x.shape[0], x.shape[3], wt.shape[0]
    poh, pwo = out.shape[1], out.shape[2]
    for t in prange((n + IMAGES_PER_TASK - 1) // IMAGES_PER_TASK):
        xp = np.empty((c, hp * wp + 2), dtype=x.dtype)  # +2: the last row's wrapped taps
        plane = np.empty(oh * wp, dtype=x.dtype)  # one channel at a time: stays in L1
        half = np.empty(oh * wp // 2, dtype=x.dtype)
        pooled = np.empty((o, poh * pwo), dtype=x.dtype)
        for img in range(t * IMAGES_PER_TASK, min(n, (t + 1) * IMAGES_PER_TASK)):
            _pad_channels(x, img, top, left, wp, xp)
            for k in range(o):
                _conv3x3_plane(xp, wt, k, wp, oh, plane)
                _pool_plane(plane, half, wp, poh, pwo, pooled[k])
            _channels_last(pooled, b, use_bias, relu, out[img].reshape(poh * pwo * o))
    return out


def conv3x3_maxpool2x2(x: np.ndarray, w: np.ndarray, bias: np.ndarray, use_bias: bool,
                       relu: bool, pads: tuple[int, int, int, int], out: np.ndarray) -> np.ndarray:
    """``out = maxpool2x2(act(conv3x3(x) + b))`` for C-contiguous float arrays of one dtype.

    ``x`` (N, H, W, C), ``w`` (3, 3, C, O), ``out`` (N, OH // 2, OW // 2, O).
    """
    top, bottom, left, right = pads
    n, h, width, c = x.shape
    o = w.shape[3]
    hp, wp = h + top + bottom, width + left + right
    wp += wp % 2  # an even row length, so horizontal pairs stay within a row
    oh = hp - 2
    wt = np.ascontiguousarray(w.reshape(9 * c, o).T)
    return dynamic(_conv3x3_pool_tasks, x, wt, top, left, hp, wp, oh, bias, use_bias, relu, out)
