"""The NumPy reference kernels against independent loop implementations.

The loops below follow the textbook definitions one output element at a time, so a
mistake in the vectorised reference (an off-by-one in a strided view, a wrong
padding split) shows up as a mismatch.  Shapes are small because the loops are slow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.kernels import reference as R


# ----------------------------------------------------------------------------- loops
def loop_conv(x, w, b, sh, sw, pads):
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    top, bottom, left, right = pads
    oh = (h + top + bottom - kh) // sh + 1
    ow = (wd + left + right - kw) // sw + 1
    y = np.zeros((n, oh, ow, o))
    for bi in range(n):
        for p in range(oh):
            for q in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        r, s = p * sh + i - top, q * sw + j - left
                        if 0 <= r < h and 0 <= s < wd:
                            y[bi, p, q] += x[bi, r, s] @ w[i, j]
    return y if b is None else y + b


def loop_maxpool(x, ph, pw, sh, sw, pads):
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh = (h + top + bottom - ph) // sh + 1
    ow = (w + left + right - pw) // sw + 1
    y = np.full((n, oh, ow, c), -np.inf)
    am = np.full((n, oh, ow, c), -1)
    for bi in range(n):
        for p in range(oh):
            for q in range(ow):
                for ch in range(c):
                    for i in range(ph):
                        for j in range(pw):
                            r, s = p * sh + i - top, q * sw + j - left
                            if 0 <= r < h and 0 <= s < w and (
                                am[bi, p, q, ch] < 0 or x[bi, r, s, ch] > y[bi, p, q, ch]
                            ):
                                y[bi, p, q, ch] = x[bi, r, s, ch]
                                am[bi, p, q, ch] = ((bi * h + r) * w + s) * c + ch
    return y, am


def loop_avgpool(x, ph, pw, sh, sw, pads):
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh = (h + top + bottom - ph) // sh + 1
    ow = (w + left + right - pw) // sw + 1
    y = np.zeros((n, oh, ow, c))
    for p in range(oh):
        for q in range(ow):
            cells = [
                (p * sh + i - top, q * sw + j - left) for i in range(ph) for j in range(pw)
            ]
            cells = [(r, s) for r, s in cells if 0 <= r < h and 0 <= s < w]
            y[:, p, q] = sum(x[:, r, s] for r, s in cells) / len(cells)
    return y


# ----------------------------------------------------------------------------- strategies
@st.composite
def window_case(draw, pool=False):
    """x (N, H, W, C) float64, window (kh, kw), strides and the padding amounts."""
    n = draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    c = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    choices = ["valid", "same"] + ([0, 1] if pool else [0, 1, 2])
    padding = draw(st.sampled_from(choices))
    try:
        top, bottom, _ = R.pad_amounts(h, kh, sh, padding)
        left, right, _ = R.pad_amounts(w, kw, sw, padding)
    except ValueError:
        assume(False)
    if pool:
        assume(max(top, bottom) < kh and max(left, right) < kw)
    seed = draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).standard_normal((n, h, w, c))
    return x, kh, kw, sh, sw, (top, bottom, left, right)


# ----------------------------------------------------------------------------- pad_amounts
@pytest.mark.parametrize(
    "in_size, k, stride, padding, expected",
    [
        (28, 3, 1, "valid", (0, 0, 26)),
        (28, 3, 1, "same", (1, 1, 28)),
        (7, 3, 2, "same", (1, 1, 4)),  # TF: out = ceil(7/2) = 4, total pad 2
        (6, 3, 2, "same", (0, 1, 3)),  # total pad 1: the extra one goes after
        (5, 4, 1, "same", (1, 2, 5)),  # even kernel: more padding after
        (5, 1, 3, "same", (0, 0, 2)),
        (26, 2, 2, "valid", (0, 0, 13)),
        (13, 2, 2, "valid", (0, 0, 6)),  # floor: the last row is dropped
        (5, 3, 1, 2, (2, 2, 7)),
        (1, 4, 3, "same", (1, 2, 1)),
        (4, 4, 1, "valid", (0, 0, 1)),
    ],
)
def test_pad_amounts_table(in_size, k, stride, padding, expected):
    assert R.pad_amounts(in_size, k, stride, padding) == expected


@pytest.mark.parametrize("padding", ["full", -1, 1.5, True, None])
def test_pad_amounts_rejects_bad_padding(padding):
    with pytest.raises(ValueError, match="'valid', 'same' or a non-negative int"):
        R.pad_amounts(5, 3, 1, padding)


def test_pad_amounts_rejects_window_larger_than_input():
    with pytest.raises(ValueError, match="output size would be 0"):
        R.pad_amounts(2, 3, 1, "valid")


@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 4))
def test_same_padding_keeps_ceil_size(in_size, k, stride):
    before, after, out = R.pad_amounts(in_size, k, stride, "same")
    assert out == math.ceil(in_size / stride)
    assert 0 <= after - before <= 1


# ----------------------------------------------------------------------------- conv
@given(window_case(), st.integers(1, 3), st.booleans())
def test_conv_forward_matches_loops(case, o, with_bias):
    x, kh, kw, sh, sw, pads = case
    rng = np.random.default_rng(0)
    w = rng.standard_normal((kh, kw, x.shape[3], o))
    b = rng.standard_normal(o) if with_bias else None
    y = R.conv2d_forward(x, w, b, sh, sw, pads)
    want = loop_conv(x, w, b, sh, sw, pads)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(R.conv2d_forward(x, w, b, sh, sw, pads, relu=True), np.maximum(want, 0),
                               rtol=1e-12, atol=1e-12)
    cols = R.im2col(x, kh, kw, sh, sw, pads)
    assert cols.flags.c_contiguous and cols.shape == (y[..., 0].size, kh * kw * x.shape[3])


@given(window_case())
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), c> == <x, col2im(c)> for every x and c: col2im is im2col transposed."""
    x, kh, kw, sh, sw, pads = case
    cols = R.im2col(x, kh, kw, sh, sw, pads)
    c = np.random.default_rng(1).standard_normal(cols.shape)
    back = R.col2im(c, x.shape, kh, kw, sh, sw, pads)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(cols, c), np.vdot(x, back), rtol=1e-10, atol=1e-10)


