"""Winograd's F(2x2, 3x3) convolution fused with a 2x2 max pool, for inference.

A 3x3 convolution computes each 2x2 block of outputs from a 4x4 patch ``d`` of
the input.  Winograd's minimal filtering algorithm (Lavin and Gray, 2015) does it
with 16 multiplications per input/output channel pair instead of 36:

    Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A

with the fixed matrices

    Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G  = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]]

Summed over input channels, the element-wise product becomes 16 matrix products,
one per position ξ of the 4x4 transformed tile:

    M[ξ] (tiles, O) = V[ξ] (tiles, C) @ U[ξ] (C, O),   V = Bᵀ d B,  U = G g Gᵀ

so BLAS does 2.25x fewer multiply-adds than with im2col (its products, with only
C = 32 columns, run ~20% slower per flop, which leaves ~1.8x).  A 2x2 output
block is exactly one window of a 2x2, stride-2 max pool, so the output transform
pools, adds the bias and applies ReLU while the tile is in registers.

The transforms add and subtract inputs, which costs a little accuracy: ~1e-6
relative in float32 against the direct sum.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from minidl.kernels.blas import dynamic, gemm_into
from minidl.kernels.numba_small_conv import MAX_CHANNELS, takes_max

#: tiles (pool windows) per chunk: enough rows for BLAS to run at speed, small enough
#: that a chunk's transformed inputs and products stay in the L2/L3 caches
TILES_PER_CHUNK = 200

_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


def fits_winograd(w_shape: tuple, sh: int, sw: int, pool: tuple[int, int, int, int]) -> bool:
    """Is ``conv(3x3, stride 1, many channels) -> maxpool(2x2, stride 2)`` what is asked?"""
    kh, kw, c, _ = w_shape
    return (kh, kw, sh, sw) == (3, 3, 1, 1) and c > MAX_CHANNELS and pool == (2, 2, 2, 2)


def transformed_weights(w: np.ndarray) -> np.ndarray:
    """``U[ξ] = G g Gᵀ`` for every (input, output) channel pair: (16, C, O), in w's dtype."""
    c, o = w.shape[2], w.shape[3]
    g = _G.astype(w.dtype)  # halves and ones: exact in any float type
    g_rows = (g @ np.ascontiguousarray(w).reshape(3, 3 * c * o)).reshape(4, 3, c * o)  # G w
    u = g @ g_rows.transpose(1, 0, 2).reshape(3, 4 * c * o)  # (G w Gᵀ)ᵀ: u[j, i] = U[i, j]
    return np.ascontiguousarray(u.reshape(4, 4, c, o).transpose(1, 0, 2, 3)).reshape(16, c, o)


@njit(cache=True, nogil=True)
def _input_tiles(x, s, e, top, left, poh, pwo, prow, ct, v):  # pragma: no cover (compiled)
    """``v[ξ, t] = (Bᵀ d B)[ξ]`` for the 4x4 patch d of every tile t of images s..e-1.

    B on the columns first, once per input row (a tile row shares two input rows
    with the next): ``ct[k, y, q] = (d B)[k]`` for tile column q, from the row
    copied into ``prow`` between zero columns (the padding).  Then Bᵀ on the rows,
    for a whole tile row at once: ``ct[k, y]`` is one contiguous run of
    ``pwo * C`` numbers, and so is ``v[ξ, t:t + pwo]``.  Each loop writes one
    array and reads two: LLVM vectorises such loops, not ones that mix several
    outputs (it would have to check at run time that none of them overlap).
    """
    _, h, w, c = x.shape
    cols = prow.shape[0]
    prow[:, :] = 0
    n_in = min(w, cols - left) * c  # entries of an input row that land in prow
    span = pwo * c
    zero = np.zeros(span, x.dtype)  # a transformed row above or below the image
    row_in = prow.reshape(cols * c)[left * c : left * c + n_in]
    xf, ctf, vf = x.reshape(x.shape[0], h, w * c), ct.reshape(4, h, span), v.reshape(16, v.shape[1] * c)
    t = 0
    for img in range(s, e):
        for y in range(h):  # d B for every tile column of input row y
            src = xf[img, y]
            for j in range(n_in):
                row_in[j] = src[j]
            for q in range(pwo):
                for ch in range(c):
                    ct[0, y, q, ch] = prow[2 * q, ch] - prow[2 * q + 2, ch]
                for ch in range(c):
                    ct[1, y, q, ch] = prow[2 * q + 1, ch] + prow[2 * q + 2, ch]
                for ch in range(c):
                    ct[2, y, q, ch] = prow[2 * q + 2, ch] - prow[2 * q + 1, ch]
                for ch in range(c):
                    ct[3, y, q, ch] = prow[2 * q + 1, ch] - prow[2 * q + 3, ch]
        for p in range(poh):  # Bᵀ (d B) for every tile of tile row p
            y0 = 2 * p - top
            for k in range(4):
                r0 = ctf[k, y0] if 0 <= y0 < h else zero
                r1 = ctf[k, y0 + 1] if 0 <= y0 + 1 < h else zero
                r2 = ctf[k, y0 + 2] if 0 <= y0 + 2 < h else zero
                r3 = ctf[k, y0 + 3] if 0 <= y0 + 3 < h else zero
                v0, v1 = vf[k, t * c : t * c + span], vf[4 + k, t * c : t * c + span]
                v2, v3 = vf[8 + k, t * c : t * c + span], vf[12 + k, t * c : t * c + span]
                for j in range(span):
                    v0[j] = r0[j] - r2[j]
                for j in range(span):
                    v1[j] = r1[j] + r2[j]
                for j in range(span):
                    v2[j] = r2[j] - r1[j]
                for j in range(span):
                    v3[j] = r1[j] - r3[j]
            t += pwo


