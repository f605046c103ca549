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
def _input_tiles(x, s, e, top, left, poh, pwo, rows, v):  # pragma: no cover (compiled)
    """``v[ξ, t] = (Bᵀ d B)[ξ]`` for the 4x4 patch d of every tile t of images s..e-1.

    Bᵀ is applied to the four input rows once per tile row, for all columns
    (``rows[i, col]``, channels last); then B to four columns per tile.  Views are
    taken once per tile row: inside, plain 2-D indexing keeps the loops vectorised.
    """
    _, h, w, c = x.shape
    cols = rows.shape[1]
    for i in range(4):
        rows[i, :, :] = 0  # columns outside the image stay zero (padding)
    t = 0
    for img in range(s, e):
        for p in range(poh):
            y0 = 2 * p - top
            lo, hi = left, min(cols, w + left)  # the columns of rows[] inside x
            d = x[img]
            r0, r1, r2, r3 = rows[0], rows[1], rows[2], rows[3]
            if y0 >= 0 and y0 + 4 <= h:
                for col in range(lo, hi):
                    xc = col - left
                    for ch in range(c):
                        a0, a1, a2, a3 = d[y0, xc, ch], d[y0 + 1, xc, ch], d[y0 + 2, xc, ch], d[y0 + 3, xc, ch]
                        r0[col, ch] = a0 - a2
                        r1[col, ch] = a1 + a2
                        r2[col, ch] = a2 - a1
                        r3[col, ch] = a1 - a3
            else:  # a tile row over the top or bottom edge: rows outside are zero
                for col in range(lo, hi):
                    xc = col - left
                    for ch in range(c):
                        a0 = d[y0, xc, ch] if 0 <= y0 < h else 0
                        a1 = d[y0 + 1, xc, ch] if 0 <= y0 + 1 < h else 0
                        a2 = d[y0 + 2, xc, ch] if 0 <= y0 + 2 < h else 0
                        a3 = d[y0 + 3, xc, ch] if 0 <= y0 + 3 < h else 0
                        r0[col, ch] = a0 - a2
                        r1[col, ch] = a1 + a2
                        r2[col, ch] = a2 - a1
                        r3[col, ch] = a1 - a3
            for i in range(4):
                r = rows[i]
                v0, v1 = v[4 * i, t : t + pwo], v[4 * i + 1, t : t + pwo]
                v2, v3 = v[4 * i + 2, t : t + pwo], v[4 * i + 3, t : t + pwo]
                for q in range(pwo):
                    for ch in range(c):
                        a0, a1, a2, a3 = r[2 * q, ch], r[2 * q + 1, ch], r[2 * q + 2, ch], r[2 * q + 3, ch]
                        v0[q, ch] = a0 - a2
                        v1[q, ch] = a1 + a2
                        v2[q, ch] = a2 - a1
                        v3[q, ch] = a1 - a3
            t += pwo


@njit(cache=True, nogil=True)
def _output_tiles(m, b, use_bias, relu, out):  # pragma: no cover (compiled)
    """``out[t, k] = act(max(Aᵀ m[:, t, k] A) + b[k])``: the 2x2 block, pooled.

    Returns how many blocks hold an infinity or NaN: there the transforms'
    sums and differences (inf - inf) may not give what the direct sum gives.
    """
    tiles, o = m.shape[1], m.shape[2]
    not_finite = 0
    for t in range(tiles):
        dst = out[t * o : (t + 1) * o]
        for k in range(o):
            # Aᵀ on the rows of the 4x4 tile, then A on the columns
            s00 = m[0, t, k] + m[4, t, k] + m[8, t, k]
            s01 = m[1, t, k] + m[5, t, k] + m[9, t, k]
            s02 = m[2, t, k] + m[6, t, k] + m[10, t, k]
            s03 = m[3, t, k] + m[7, t, k] + m[11, t, k]
            s10 = m[4, t, k] - m[8, t, k] - m[12, t, k]
            s11 = m[5, t, k] - m[9, t, k] - m[13, t, k]
            s12 = m[6, t, k] - m[10, t, k] - m[14, t, k]
            s13 = m[7, t, k] - m[11, t, k] - m[15, t, k]
            y00, y01 = s00 + s01 + s02, s01 - s02 - s03
            y10, y11 = s10 + s11 + s12, s11 - s12 - s13
            total = y00 + y01 + y10 + y11  # inf or NaN if any of the four is (or overflows)
            not_finite += (total - total) != 0
            y = y00  # the window in reading order, first maximum kept
            y = y01 if takes_max(y01, y) else y
            y = y10 if takes_max(y10, y) else y
            y = y11 if takes_max(y11, y) else y
            y = y + b[k] if use_bias else y
            dst[k] = 0 if relu and y < 0 else y  # NaN passes, as with np.maximum
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
        rows = np.empty((4, 2 * pwo + 2, c), dtype=x.dtype)
        _input_tiles(x, s, e, top, left, poh, pwo, rows, v)
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