def test_conv_backward_matches_finite_differences():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 4, 2))
    w = rng.standard_normal((3, 2, 2, 3))
    b = rng.standard_normal(3)
    pads = (1, 1, 0, 1)
    y = R.conv2d_forward(x, w, b, 2, 1, pads)
    g = rng.standard_normal(y.shape)
    dx, dw, db = R.conv2d_backward(g, x, w, 2, 1, pads, True, True, True)
    eps = 1e-6
    for arr, grad in ((x, dx), (w, dw), (b, db)):
        for idx in [(0,) * arr.ndim, tuple(s - 1 for s in arr.shape), tuple(s // 2 for s in arr.shape)]:
            old = arr[idx]
            arr[idx] = old + eps
            up = np.vdot(R.conv2d_forward(x, w, b, 2, 1, pads), g)
            arr[idx] = old - eps
            down = np.vdot(R.conv2d_forward(x, w, b, 2, 1, pads), g)
            arr[idx] = old
            assert grad[idx] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-8)


def test_conv_backward_computes_only_what_is_asked():
    x = np.ones((1, 3, 3, 1))
    w = np.ones((2, 2, 1, 1))
    y = R.conv2d_forward(x, w, None, 1, 1, (0, 0, 0, 0))
    dx, dw, db = R.conv2d_backward(np.ones_like(y), x, w, 1, 1, (0,) * 4, True, False, False)
    assert dw is None and db is None and dx.shape == x.shape
    dx, dw, db = R.conv2d_backward(np.ones_like(y), x, w, 1, 1, (0,) * 4, False, True, False)
    assert dx is None and db is None
    np.testing.assert_array_equal(dw, np.full(w.shape, 4.0))  # 4 windows of ones


def test_conv_rejects_channel_mismatch():
    with pytest.raises(ValueError, match="3 input channels"):
        R.conv2d_forward(np.ones((1, 4, 4, 2)), np.ones((2, 2, 3, 1)), None, 1, 1, (0,) * 4)


# ----------------------------------------------------------------------------- pools
@given(window_case(pool=True))
def test_maxpool_forward_matches_loops(case):
    x, ph, pw, sh, sw, pads = case
    y, am = R.maxpool2d_forward(x, ph, pw, sh, sw, pads)
    y0, am0 = loop_maxpool(x, ph, pw, sh, sw, pads)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(am, am0)


def test_maxpool_ties_go_to_the_first_and_overlaps_add_up():
    x = np.zeros((1, 3, 3, 1))  # all tied: every 2x2 window picks its top-left element
    y, am = R.maxpool2d_forward(x, 2, 2, 1, 1, (0, 0, 0, 0))
    np.testing.assert_array_equal(am.ravel(), [0, 1, 3, 4])
    x = np.zeros((1, 3, 3, 1))
    x[0, 1, 1, 0] = 5.0  # the centre is the maximum of all four overlapping windows
    y, am = R.maxpool2d_forward(x, 2, 2, 1, 1, (0, 0, 0, 0))
    dx = R.maxpool2d_backward(np.arange(1.0, 5.0).reshape(y.shape), am, x.shape)
    assert dx[0, 1, 1, 0] == 10.0 and dx.sum() == 10.0


def test_maxpool_window_of_minus_inf_points_inside_the_image():
    x = np.full((1, 2, 2, 1), -np.inf)
    y, am = R.maxpool2d_forward(x, 2, 2, 1, 1, (1, 0, 1, 0))
    assert am.min() >= 0 and np.all(y == -np.inf)
    np.testing.assert_array_equal(am.ravel(), [0, 0, 0, 0])


@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.int32])
def test_maxpool_of_integers_pads_with_the_lowest_value(dtype):
    x = np.random.default_rng(0).integers(0, 100, (2, 5, 5, 3)).astype(dtype)
    x[0, 0, 0, 0] = np.iinfo(dtype).min  # a window of the lowest values still points inside
    pads = (1, 0, 1, 0)  # "same" padding of a 2x2 window with stride 2 on 5x5
    y, am = R.maxpool2d_forward(x, 2, 2, 2, 2, pads)
    y0, am0 = loop_maxpool(x.astype(np.float64), 2, 2, 2, 2, pads)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(am, am0)


