"""Synthetic data sets: shapes, dtypes, determinism and the geometry each one promises."""

import numpy as np
import pytest

from minidl.datasets import (
    make_blobs,
    make_moons,
    make_regression,
    make_sequence_task,
    make_spirals,
)

# (factory, kwargs, X shape, y shape, y dtype, number of classes or None)
TABLE = [
    (make_moons, {"n_samples": 51}, (51, 2), (51,), np.int64, 2),
    (make_spirals, {"n_samples": 61, "n_classes": 4}, (61, 2), (61,), np.int64, 4),
    (make_blobs, {"n_samples": 50, "centers": 5, "n_features": 3}, (50, 3), (50,), np.int64, 5),
    (make_regression, {"n_samples": 40, "n_features": 3}, (40, 3), (40, 1), np.float32, None),
    (make_sequence_task, {"n_samples": 9, "seq_len": 7}, (9, 7, 1), (9, 1), np.float32, None),
    (make_sequence_task, {"n_samples": 9, "task": "sum"}, (9, 20, 1), (9, 1), np.float32, None),
]
IDS = [f"{f.__name__}-{i}" for i, (f, *_) in enumerate(TABLE)]


@pytest.mark.parametrize("make, kwargs, x_shape, y_shape, y_dtype, classes", TABLE, ids=IDS)
def test_shapes_dtypes_classes(make, kwargs, x_shape, y_shape, y_dtype, classes):
    x, y = make(**kwargs, seed=0)
    assert x.shape == x_shape and x.dtype == np.float32
    assert y.shape == y_shape and y.dtype == y_dtype
    assert np.isfinite(x).all() and np.isfinite(y).all()
    if classes is not None:
        counts = np.bincount(y, minlength=classes)
        assert len(counts) == classes
        assert counts.max() - counts.min() <= 1  # balanced


@pytest.mark.parametrize("make, kwargs", [(t[0], t[1]) for t in TABLE], ids=IDS)
def test_deterministic_by_seed(make, kwargs):
    x1, y1 = make(**kwargs, seed=7)
    x2, y2 = make(**kwargs, seed=7)
    x3, _ = make(**kwargs, seed=8)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("make, kwargs", [(t[0], t[1]) for t in TABLE], ids=IDS)
def test_seed_none_follows_manual_seed(make, kwargs):
    mdl = pytest.importorskip("minidl")
    if not hasattr(mdl, "manual_seed"):
        pytest.skip("minidl.manual_seed not available yet")
    mdl.manual_seed(3)
    x1, y1 = make(**kwargs)
    mdl.manual_seed(3)
    x2, y2 = make(**kwargs)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)


def test_generator_accepted_and_advanced():
    rng = np.random.default_rng(0)
    a, _ = make_moons(20, seed=rng)
    b, _ = make_moons(20, seed=rng)
    assert not np.array_equal(a, b)


def test_moons_without_noise_match_scikit_learn():
    sk = pytest.importorskip("sklearn.datasets")
    x, y = make_moons(101, noise=0.0, seed=0)
    xs, ys = sk.make_moons(101, noise=0.0, shuffle=False)
    for c in (0, 1):
        ours, theirs = x[y == c].astype(np.float64), xs[ys == c]
        assert len(ours) == len(theirs)
        # Same points up to order: each of ours has one of theirs at distance ~0, both ways.
        dist = np.linalg.norm(ours[:, None, :] - theirs[None, :, :], axis=2)
        assert dist.min(axis=1).max() < 1e-6 and dist.min(axis=0).max() < 1e-6


def test_moons_noise_is_gaussian_with_the_given_std():
    x0, y0 = make_moons(4000, noise=0.0, seed=1)
    x1, y1 = make_moons(4000, noise=0.2, seed=1)
    # Same seed: the noise-free points are the same up to the shuffle; compare the
    # distance of class-0 points from the unit circle instead.
    r = np.linalg.norm(x1[y1 == 0].astype(np.float64), axis=1)
    assert abs(np.mean(r - 1)) < 0.02 and 0.17 < np.std(r - 1) < 0.23
    np.testing.assert_allclose(np.linalg.norm(x0[y0 == 0], axis=1), 1.0, atol=1e-6)


