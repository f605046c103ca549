"""Numba kernels against the NumPy reference, on random shapes, strides and paddings.

Integer outputs (argmax) must match exactly; float ones to ~1e-5 in float32 (the
two add up in different orders) and ~1e-12 in float64.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.kernels import reference as R

numba = pytest.importorskip("numba")
from minidl.kernels import cpu_numba as K  # noqa: E402

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-12}


def close(a, b, dtype):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape
    scale = max(1.0, float(np.abs(b).max(initial=0)))
    np.testing.assert_allclose(a, b, rtol=TOL[dtype], atol=TOL[dtype] * scale)


@st.composite
def case(draw, pool=False):
    """x (N, H, W, C) of ``dtype``, window, strides and padding amounts."""
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.sampled_from([1, 1, 2, 3]))
    h, w = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    c = draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same", 0, 1] if pool else ["valid", "same", 0, 1, 2]))
    try:
        top, bottom, _ = R.pad_amounts(h, kh, sh, padding)
        left, right, _ = R.pad_amounts(w, kw, sw, padding)
    except ValueError:
        assume(False)
    if pool:
        assume(max(top, bottom) < kh and max(left, right) < kw)
    seed = draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).standard_normal((n, h, w, c)).astype(dtype)
    if pool and draw(st.booleans()):  # coarse values: many ties inside windows
        x = np.round(x).astype(dtype)
    return x, kh, kw, sh, sw, (top, bottom, left, right)


@given(case(), st.integers(1, 4), st.booleans(), st.booleans())
def test_conv_forward_and_backward(c, o, with_bias, relu):
    x, kh, kw, sh, sw, pads = c
    dtype = x.dtype.type
    rng = np.random.default_rng(0)
    w = rng.standard_normal((kh, kw, x.shape[3], o)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if with_bias else None
    y0 = R.conv2d_forward(x, w, b, sh, sw, pads, relu=relu)
    y1 = K.conv2d_forward(x, w, b, sh, sw, pads, relu=relu)
    close(y1, y0, dtype)
    assert y1.dtype == dtype and y1.flags.c_contiguous
    if relu:
        assert y1.min(initial=0) >= 0
    g = rng.standard_normal(y0.shape).astype(dtype)
    want = R.conv2d_backward(g, x, w, sh, sw, pads, True, True, True)
    got = K.conv2d_backward(g, x, w, sh, sw, pads, True, True, True)
    for a, b_ in zip(got, want):
        assert a.dtype == dtype
        close(a, b_, dtype)


def _assert_chunked_conv_matches_reference(x, w, b, stride, pads):
    """Forward (with ReLU), the three gradients and the fused conv + 2x2 max pool, to 1e-12."""
    y = K.conv2d_forward(x, w, b, stride, 1, pads, relu=True)
    np.testing.assert_allclose(y, R.conv2d_forward(x, w, b, stride, 1, pads, relu=True), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(0).standard_normal(y.shape)
    for got, want in zip(K.conv2d_backward(g, x, w, stride, 1, pads, True, True, True),
                         R.conv2d_backward(g, x, w, stride, 1, pads, True, True, True)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    got = K.conv2d_maxpool_forward(x, w, b, stride, 1, pads, True, 2, 2, 2, 2)
    want = R.conv2d_maxpool_forward(x, w, b, stride, 1, pads, True, 2, 2, 2, 2)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("chunk_bytes", [1, 700, 1 << 20])
def test_conv_chunks_give_the_same_result_as_one_block(monkeypatch, chunk_bytes):
    """Chunks of 1 image, of a few images with a ragged last chunk, and the whole batch."""
    from minidl.kernels import numba_conv

    rng = np.random.default_rng(5)
    monkeypatch.setattr(numba_conv, "CHUNK_BYTES", chunk_bytes)
    _assert_chunked_conv_matches_reference(rng.standard_normal((7, 6, 5, 3)), rng.standard_normal((3, 2, 3, 4)),
                                           rng.standard_normal(4), 2, (1, 1, 0, 1))


def test_without_cblas_convolutions_run_the_python_chunk_loop(monkeypatch):
    """Where NumPy's BLAS cannot be called from compiled code (Accelerate, MKL), the same
    chunks run from Python with np.matmul: same results as the reference."""
    from minidl.kernels import numba_conv

    monkeypatch.setattr(numba_conv, "gemm_function", lambda dtype: None)
    monkeypatch.setattr(numba_conv, "CHUNK_BYTES", 2000)  # several chunks
    rng = np.random.default_rng(2)
    _assert_chunked_conv_matches_reference(rng.standard_normal((5, 7, 6, 2)), rng.standard_normal((3, 2, 2, 4)),
                                           rng.standard_normal(4), 1, (1, 1, 0, 1))


def test_conv_backward_computes_only_what_is_asked():
    x, w = np.ones((2, 4, 4, 1), np.float32), np.ones((2, 2, 1, 3), np.float32)
    g = np.ones((2, 3, 3, 3), np.float32)
    dx, dw, db = K.conv2d_backward(g, x, w, 1, 1, (0,) * 4, False, True, False)
    assert dx is None and db is None and dw.shape == w.shape
    np.testing.assert_array_equal(dw, np.full(w.shape, 18, np.float32))  # 2 images x 9 windows


def test_conv_of_an_empty_batch():
    x, w = np.ones((0, 4, 4, 1), np.float32), np.ones((2, 2, 1, 3), np.float32)
    assert K.conv2d_forward(x, w, None, 1, 1, (0,) * 4).shape == (0, 3, 3, 3)
    dx, dw, db = K.conv2d_backward(np.ones((0, 3, 3, 3), np.float32), x, w, 1, 1, (0,) * 4, True, True, True)
    assert dx.shape == x.shape and not dw.any() and not db.any()


@given(case())
def test_col2im(c):
    x, kh, kw, sh, sw, pads = c
    cols = R.im2col(x, kh, kw, sh, sw, pads)
    d = np.random.default_rng(1).standard_normal(cols.shape).astype(x.dtype)
    close(K.col2im(d, x.shape, kh, kw, sh, sw, pads), R.col2im(d, x.shape, kh, kw, sh, sw, pads), x.dtype.type)


@given(case(pool=True))
def test_maxpool(c):
    x, ph, pw, sh, sw, pads = c
    y0, am0 = R.maxpool2d_forward(x, ph, pw, sh, sw, pads)
    y1, am1 = K.maxpool2d_forward(x, ph, pw, sh, sw, pads)
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_array_equal(am1, am0)  # same first-maximum rule
    y2, none = K.maxpool2d_forward(x, ph, pw, sh, sw, pads, want_argmax=False)  # inference
    np.testing.assert_array_equal(y2, y0)
    assert none is None
    g = np.random.default_rng(2).standard_normal(y0.shape).astype(x.dtype)
    close(K.maxpool2d_backward(g, am1, x.shape), R.maxpool2d_backward(g, am0, x.shape), x.dtype.type)


@given(case(pool=True))
def test_avgpool(c):
    x, ph, pw, sh, sw, pads = c
    dtype = x.dtype.type
    y0 = R.avgpool2d_forward(x, ph, pw, sh, sw, pads)
    close(K.avgpool2d_forward(x, ph, pw, sh, sw, pads), y0, dtype)
    g = np.random.default_rng(3).standard_normal(y0.shape).astype(dtype)
    want = R.avgpool2d_backward(g, x.shape, ph, pw, sh, sw, pads)
    close(K.avgpool2d_backward(g, x.shape, ph, pw, sh, sw, pads), want, dtype)


def test_maxpool_nan_and_minus_inf_follow_the_reference():
    x = np.array([1.0, np.nan, 3.0, np.nan, -np.inf, -np.inf, -np.inf, -np.inf, 2.0])
    x = x.reshape(1, 3, 3, 1)
    for pads in [(0, 0, 0, 0), (1, 1, 1, 1)]:
        y0, am0 = R.maxpool2d_forward(x, 2, 2, 1, 1, pads)
        y1, am1 = K.maxpool2d_forward(x, 2, 2, 1, 1, pads)
        np.testing.assert_array_equal(y1, y0)
        np.testing.assert_array_equal(am1, am0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["labels", "probabilities"])
def test_softmax_cross_entropy(dtype, kind):
    rng = np.random.default_rng(5)
    for n, k in [(1, 1), (1, 3), (7, 10), (64, 10), (5, 200)]:
        z = (rng.standard_normal((n, k)) * 4).astype(dtype)
        t = rng.integers(0, k, n) if kind == "labels" else rng.dirichlet(np.ones(k), n).astype(dtype)
        loss0, g0 = R.softmax_cross_entropy(z, t, True)
        loss1, g1 = K.softmax_cross_entropy(z, t, True)
        assert loss1.shape == () and loss1.dtype == dtype and g1.dtype == dtype
        close(loss1, loss0, dtype)
        close(g1, g0, dtype)
        loss2, none = K.softmax_cross_entropy(z, t, False)
        assert none is None and loss2 == loss1


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_stable_and_checked(dtype):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], dtype=dtype)
    loss, grad = K.softmax_cross_entropy(z, np.array([1, 2]), True)
    assert float(loss) == pytest.approx(5e3) and np.all(np.isfinite(grad))
    with pytest.raises(ValueError, match=r"label 3 .*K=3"):
        K.softmax_cross_entropy(z, np.array([0, 3]), True)


@pytest.mark.parametrize("labels, bad", [
    (np.array([0, -1]), -1),
    (np.array([2, 3], np.int8), 3),
    (np.array([1, 2**63 + 5], np.uint64), 2**63 + 5),  # negative once cast to int64: still caught
    (np.array([-128, 0], np.int8), -128),
])
def test_softmax_cross_entropy_names_any_bad_label_as_the_reference(labels, bad):
    z = np.zeros((2, 3), np.float32)
    for kernels in (K, R):  # the compiled range check and the reference say the same
        with pytest.raises(ValueError, match=rf"label {bad} is out of range: expected labels in \[0, 3\)"):
            kernels.softmax_cross_entropy(z, labels, True)


def test_softmax_cross_entropy_takes_every_integer_label_type():
    z = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    want = R.softmax_cross_entropy(z, np.array([0, 2, 1, 2]), True)
    for dtype in (np.int8, np.uint8, np.int32, np.uint64):
        got = K.softmax_cross_entropy(z, np.array([0, 2, 1, 2], dtype), True)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6, atol=1e-7)


@given(st.sampled_from(DTYPES), st.lists(st.integers(1, 5), min_size=0, max_size=2),
       st.integers(1, 300), st.floats(0.1, 60), st.integers(0, 2**16))
def test_softmax_over_the_last_axis(dtype, lead, k, spread, seed):
    """Against the NumPy reference and against e^x / Σ e^x computed in float64."""
    x = (np.random.default_rng(seed).standard_normal((*lead, k)) * spread).astype(dtype)
    got = K.softmax(x)
    assert got.shape == x.shape and got.dtype == dtype
    close(got, R.softmax(x), dtype)
    e = np.exp(x.astype(np.float64) - x.max(axis=-1, keepdims=True))
    close(got, e / e.sum(axis=-1, keepdims=True), dtype)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0, rtol=10 * TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_special_values_follow_the_reference(dtype):
    """Huge logits do not overflow; NaN or inf make the row's result what NumPy gives."""
    x = np.array([[1e4, 0.0, -1e4], [np.nan, 1.0, 2.0], [1.0, np.nan, 2.0], [np.inf, 1.0, 0.0],
                  [-np.inf, 1.0, 0.0], [-np.inf, -np.inf, -np.inf], [3.0, 3.0, 3.0]], dtype=dtype)
    with np.errstate(invalid="ignore"):
        want = R.softmax(x)
    np.testing.assert_allclose(K.softmax(x), want, rtol=TOL[dtype], atol=0)  # NaN where NumPy has NaN
    np.testing.assert_array_equal(want[0], [1, 0, 0])
    assert np.isnan(want[1:4]).all() and np.isnan(want[5]).all()
    np.testing.assert_allclose(want[4], [0, 1 / (1 + np.e ** -1), 1 / (1 + np.e)], rtol=TOL[dtype])


