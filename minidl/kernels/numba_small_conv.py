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

With a single input channel (grayscale images) there is a shorter way: take one
2x2 pooling window at a time, read its 4x4 input patch once, and compute the
four outputs for all channels k in one vectorised loop over k, pooling them on
the spot (``_window_1ch``); no planes, no channels-last pass.
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


#: input channels up to which the direct kernel is the fastest: 256 images of 32x32, 32
#: output channels, measured against im2col + GEMM and Winograd: 7.2 / 11.1 ms at C = 2,
#: 19.1 / 25.0 ms (Winograd) at C = 8, 26.8 / 28.7 at C = 12, even at C = 16
MAX_CHANNELS = 8

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


@njit(cache=True, nogil=True, fastmath={"contract"}, inline="always")
def _window_1ch(im, y, x, w0, w1, w2, w3, w4, w5, w6, w7, w8, b, use_bias, relu, dst):  # pragma: no cover
    """One 2x2 pooling window of a one-channel 3x3 convolution, every output channel k.

    The 4x4 input patch at (y, x) is read once; for each k the four convolution
    outputs of the window are sums of nine products (grouped by kernel row, so the
    three partial sums run in parallel), then pooled, biased and activated.  The
    loop over k (the weights ``w0..w8[k]`` of the nine taps) is vectorised.
    """
    a00, a01, a02, a03 = im[y, x], im[y, x + 1], im[y, x + 2], im[y, x + 3]
    a10, a11, a12, a13 = im[y + 1, x], im[y + 1, x + 1], im[y + 1, x + 2], im[y + 1, x + 3]
    a20, a21, a22, a23 = im[y + 2, x], im[y + 2, x + 1], im[y + 2, x + 2], im[y + 2, x + 3]
    a30, a31, a32, a33 = im[y + 3, x], im[y + 3, x + 1], im[y + 3, x + 2], im[y + 3, x + 3]
    for k in range(dst.shape[0]):
        s00 = ((a00 * w0[k] + a01 * w1[k] + a02 * w2[k]) + (a10 * w3[k] + a11 * w4[k] + a12 * w5[k])
               + (a20 * w6[k] + a21 * w7[k] + a22 * w8[k]))
        s01 = ((a01 * w0[k] + a02 * w1[k] + a03 * w2[k]) + (a11 * w3[k] + a12 * w4[k] + a13 * w5[k])
               + (a21 * w6[k] + a22 * w7[k] + a23 * w8[k]))
        s10 = ((a10 * w0[k] + a11 * w1[k] + a12 * w2[k]) + (a20 * w3[k] + a21 * w4[k] + a22 * w5[k])
               + (a30 * w6[k] + a31 * w7[k] + a32 * w8[k]))
        s11 = ((a11 * w0[k] + a12 * w1[k] + a13 * w2[k]) + (a21 * w3[k] + a22 * w4[k] + a23 * w5[k])
               + (a31 * w6[k] + a32 * w7[k] + a33 * w8[k]))
        m = s00  # the window in reading order, first maximum kept, a NaN wins
        m = s01 if takes_max(s01, m) else m
        m = s10 if takes_max(s10, m) else m
        m = s11 if takes_max(s11, m) else m
        m = m + b[k] if use_bias else m
        dst[k] = 0 if relu and m < 0 else m


@njit(cache=True, parallel=True, nogil=True, fastmath={"contract"})
def _conv3x3_pool_1ch_tasks(x, wk, top, left, hp, wp, b, use_bias, relu, out):  # pragma: no cover
    """One input channel: window by window, channels last, no intermediate planes."""
    n, o = x.shape[0], wk.shape[1]
    poh, pwo = out.shape[1], out.shape[2]
    w0, w1, w2, w3, w4, w5, w6, w7, w8 = wk[0], wk[1], wk[2], wk[3], wk[4], wk[5], wk[6], wk[7], wk[8]
    for t in prange((n + IMAGES_PER_TASK - 1) // IMAGES_PER_TASK):
        xp = np.empty((1, hp * wp + 2), dtype=x.dtype)
        im = xp[0, : hp * wp].reshape((hp, wp))
        for img in range(t * IMAGES_PER_TASK, min(n, (t + 1) * IMAGES_PER_TASK)):
            _pad_channels(x, img, top, left, wp, xp)
            flat = out[img].reshape(poh * pwo * o)
            for p in range(poh):
                for q in range(pwo):
                    at = (p * pwo + q) * o
                    _window_1ch(im, 2 * p, 2 * q, w0, w1, w2, w3, w4, w5, w6, w7, w8, b, use_bias, relu,
                                flat[at : at + o])
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
    if c == 1:  # the usual first layer (grayscale images): ~1.4x faster than planes
        wk = np.ascontiguousarray(w.reshape(9, o))
        return dynamic(_conv3x3_pool_1ch_tasks, x, wk, top, left, hp, wp, bias, use_bias, relu, out)
    wp += wp % 2  # an even row length, so horizontal pairs stay within a row
    oh = hp - 2
    wt = np.ascontiguousarray(w.reshape(9 * c, o).T)
    return dynamic(_conv3x3_pool_tasks, x, wt, top, left, hp, wp, oh, bias, use_bias, relu, out)