@given(window_case(pool=True))
def test_avgpool_forward_matches_loops(case):
    x, ph, pw, sh, sw, pads = case
    y = R.avgpool2d_forward(x, ph, pw, sh, sw, pads)
    np.testing.assert_allclose(y, loop_avgpool(x, ph, pw, sh, sw, pads), rtol=1e-12)


@given(window_case(pool=True))
def test_pool_backwards_are_adjoints(case):
    """avg pool is linear, so <avg(x), g> == <x, avg_backward(g)>; max pool likewise
    for fixed argmax: <x[argmax], g> == <x, max_backward(g)>."""
    x, ph, pw, sh, sw, pads = case
    y = R.avgpool2d_forward(x, ph, pw, sh, sw, pads)
    g = np.random.default_rng(3).standard_normal(y.shape)
    dx = R.avgpool2d_backward(g, x.shape, ph, pw, sh, sw, pads)
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(x, dx), rtol=1e-10, atol=1e-10)
    y, am = R.maxpool2d_forward(x, ph, pw, sh, sw, pads)
    dx = R.maxpool2d_backward(g, am, x.shape)
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(x, dx), rtol=1e-10, atol=1e-10)


def test_pool_rejects_padding_as_large_as_the_window():
    with pytest.raises(ValueError, match="smaller than the pool size"):
        R.maxpool2d_forward(np.ones((1, 4, 4, 1)), 2, 2, 2, 2, (2, 2, 0, 0))


# ----------------------------------------------------------------------------- losses
def direct_cross_entropy(logits, target):
    """float64 textbook formula: log p = z - log sum exp z (via math.fsum, no tricks)."""
    z = np.asarray(logits, np.float64)
    n, k = z.shape
    t = np.eye(k)[target] if target.ndim == 1 else np.asarray(target, np.float64)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    return -(t * logp).sum() / n, (p * t.sum(axis=1, keepdims=True) - t) / n


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("kind", ["labels", "one-hot", "probabilities"])
def test_softmax_cross_entropy_matches_direct_formula(dtype, tol, kind):
    rng = np.random.default_rng(4)
    z = (rng.standard_normal((7, 5)) * 3).astype(dtype)
    labels = rng.integers(0, 5, 7)
    target = {
        "labels": labels,
        "one-hot": np.eye(5, dtype=dtype)[labels],
        "probabilities": rng.dirichlet(np.ones(5), 7).astype(dtype),
    }[kind]
    loss, grad = R.softmax_cross_entropy(z, target, True)
    want_loss, want_grad = direct_cross_entropy(z, target)
    assert loss.shape == () and loss.dtype == dtype and grad.dtype == dtype
    assert float(loss) == pytest.approx(want_loss, rel=tol)
    np.testing.assert_allclose(grad, want_grad, rtol=tol, atol=tol)
    loss2, none = R.softmax_cross_entropy(z, target, False)
    assert none is None and loss2 == loss


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_is_stable_for_huge_logits(dtype):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], dtype=dtype)
    loss, grad = R.softmax_cross_entropy(z, np.array([1, 2]), True)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert float(loss) == pytest.approx(1e4 / 2)  # row 0 costs 1e4, row 1 costs 0
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0], [0, 0, 0]], atol=1e-7)


def test_softmax_cross_entropy_rejects_bad_labels():
    z = np.zeros((3, 5), np.float32)
    with pytest.raises(ValueError, match=r"label 7 .*\[0, 5\).*K=5"):
        R.softmax_cross_entropy(z, np.array([0, 7, 1]), True)
    with pytest.raises(ValueError, match="label -1"):
        R.softmax_cross_entropy(z, np.array([0, -1, 1]), True)
    with pytest.raises(ValueError, match="integer labels of shape"):
        R.softmax_cross_entropy(z, np.zeros((3, 4)), True)


# ----------------------------------------------------------------------------- relu, bias
def test_relu_and_bias_grad():
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.5]], np.float32)
    y = R.relu_forward(x)
    np.testing.assert_array_equal(y, [[0, 0, 2], [3, 0, 0.5]])
    dx = R.relu_backward(np.full_like(x, 7.0), y)
    np.testing.assert_array_equal(dx, [[0, 0, 7], [7, 0, 7]])
    assert y.dtype == dx.dtype == np.float32
    np.testing.assert_array_equal(R.bias_grad(x), [2.0, -4.0, 2.5])