def test_softmax_of_strided_empty_and_float16_inputs():
    x = np.random.default_rng(8).standard_normal((6, 4))
    np.testing.assert_allclose(K.softmax(x.T), R.softmax(x.T), rtol=1e-12)  # not C-contiguous
    assert K.softmax(np.zeros((0, 5), np.float32)).shape == (0, 5)
    h = x.astype(np.float16)
    assert K.softmax(h).dtype == np.float16  # no compiled float16: the NumPy version
    np.testing.assert_array_equal(K.softmax(h), R.softmax(h))


def test_bias_grad_of_float16_runs_the_reference():
    g = np.random.default_rng(9).standard_normal((50, 3)).astype(np.float16)
    assert K.bias_grad(g).dtype == np.float16
    np.testing.assert_array_equal(K.bias_grad(g), R.bias_grad(g))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (64, 26, 26, 32), (1000, 129)])
def test_relu_and_bias_grad(dtype, shape):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape).astype(dtype)
    x.flat[:3] = [np.nan, 0.0, -0.0]
    y = K.relu_forward(x)
    np.testing.assert_array_equal(y, R.relu_forward(x))
    g = rng.standard_normal(shape).astype(dtype)
    np.testing.assert_array_equal(K.relu_backward(g, y), R.relu_backward(g, y))
    g2 = g.reshape(-1, shape[-1])
    want = g2.astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(K.bias_grad(g2), want, rtol=TOL[dtype], atol=TOL[dtype] * np.abs(g2).sum(0).max())
    assert K.bias_grad(g2).dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (7,), (1024, 256), (3, 500, 40), (40000, 1)])