def test_spirals_geometry_without_noise():
    k = 3
    x, y = make_spirals(90, n_classes=k, noise=0.0, seed=0)
    r = np.linalg.norm(x.astype(np.float64), axis=1)
    assert r.min() == pytest.approx(0.1, abs=1e-6) and r.max() == pytest.approx(1.0, abs=1e-6)
    angle = np.arctan2(x[:, 1], x[:, 0])
    expected = 2 * np.pi * y / k + 4 * r
    wrapped = np.angle(np.exp(1j * (angle - expected)))  # difference modulo 2 pi
    np.testing.assert_allclose(wrapped, 0.0, atol=1e-5)


def test_blobs_points_sit_around_their_centers():
    x, y, centers = make_blobs(3000, centers=4, n_features=2, cluster_std=0.5, seed=0,
                               return_centers=True)
    assert centers.shape == (4, 2) and np.all(np.abs(centers) <= 10)
    for c in range(4):
        pts = x[y == c].astype(np.float64)
        np.testing.assert_allclose(pts.mean(axis=0), centers[c], atol=0.06)
        np.testing.assert_allclose(pts.std(axis=0), 0.5, atol=0.05)


def test_blobs_explicit_centers_and_per_cluster_std():
    centers = [[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]]
    x, y = make_blobs(2000, centers=centers, cluster_std=[0.0, 1.0], seed=0)
    assert x.shape == (2000, 3)
    np.testing.assert_array_equal(x[y == 0], 0.0)  # std 0: exactly on the center
    assert abs(x[y == 1].std() - 1.0) < 0.05


def test_regression_follows_the_documented_function():
    x, y = make_regression(100, n_features=2, noise=0.0, seed=0)
    s = x.astype(np.float64).mean(axis=1, keepdims=True)
    np.testing.assert_allclose(y, np.sin(s) + 0.5 * s, atol=1e-6)
    assert x.min() >= -3 and x.max() <= 3
    xn, yn = make_regression(5000, noise=0.3, seed=1)
    s = xn.astype(np.float64)
    assert abs(np.std(yn - (np.sin(s) + 0.5 * s)) - 0.3) < 0.02


def test_sine_sequences_target_is_the_next_value():
    x, y = make_sequence_task(50, seq_len=12, task="sine", noise=0.0, seed=0)
    v = x[:, :, 0].astype(np.float64)
    # A sine obeys v[t+1] = 2 cos(w) v[t] - v[t-1]; estimate cos(w) per sequence by
    # least squares and extrapolate one step.
    lhs, mid = v[:, 2:] + v[:, :-2], v[:, 1:-1]
    two_cos = (lhs * mid).sum(axis=1) / (mid * mid).sum(axis=1)
    nxt = two_cos * v[:, -1] - v[:, -2]
    np.testing.assert_allclose(y[:, 0], nxt, atol=1e-4)


def test_sum_sequences_target_is_the_sum():
    x, y = make_sequence_task(30, seq_len=5, task="sum", noise=0.0, seed=0)
    np.testing.assert_allclose(y[:, 0], x.sum(axis=(1, 2)), rtol=1e-6)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: make_moons(0), ValueError, "n_samples must be >= 1, got 0"),
        (lambda: make_moons(10.5), TypeError, "n_samples must be an int, got float"),
        (lambda: make_moons(10, noise=-0.1), ValueError, "noise must be a finite number >= 0"),
        (lambda: make_moons(10, noise=float("nan")), ValueError, "noise must be a finite"),
        (lambda: make_spirals(10, n_classes=1), ValueError, "n_classes must be >= 2, got 1"),
        (lambda: make_spirals(2, n_classes=3), ValueError, "n_samples must be >= n_classes"),
        (lambda: make_blobs(10, centers=0), ValueError, "centers must be >= 1, got 0"),
        (lambda: make_blobs(10, centers=[1.0, 2.0]), ValueError, r"shape \(n_centers, n_features\)"),
        (lambda: make_blobs(10, centers=2, cluster_std=[1.0, 2.0, 3.0]), ValueError,
         r"cluster_std must be a number or 2 numbers"),
        (lambda: make_blobs(10, cluster_std=-1.0), ValueError, "cluster_std must be a finite"),
        (lambda: make_regression(10, n_features=0), ValueError, "n_features must be >= 1"),
        (lambda: make_sequence_task(10, task="copy"), ValueError, "unknown task 'copy'"),
        (lambda: make_moons(10, seed=1.5), TypeError, "seed must be an int"),
        (lambda: make_moons(10, seed=-1), ValueError, "seed must be >= 0"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
