"""The inference kernels of conv -> ReLU -> 2x2 max pool against the NumPy reference.

A 3x3, stride-1 convolution of few channels runs the direct kernel
(:mod:`minidl.kernels.numba_small_conv`); the others run chunked im2col + GEMM.
Both must give the reference's values, NaNs and shapes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.kernels import reference as R

pytest.importorskip("numba")
from minidl.kernels import cpu_numba as K  # noqa: E402
from minidl.kernels import numba_small_conv as S  # noqa: E402

TOL = {np.float32: 2e-5, np.float64: 1e-12}


def _close(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype and got.flags.c_contiguous
    tol = TOL[want.dtype.type]
    scale = max(1.0, float(np.abs(want).max(initial=0)))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


@given(
    n=st.sampled_from([1, 2, 5]), h=st.integers(3, 13), w=st.integers(3, 13),
    c=st.integers(1, 6), o=st.sampled_from([1, 3, 8, 32]),
    padding=st.sampled_from(["valid", "same", 1, 2]),
    dtype=st.sampled_from([np.float32, np.float64]),
    relu=st.booleans(), with_bias=st.booleans(), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_conv3x3_then_pool_matches_the_reference(n, h, w, c, o, padding, dtype, relu, with_bias, seed):
    top, bottom, _ = R.pad_amounts(h, 3, 1, padding)
    left, right, _ = R.pad_amounts(w, 3, 1, padding)
    assume(h + top + bottom >= 4 and w + left + right >= 4)  # at least one pooling window
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    wt = rng.standard_normal((3, 3, c, o)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if with_bias else None
    pads = (top, bottom, left, right)
    got = K.conv2d_maxpool_forward(x, wt, b, 1, 1, pads, relu, 2, 2, 2, 2)
    _close(got, R.conv2d_maxpool_forward(x, wt, b, 1, 1, pads, relu, 2, 2, 2, 2))


def test_the_course_first_layer_takes_the_direct_kernel_and_the_second_does_not():
    pool = (2, 2, 2, 2)
    assert S.fits_direct((3, 3, 1, 32), 1, 1, pool)
    assert S.fits_direct((3, 3, 3, 16), 1, 1, pool)  # RGB images
    assert not S.fits_direct((3, 3, 32, 64), 1, 1, pool)  # many channels: GEMM is faster
    assert not S.fits_direct((3, 3, 1, 32), 2, 2, pool)
    assert not S.fits_direct((5, 5, 1, 32), 1, 1, pool)
    assert not S.fits_direct((3, 3, 1, 32), 1, 1, (3, 3, 3, 3))


def test_direct_kernel_is_the_reference_on_the_course_shapes(monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.random((7, 28, 28, 1), dtype=np.float32)
    w = rng.standard_normal((3, 3, 1, 32)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    direct = K.conv2d_maxpool_forward(x, w, b, 1, 1, (0,) * 4, True, 2, 2, 2, 2)
    want = R.conv2d_maxpool_forward(x, w, b, 1, 1, (0,) * 4, True, 2, 2, 2, 2)
    _close(direct, want)
    from minidl.kernels import numba_conv

    monkeypatch.setattr(numba_conv, "fits_direct", lambda *a: False)  # the GEMM path instead
    _close(K.conv2d_maxpool_forward(x, w, b, 1, 1, (0,) * 4, True, 2, 2, 2, 2), want)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_direct_kernel_spreads_nan_and_inf_like_the_reference(bad):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 8, 9, 1)).astype(np.float32)
    x[0, 3, 4, 0] = bad
    w = rng.standard_normal((3, 3, 1, 4)).astype(np.float32)
    got = K.conv2d_maxpool_forward(x, w, None, 1, 1, (1, 1, 1, 1), True, 2, 2, 2, 2)
    want = R.conv2d_maxpool_forward(x, w, None, 1, 1, (1, 1, 1, 1), True, 2, 2, 2, 2)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=2e-5, atol=2e-5)