@pytest.mark.parametrize("with_bias, relu", [(True, True), (False, True), (True, False)])
def test_dense_bias_act_and_its_backward(dtype, shape, with_bias, relu):
    """The dense layer's fused passes (one pass on all cores for large outputs) against
    NumPy: ``act(y + b)`` in place, and the masked gradient with its float64 bias sum."""
    rng = np.random.default_rng(7)
    y = rng.standard_normal(shape).astype(dtype)
    y.flat[:3] = [np.nan, 0.0, -1.0]
    b = rng.standard_normal(shape[-1]).astype(dtype) if with_bias else None
    want = y + (b if with_bias else 0)
    want = np.maximum(want, 0) if relu else want
    np.testing.assert_array_equal(R.bias_act(y.copy(), b, relu), want)
    got = K.bias_act(y, b, relu)
    assert got is y or np.shares_memory(got, y)  # in place
    np.testing.assert_array_equal(got, want)
    if not relu:
        return
    g = rng.standard_normal(shape).astype(dtype)
    dx, db = K.relu_backward_bias(g, got, with_bias)
    np.testing.assert_array_equal(dx, np.where(got <= 0, 0, g))  # NaN passes, as in PyTorch
    assert dx.shape == g.shape and dx.dtype == dtype
    if with_bias:
        exact = dx.reshape(-1, shape[-1]).astype(np.float64).sum(axis=0)
        assert db.dtype == dtype and db.shape == (shape[-1],)
        np.testing.assert_allclose(db, exact, rtol=TOL[dtype], atol=TOL[dtype])
        np.testing.assert_allclose(R.relu_backward_bias(g, got, True)[1], exact, rtol=TOL[dtype], atol=TOL[dtype])
    else:
        assert db is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m, k, n", [(5, 3, 4), (1024, 784, 256), (64, 784, 256), (333, 129, 517), (9, 1000, 700)])
