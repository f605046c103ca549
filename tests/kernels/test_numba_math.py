"""The vectorisable float32 exp of compiled loops (minidl/kernels/numba_math.py) against
float64 NumPy: error in units of the last place, special values, and the vectorised loop."""

from __future__ import annotations

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from minidl.kernels.numba_math import exp  # noqa: E402


@numba.njit(cache=False)
def _exp_loop(x, y):  # the way the kernels use it: one loop the compiler vectorises
    for i in range(x.size):
        y[i] = exp(x[i])


@numba.njit(cache=False)
def _exp_one(x):
    return exp(x)


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """|got - want| in units of float32 spacing at the exact value ``want`` (float64)."""
    spacing = np.spacing(want.astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - want) / spacing


def test_float32_exp_within_two_ulps_over_the_whole_range():
    x = np.linspace(-87.0, 88.7, 1_000_003, dtype=np.float32)  # results in the normal range
    x = np.concatenate([x, np.float32([0.0, -0.0, 1e-30, -1e-30, 0.5, -0.5, 1.0, np.log(2.0)])])
    got = np.empty_like(x)
    _exp_loop(x, got)
    want = np.exp(x.astype(np.float64))
    assert _ulps(got, want).max() <= 2.0
    assert got[x == 0].tolist() == [1.0, 1.0]  # exact where the answer is exact


def test_float32_exp_special_values_and_the_ends_of_the_range():
    x = np.float32([np.inf, -np.inf, np.nan, 89.0, 88.8, 1000.0, -104.0, -200.0, -1e30, 1e30])
    got = np.empty_like(x)
    _exp_loop(x, got)
    assert got[0] == np.inf and got[1] == 0.0 and np.isnan(got[2])
    assert np.all(got[[3, 4, 5, 9]] == np.inf)  # overflow, as np.exp
    assert np.all(got[[6, 7, 8]] == 0.0)  # underflow to zero, as np.exp
    sub = np.float32([-88.0, -95.0, -100.0, -103.0])  # subnormal results: absolute error of one step
    got = np.empty_like(sub)
    _exp_loop(sub, got)
    assert np.abs(got.astype(np.float64) - np.exp(sub.astype(np.float64))).max() <= 1.5e-45


def test_other_dtypes_keep_numpy_exp():
    x = np.linspace(-700, 700, 10_001)
    got = np.empty_like(x)
    _exp_loop(x, got)
    np.testing.assert_array_equal(got, np.exp(x))  # float64: the C library's exp, unchanged
    assert _exp_one(np.float32(1.0)) == pytest.approx(np.e, rel=1e-7)
    assert exp(np.float32(2.0)) == np.exp(np.float32(2.0))  # from Python: plain np.exp