#: tiles whose output transform runs as one block: its scratch rows stay in L1
_OUT_BLOCK = 8


@njit(cache=True, nogil=True)
def _output_tiles(m, b, use_bias, relu, out):  # pragma: no cover (compiled)
    """``out[t, k] = act(max(Aᵀ m[:, t, k] A) + b[k])``: the 2x2 block, pooled.

    ``m[ξ]`` holds ξ's product for all tiles and channels in a row, so each step
    runs over a block of tiles at once: Aᵀ on the rows (``s``), A on the columns
    (``y``, the four outputs of the 2x2 block), then the pool.  Returns how many
    positions of a block saw an infinity or NaN in some tile: there the
    transforms' sums and differences (inf - inf) may not give what the direct sum
    gives.  ``check`` records it without a running count, which would stop the
    loop from being vectorised: ``x - x`` is 0 for a finite x and NaN otherwise.
    """
    tiles, o = m.shape[1], m.shape[2]
    blk = _OUT_BLOCK * o
    mf = m.reshape(16, tiles * o)
    s, y = np.empty((8, blk), m.dtype), np.empty((4, blk), m.dtype)
    bias, check = np.zeros(blk, m.dtype), np.zeros(blk, m.dtype)
    if use_bias:  # b repeated for every tile of a block
        for j in range(blk):
            bias[j] = b[j % o]
    for t0 in range(0, tiles, _OUT_BLOCK):
        a, n = t0 * o, min(tiles - t0, _OUT_BLOCK) * o
        for r in range(4):  # Aᵀ on the rows of the 4x4 tile
            m0, m1, m2, m3 = mf[r, a : a + n], mf[4 + r, a : a + n], mf[8 + r, a : a + n], mf[12 + r, a : a + n]
            s0, s1 = s[r], s[4 + r]
            for j in range(n):
                s0[j] = m0[j] + m1[j] + m2[j]
            for j in range(n):
                s1[j] = m1[j] - m2[j] - m3[j]
        for half in range(2):  # then A on the columns
            q0, q1, q2, q3 = s[4 * half], s[4 * half + 1], s[4 * half + 2], s[4 * half + 3]
            y0, y1 = y[2 * half], y[2 * half + 1]
            for j in range(n):
                y0[j] = q0[j] + q1[j] + q2[j]
            for j in range(n):
                y1[j] = q1[j] - q2[j] - q3[j]
        y00, y01, y10, y11, dst = y[0], y[1], y[2], y[3], out[a : a + n]
        for j in range(n):
            total = y00[j] + y01[j] + y10[j] + y11[j]  # inf or NaN if any of the four is (or overflows)
            check[j] += total - total
            v = y00[j]  # the window in reading order, first maximum kept
            v = y01[j] if takes_max(y01[j], v) else v
            v = y10[j] if takes_max(y10[j], v) else v
            v = y11[j] if takes_max(y11[j], v) else v
            v = v + bias[j]
            dst[j] = 0 if relu and v < 0 else v  # NaN passes, as with np.maximum
    not_finite = 0
    for j in range(blk):
        not_finite += check[j] != 0
    return not_finite


@njit(cache=True, parallel=True, nogil=True)
def _winograd_pool_chunks(gemm, x, u, top, left, b, use_bias, relu, per, out):  # pragma: no cover
    n, c = x.shape[0], x.shape[3]
    poh, pwo, o = out.shape[1], out.shape[2], out.shape[3]
    tiles = poh * pwo
    flat = out.reshape(out.size)
    not_finite = 0
    for t in prange((n + per - 1) // per):
        s, e = t * per, min(n, t * per + per)
        v = np.empty((16, (e - s) * tiles, c), dtype=x.dtype)
        m = np.empty((16, (e - s) * tiles, o), dtype=x.dtype)
        prow = np.empty((2 * pwo + 2, c), dtype=x.dtype)
        ct = np.empty((4, x.shape[1], pwo, c), dtype=x.dtype)
        _input_tiles(x, s, e, top, left, poh, pwo, prow, ct, v)
        for xi in range(16):
            gemm_into(gemm, v[xi], u[xi], m[xi], False, False, 0.0)
        not_finite += _output_tiles(m, b, use_bias, relu, flat[s * tiles * o : e * tiles * o])
    return not_finite


def conv3x3_maxpool2x2_winograd(gemm, x: np.ndarray, w: np.ndarray, bias: np.ndarray,
                                use_bias: bool, relu: bool, pads: tuple[int, int, int, int],
                                out: np.ndarray) -> bool:
    """``out = maxpool2x2(act(conv3x3(x) + b))``, C-contiguous float arrays of one dtype.

    ``x`` (N, H, W, C), ``w`` (3, 3, C, O), ``out`` (N, OH // 2, OW // 2, O);
    ``gemm`` is the CBLAS product of that dtype (:func:`minidl.kernels.blas.gemm_function`).
    Returns False, with ``out`` not to be used, when some output is not finite: the
    caller then computes it the direct way, whose infinities and NaNs are the reference's.
    """
    tiles = out.shape[1] * out.shape[2]
    per = max(1, TILES_PER_CHUNK // max(1, tiles))
    return 0 == dynamic(_winograd_pool_chunks, gemm, x, transformed_weights(w), pads[0], pads[2],
                   bias, use_bias, relu, per, out)