@pytest.mark.parametrize("with_bias, relu", [(True, True), (False, True), (True, False), (False, False)])
def test_dense_forward_with_bias_and_relu_per_block(dtype, m, k, n, with_bias, relu):
    """act(x @ w + b): large products run in blocks of rows (or of columns, for few rows),
    each finished with its bias and ReLU; against NumPy in float64."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    x[0, 0] = np.nan  # row 0 of the output is NaN, and stays NaN through the ReLU
    b = rng.standard_normal(n).astype(dtype) if with_bias else None
    want = x.astype(np.float64) @ w.astype(np.float64) + (b if with_bias else 0)
    want = np.maximum(want, 0) if relu else want
    want[0] = np.nan
    scale = np.abs(x[1:]).astype(np.float64) @ np.abs(w).astype(np.float64)  # error bound ~ eps·|x||w|
    for got in (K.linear_forward(x, w, b, relu), R.linear_forward(x, w, b, relu)):
        assert got.shape == (m, n) and got.dtype == dtype
        assert np.isnan(got[0]).all()
        assert np.all(np.abs(got[1:] - want[1:]) <= 4 * k * np.finfo(dtype).eps * scale + 1e-30)
        if relu:
            assert (got[1:] >= 0).all()


def test_non_contiguous_inputs_are_accepted():
    x = np.random.default_rng(7).standard_normal((2, 6, 5, 3)).transpose(0, 2, 1, 3)
    np.testing.assert_array_equal(K.im2col(x, 2, 2, 1, 1, (0,) * 4), R.im2col(x, 2, 2, 1, 1, (0,) * 4))
    y, am = K.maxpool2d_forward(x, 2, 2, 2, 2, (0,) * 4)
    np.testing.assert_array_equal(y, R.maxpool2d_forward(x, 2, 2, 2, 2, (0,) * 4)[0])


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_dispatch_follows_minidl_kernels_variable():
    import minidl.kernels as k

    if os.environ.get("MINIDL_KERNELS", "") in ("", "auto", "numba"):  # this process: Numba
        assert k.ACTIVE == "numba" and k.im2col is K.im2col and k.get_kernels(np) is K
    path = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH", "")) if p)
    code = "import minidl.kernels as k, numpy as np; print(k.ACTIVE, k.get_kernels(np).__name__)"
    env = dict(os.environ, MINIDL_KERNELS="numpy", PYTHONPATH=path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["numpy", "minidl.kernels.reference"]
    env["MINIDL_KERNELS"] = "fortran"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "expected 'numba' or 'numpy'" in out.stderr


def test_every_kernel_module_has_the_same_signatures():
    import inspect

    import minidl.kernels as k
    from minidl.kernels import gpu_cupy  # importable without CuPy

    def params(f):  # names, kinds and defaults (annotations may differ: Any vs np.ndarray)
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]

    for name in ("pad_amounts", *k.KERNEL_NAMES):
        for module in (K, gpu_cupy):
            assert params(getattr(module, name)) == params(getattr(R, name)), (module.__name__, name)
        assert getattr(k, name) is getattr(k.get_kernels(np), name), name  # re-exported by minidl.kernels


def test_conv_of_float16_keeps_its_dtype_through_the_reference():
    """BLAS takes float32/float64 only; other dtypes run the NumPy reference, dtype kept."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 6, 6, 2)).astype(np.float16), rng.standard_normal((3, 3, 2, 4)).astype(np.float16)
    y = K.conv2d_forward(x, w, None, 1, 1, (0,) * 4, relu=True)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, R.conv2d_forward(x, w, None, 1, 1, (0,) * 4, relu=True))
    p = K.conv2d_maxpool_forward(x, w, None, 1, 1, (0,) * 4, True, 2, 2, 2, 2)
    assert p.dtype == np.float16 and p.shape == (2, 2, 2, 4)
    dx, dw, db = K.conv2d_backward(np.ones_like(y), x, w, 1, 1, (0,) * 4, True, True, True)
    assert dx.dtype == dw.dtype == np.float16


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("module", [K, R])
def test_relu_gradient_passes_at_nan_and_stops_at_zero(module, dtype):
    """As PyTorch: the mask is y <= 0, so a NaN output lets the gradient through."""
    y = np.array([[np.nan, 0.0, 2.0, -0.0]], dtype=dtype)  # relu outputs
    g = np.array([[1.0, 2.0, 3.0, 4.0]], dtype=dtype)
    want = np.array([[1.0, 0.0, 3.0, 0.0]], dtype=dtype)
    np.testing.assert_array_equal(module.relu_backward(g, y), want)
    dx, db = module.relu_backward_bias(g, y, True)
    np.testing.assert_array_equal(dx, want)
    np.testing.assert_array_equal(db, want[0])
