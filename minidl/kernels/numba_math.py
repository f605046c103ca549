"""``exp`` for compiled loops, written out so that the compiler can vectorise it.

Inside a Numba loop ``np.exp`` of a float32 becomes one call to the C library's
``expf`` per element (~5 ns here): LLVM cannot turn a call into vector instructions.
Written as plain arithmetic, the same function runs on 8 floats at a time (AVX2),
~6x faster.  That is what softmax and the cross-entropy spend their time on.

The method is the one C libraries use (Cody & Waite; Cephes ``expf``):

1. write ``x = n·ln 2 + r`` with ``n`` the integer nearest to ``x / ln 2``, so that
   ``|r| <= ln 2 / 2``; then ``e^x = 2^n · e^r``;
2. ``e^r`` by a degree-6 polynomial (Taylor-like, coefficients fitted for this range);
   ``n·ln 2`` is subtracted in two parts (``ln 2 = 0.693359375 - 2.12194440e-4``, the
   first exact in a few bits) so that ``r`` keeps its precision;
3. ``2^n`` built from its bits: a float32 with exponent field ``n + 127`` and a zero
   mantissa.  Two factors ``2^(n/2)`` cover results below the normal range
   (subnormals) and above it (overflow to inf), where one factor could not.

Error: at most ~1.5 units in the last place (ulp) against the exact value, over the
whole float32 range (tested against float64 ``np.exp``).  ``inf`` gives ``inf``,
``-inf`` gives 0, NaN gives NaN.  float64 (and anything else) keeps ``np.exp``:
the same idea needs a longer polynomial there, and float64 is not the hot path.

Call :func:`exp` from compiled code; from Python it is plain ``np.exp``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import types
from numba.extending import overload

_LOG2_E = np.float32(1.44269504088896341)
_LN2_HI, _LN2_LO = np.float32(0.693359375), np.float32(-2.12194440e-4)
# Cephes expf: e^r ≈ 1 + r + r²·P(r) on |r| <= ln 2 / 2
_P = tuple(np.float32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                     4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))
# beyond these e^x is 0 or inf in float32 (the clamp keeps n within the bit tricks' range)
_X_MIN, _X_MAX = np.float32(-104.0), np.float32(89.0)


def exp(x: Any) -> Any:
    """e^x; in compiled code a vectorisable float32 version (see the module docstring)."""
    return np.exp(x)


def _exp32(x):  # pragma: no cover (compiled)
    y = min(max(x, _X_MIN), _X_MAX)
    n = np.floor(y * _LOG2_E + np.float32(0.5))
    r = y - n * _LN2_HI - n * _LN2_LO
    p = _P[0]
    p = p * r + _P[1]
    p = p * r + _P[2]
    p = p * r + _P[3]
    p = p * r + _P[4]
    p = p * r + _P[5]
    p = p * r * r + r + np.float32(1.0)
    k = np.int32(n)  # n in [-150, 129]
    half = k // 2
    two_half = np.int32((half + 127) << 23).view(np.float32)  # 2^half, from its bits
    two_rest = np.int32((k - half + 127) << 23).view(np.float32)  # 2^(n - half)
    e = p * two_half * two_rest
    return e if x == x else x  # NaN in, NaN out (a select: it vectorises too)


@overload(exp)
def _exp_compiled(x):  # pragma: no cover (compiled)
    if x == types.float32:
        return _exp32
    return lambda x: np.exp(x)
