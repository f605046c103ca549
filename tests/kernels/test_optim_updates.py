"""Fused optimizer kernels: the Numba loops against the NumPy reference, every flag."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from minidl.kernels import optim_updates as ou

pytestmark = pytest.mark.skipif(not ou._USE_NUMBA, reason="Numba kernels not active")

SHAPES = [(7,), (2, 3, 1, 4), ()]  # a bias, a conv kernel, a scalar
PRE = [  # (wd, decay, gscale, gclip): neutral, coupled L2, decoupled, Keras clipping
    (0.0, 1.0, 1.0, math.inf),
    (0.1, 1.0, 1.0, math.inf),
    (0.0, 0.99, 1.0, math.inf),
    (0.0, 1.0, 0.5, 0.3),
    (0.0, 1.0, -1.0, math.inf),
]


def _arrays(shape, dtype, n, seed, positive=()):
    rng = np.random.default_rng(seed)
    out = [np.asarray(rng.standard_normal(shape), dtype=dtype) for _ in range(n)]
    for i in positive:
        out[i] = np.asarray(np.abs(out[i]))
    return out


def _tol(dtype):
    return dict(rtol=1e-12, atol=1e-13) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)


def _run_both(fast, ref, arrays, none_slots, args):
    """Run kernel and reference on copies for 3 steps (``args``: a tuple or step -> tuple)."""
    a = [x.copy() for x in arrays]
    b = [x.copy() for x in arrays]
    for slot in none_slots:
        a[slot] = b[slot] = None
    for step in range(3):
        step_args = args(step) if callable(args) else args
        fast(*a, *step_args)
        ref(*b, *step_args)
    return a, b


def _check(a, b, dtype):
    for x, y in zip(a, b):
        if x is not None:
            np.testing.assert_allclose(x, y, **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("pre", PRE)
def test_sgd(dtype, shape, pre):
    for momentum, nesterov, keras in itertools.product([0.0, 0.9], [False, True], [False, True]):
        p, g, buf = _arrays(shape, dtype, 3, 1)
        none = (2,) if momentum == 0.0 else ()
        a, b = _run_both(
            ou.sgd_update, ou.sgd_reference, [p, g, buf], none,
            (0.05, momentum, 0.1 * (not nesterov), nesterov, keras, *pre),
        )
        _check(a, b, dtype)
        assert not np.array_equal(a[0], p)  # it moved


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("pre", PRE)
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(dtype, shape, pre, amsgrad):
    for keras in (False, True):
        arrays = _arrays(shape, dtype, 5, 2, positive=(3, 4))
        def args(s, keras=keras):
            t = s + 1
            bc1, bc2 = 1 - 0.9**t, 1 - 0.999**t
            if keras:
                return (1e-2 * math.sqrt(bc2) / bc1, 0.9, 0.999, 1e-7, 1.0, amsgrad, *pre)
            return (1e-2 / bc1, 0.9, 0.999, 1e-8, math.sqrt(bc2), amsgrad, *pre)
        a, b = _run_both(ou._adam_nb if amsgrad else ou.adam_update, ou.adam_reference, arrays,
                         () if amsgrad else (4,), args)
        _check(a, b, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("pre", PRE)
def test_rmsprop(dtype, shape, pre):
    for momentum, centered, keras in itertools.product([0.0, 0.5], [False, True], [False, True]):
        arrays = _arrays(shape, dtype, 5, 3, positive=(2,))
        arrays[3] *= 0.1  # keep sq - gavg² > 0 for the centered form
        none = tuple(i for i, used in ((3, centered), (4, momentum > 0)) if not used)
        a, b = _run_both(ou.rmsprop_update, ou.rmsprop_reference, arrays, none,
                         (0.01, 0.9, 1e-7, momentum, centered, keras, *pre))
        _check(a, b, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("pre", PRE)
def test_adagrad(dtype, shape, pre):
    for keras in (False, True):
        arrays = _arrays(shape, dtype, 3, 4, positive=(2,))
        a, b = _run_both(ou.adagrad_update, ou.adagrad_reference, arrays, (),
                         (0.1, 1e-7, keras, *pre))
        _check(a, b, dtype)


def test_dispatch_takes_compiled_path_and_falls_back_for_strided_views():
    p, g, m, v = _arrays((4, 6), np.float32, 4, 5, positive=(3,))
    calls = []
    orig = ou._adam_nb
    try:
        ou._adam_nb = lambda *a: calls.append(1) or orig(*a)
        ou.adam_update(p, g, m, v, None, 0.1, 0.9, 0.999, 1e-8, 1.0)
        assert calls == [1]
        pt = p.T  # not C-contiguous: the reference path updates it in place
        before = pt.copy()
        ou.adam_update(pt, g.T, m.T, v.T, None, 0.1, 0.9, 0.999, 1e-8, 1.0)
        assert calls == [1] and not np.array_equal(before, pt)
    finally:
        ou._adam_nb = orig


def test_size_mismatch_raises():
    p = np.zeros(5, np.float32)
    with pytest.raises(ValueError, match="sizes differ"):
        ou.adam_update(p, np.zeros(4, np.float32), np.zeros(5, np.float32),
                       np.zeros(5, np.float32), None, 0.1, 0.9, 0.999, 1e-8, 1.0)


def test_gradient_is_not_modified():
    p, g, m, v = _arrays((9,), np.float32, 4, 6, positive=(3,))
    g0 = g.copy()
    ou.adam_update(p, g, m, v, None, 0.1, 0.9, 0.999, 1e-8, 1.0, False, 0.1, 0.9, 2.0, 0.5)
    np.testing.assert_array_equal(g, g0)


def test_float16_takes_the_reference_path():
    p = np.ones(4, np.float16)
    m, v = np.zeros(4, np.float16), np.zeros(4, np.float16)
    # PyTorch form, step 1: step_size = lr / (1 - beta1), bc2_sqrt = sqrt(1 - beta2)
    ou.adam_update(p, np.ones(4, np.float16), m, v, None, 0.1 / 0.1, 0.9, 0.999, 1e-4, math.sqrt(0.001))
    assert p.dtype == np.float16
    np.testing.assert_allclose(p, 0.9, rtol=2e-3)  # the first Adam step moves by lr * sign(g)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_parameters_split_into_blocks_give_the_same_bits(dtype):
    """Above PARALLEL_MIN elements the update runs on blocks on all cores: bit for bit the
    result of the one-core loop (every element is updated on its own)."""
    pytest.importorskip("numba")
    from minidl.kernels import optim_parallel as par
    from minidl.kernels import optim_updates as ou

    if not ou._USE_NUMBA:
        pytest.skip("Numba kernels are off (MINIDL_KERNELS=numpy)")
    rng = np.random.default_rng(7)
    n = 2 * par.PARALLEL_MIN + 123  # a ragged last block
    p0, g = rng.standard_normal((n,)).astype(dtype), rng.standard_normal((n,)).astype(dtype)
    state0 = [rng.random(n).astype(dtype) for _ in range(3)]
    for amsgrad in (False, True):
        one = [p0.copy(), *[s.copy() for s in state0]]
        blocks = [p0.copy(), *[s.copy() for s in state0]]
        args = (1e-3, 0.9, 0.999, 1e-7, 0.95, amsgrad, 0.01, 1.0, 1.0, 5.0)
        ou._adam_nb(one[0], g, one[1], one[2], one[3], *args)
        ou.adam_update(blocks[0], g, blocks[1], blocks[2], blocks[3], *args)  # dispatches to blocks
        for a, b in zip(one, blocks):
            np.testing.assert_array_equal(a, b)
    for momentum, nesterov, keras in ((0.0, False, False), (0.9, True, False), (0.9, False, True)):
        one, blocks = [p0.copy(), state0[0].copy()], [p0.copy(), state0[0].copy()]
        ou._sgd_nb(one[0], g, one[1], 0.1, momentum, 0.0, nesterov, keras, 0.01, 1.0, 1.0, np.inf)
        ou.sgd_update(blocks[0], g, blocks[1], 0.1, momentum, 0.0, nesterov, keras, 0.01, 1.0, 1.0, np.inf)
        for a, b in zip(one, blocks):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("size", [5, 1 << 17])  # one core, and blocks on all cores
@pytest.mark.parametrize("update", [ou.adam_update, ou.adam_reference])
def test_adam_second_moment_keeps_small_gradients_after_large_ones(update, size):
    """v = beta2 v + (1 - beta2) g² (PyTorch's form): with beta2 = 0, v is exactly g² even
    after much larger gradients; v + (1 - beta2)(g² - v) lost ~2% there in float32."""
    p = np.zeros(size, np.float32)
    m, v = np.zeros_like(p), np.zeros_like(p)
    for g in (0.5, -0.001):
        update(p, np.full(size, g, np.float32), m, v, None, 0.04, 0.0, 0.0, 1e-8, 1.0)
    np.testing.assert_allclose(v, np.float32(-0.001) ** 2, rtol=1e-6)
