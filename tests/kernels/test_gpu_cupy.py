"""GPU kernels (CuPy) against the NumPy reference on the host.  Skipped without a GPU."""

from __future__ import annotations

import numpy as np
import pytest

from minidl.kernels import get_kernels
from minidl.kernels import reference as R

pytestmark = pytest.mark.gpu

# (N, H, W, C, kh, kw, sh, sw, padding)
CASES = [
    (2, 28, 28, 1, 3, 3, 1, 1, "valid"),
    (3, 9, 7, 5, 3, 2, 2, 1, "same"),
    (1, 8, 8, 2, 4, 4, 3, 2, "same"),
    (2, 6, 5, 4, 3, 3, 2, 3, 1),
    (1, 1, 1, 3, 4, 4, 1, 1, "same"),
]


def _geometry(h, w, kh, kw, sh, sw, padding):
    top, bottom, _ = R.pad_amounts(h, kh, sh, padding)
    left, right, _ = R.pad_amounts(w, kw, sw, padding)
    return top, bottom, left, right


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, h, w, c, kh, kw, sh, sw, padding", CASES)
def test_gpu_kernels_match_reference(dtype, n, h, w, c, kh, kw, sh, sw, padding):
    cupy = pytest.importorskip("cupy")
    from minidl.kernels import gpu_cupy as G

    assert get_kernels(cupy) is G
    pads = _geometry(h, w, kh, kw, sh, sw, padding)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    wt = rng.standard_normal((kh, kw, c, 3)).astype(dtype)
    b = rng.standard_normal(3).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    xg, wg, bg = cupy.asarray(x), cupy.asarray(wt), cupy.asarray(b)

    cols = R.im2col(x, kh, kw, sh, sw, pads)
    np.testing.assert_array_equal(cupy.asnumpy(G.im2col(xg, kh, kw, sh, sw, pads)), cols)
    d = rng.standard_normal(cols.shape).astype(dtype)
    got = cupy.asnumpy(G.col2im(cupy.asarray(d), x.shape, kh, kw, sh, sw, pads))
    np.testing.assert_allclose(got, R.col2im(d, x.shape, kh, kw, sh, sw, pads), rtol=tol, atol=tol)

    y = R.conv2d_forward(x, wt, b, sh, sw, pads)
    yg = G.conv2d_forward(xg, wg, bg, sh, sw, pads)
    np.testing.assert_allclose(cupy.asnumpy(yg), y, rtol=tol, atol=tol)
    g = rng.standard_normal(y.shape).astype(dtype)
    want = R.conv2d_backward(g, x, wt, sh, sw, pads, True, True, True)
    got = G.conv2d_backward(cupy.asarray(g), xg, wg, sh, sw, pads, True, True, True)
    for a, e in zip(got, want):
        np.testing.assert_allclose(cupy.asnumpy(a), e, rtol=tol, atol=tol * 10)

    if max(pads[:2]) < kh and max(pads[2:]) < kw:
        y, am = R.maxpool2d_forward(x, kh, kw, sh, sw, pads)
        yg, amg = G.maxpool2d_forward(xg, kh, kw, sh, sw, pads)
        np.testing.assert_array_equal(cupy.asnumpy(yg), y)
        np.testing.assert_array_equal(cupy.asnumpy(amg), am)
        g = rng.standard_normal(y.shape).astype(dtype)
        np.testing.assert_allclose(
            cupy.asnumpy(G.maxpool2d_backward(cupy.asarray(g), amg, x.shape)),
            R.maxpool2d_backward(g, am, x.shape), rtol=tol, atol=tol,
        )
        np.testing.assert_allclose(
            cupy.asnumpy(G.avgpool2d_forward(xg, kh, kw, sh, sw, pads)),
            R.avgpool2d_forward(x, kh, kw, sh, sw, pads), rtol=tol, atol=tol,
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, h, w, c, kh, kw, sh, sw, padding", CASES)
def test_gpu_raw_kernels_match_reference(dtype, n, h, w, c, kh, kw, sh, sw, padding):
    """The hand-written CUDA kernels (ElementwiseKernel): they need a real GPU, not the fake CuPy."""
    cupy = pytest.importorskip("cupy")
    if getattr(cupy, "__minidl_fake__", False):
        pytest.skip("CUDA kernels need real CuPy and a GPU (tests/fake_cupy runs no kernels)")
    from minidl.kernels import gpu_cupy as G

    pads = _geometry(h, w, kh, kw, sh, sw, padding)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    cols = R.im2col(x, kh, kw, sh, sw, pads)
    np.testing.assert_array_equal(cupy.asnumpy(G.im2col_raw(cupy.asarray(x), kh, kw, sh, sw, pads)), cols)
    d = rng.standard_normal(cols.shape).astype(dtype)
    got = cupy.asnumpy(G.col2im_raw(cupy.asarray(d), x.shape, kh, kw, sh, sw, pads))
    np.testing.assert_allclose(got, R.col2im(d, x.shape, kh, kw, sh, sw, pads), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_softmax_cross_entropy_and_relu(dtype):
    cupy = pytest.importorskip("cupy")
    from minidl.kernels import gpu_cupy as G

    rng = np.random.default_rng(1)
    z = (rng.standard_normal((64, 10)) * 5).astype(dtype)
    t = rng.integers(0, 10, 64)
    loss, grad = R.softmax_cross_entropy(z, t, True)
    lg, gg = G.softmax_cross_entropy(cupy.asarray(z), cupy.asarray(t), True)
    assert lg.dtype == dtype and gg.dtype == dtype
    np.testing.assert_allclose(float(lg), float(loss), rtol=1e-5)
    np.testing.assert_allclose(cupy.asnumpy(gg), grad, rtol=1e-5, atol=1e-7)
    y = G.relu_forward(cupy.asarray(z))
    np.testing.assert_array_equal(cupy.asnumpy(y), R.relu_forward(z))
    np.testing.assert_array_equal(
        cupy.asnumpy(G.relu_backward(cupy.asarray(z), y)), R.relu_backward(z, R.relu_forward(z))
    )
