"""The inference kernels of conv -> ReLU -> 2x2 max pool against the NumPy reference.

A 3x3, stride-1 convolution runs the direct kernel when it has few input channels
(:mod:`minidl.kernels.numba_small_conv`) and Winograd's F(2x2, 3x3) when it has
more (:mod:`minidl.kernels.numba_winograd`); the others run chunked im2col + GEMM.
All must give the reference's values, infinities, NaNs and shapes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.kernels import reference as R

pytest.importorskip("numba")
from minidl.kernels import cpu_numba as K  # noqa: E402
from minidl.kernels import numba_conv  # noqa: E402
from minidl.kernels import numba_small_conv as S  # noqa: E402
from minidl.kernels import numba_winograd as W  # noqa: E402

TOL = {np.float32: 2e-5, np.float64: 1e-12}


def _close(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype and got.flags.c_contiguous
    tol = TOL[want.dtype.type]
    scale = max(1.0, float(np.abs(want).max(initial=0)))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


@given(
    n=st.sampled_from([1, 2, 5]), h=st.integers(3, 13), w=st.integers(3, 13),
    c=st.sampled_from([1, 2, 3, 5, 8, 9, 13]), o=st.sampled_from([1, 3, 8, 32]),  # direct and Winograd
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


def test_the_course_layers_take_the_direct_and_the_winograd_kernels():
    pool = (2, 2, 2, 2)
    assert S.fits_direct((3, 3, 1, 32), 1, 1, pool) and not W.fits_winograd((3, 3, 1, 32), 1, 1, pool)
    assert S.fits_direct((3, 3, 3, 16), 1, 1, pool)  # RGB images
    assert W.fits_winograd((3, 3, 32, 64), 1, 1, pool) and not S.fits_direct((3, 3, 32, 64), 1, 1, pool)
    for fits in (S.fits_direct, W.fits_winograd):
        assert not fits((3, 3, 1, 32), 2, 2, pool)
        assert not fits((5, 5, 1, 32), 1, 1, pool)
        assert not fits((3, 3, 1, 32), 1, 1, (3, 3, 3, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_winograd_weights_are_g_w_gt(dtype):
    """U = G g Gᵀ written out as sums, for each of the 16 positions and channel pairs."""
    g = np.random.default_rng(1).standard_normal((3, 3, 5, 7)).astype(dtype)
    G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
    want = np.zeros((4, 4, 5, 7))
    for i in range(4):
        for j in range(4):
            for a in range(3):
                for b in range(3):
                    want[i, j] += G[i, a] * G[j, b] * g[a, b].astype(np.float64)
    got = W.transformed_weights(g)
    assert got.shape == (16, 5, 7) and got.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-14  # sums of up to 9 terms, rounded in dtype
    np.testing.assert_allclose(got.reshape(4, 4, 5, 7), want, rtol=tol, atol=tol * np.abs(want).max())


@pytest.mark.parametrize(("shape", "kernel", "fits"), [
    ((7, 28, 28, 1), (3, 3, 1, 32), "fits_direct"),  # the course CNN's two layers
    ((19, 13, 13, 32), (3, 3, 32, 64), "fits_winograd"),
])  # fmt: skip
def test_each_fast_kernel_and_the_gemm_path_give_the_reference_on_the_course_shapes(
    monkeypatch, shape, kernel, fits
):
    rng = np.random.default_rng(3)
    x = rng.random(shape, dtype=np.float32)
    w = (rng.standard_normal(kernel) / np.sqrt(9 * kernel[2])).astype(np.float32)
    b = rng.standard_normal(kernel[3]).astype(np.float32)
    want = R.conv2d_maxpool_forward(x, w, b, 1, 1, (0,) * 4, True, 2, 2, 2, 2)
    _close(K.conv2d_maxpool_forward(x, w, b, 1, 1, (0,) * 4, True, 2, 2, 2, 2), want)
    monkeypatch.setattr(numba_conv, fits, lambda *a: False)  # the im2col + GEMM path instead
    _close(K.conv2d_maxpool_forward(x, w, b, 1, 1, (0,) * 4, True, 2, 2, 2, 2), want)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 3e38])
@pytest.mark.parametrize("channels", [1, 32])  # the direct kernel, Winograd
@pytest.mark.parametrize("relu", [True, False])
def test_fast_kernels_spread_nan_inf_and_overflow_like_the_reference(bad, channels, relu):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 8, 9, channels)).astype(np.float32)
    x[1, 3, 4, channels // 2] = bad
    w = rng.standard_normal((3, 3, channels, 4)).astype(np.float32)
    got = K.conv2d_maxpool_forward(x, w, None, 1, 1, (1, 1, 1, 1), relu, 2, 2, 2, 2)
    with np.errstate(over="ignore", invalid="ignore"):
        want = R.conv2d_maxpool_forward(x, w, None, 1, 1, (1, 1, 1, 1), relu, 2, 2, 2, 2)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=2e-5, atol=2e-5)
