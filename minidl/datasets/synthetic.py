"""Small synthetic data sets for toy problems you can plot.

Each function returns ``(X, y)``: ``X`` is float32 of shape
``(n_samples, n_features)`` (``(n_samples, seq_len, 1)`` for sequences);
``y`` is int64 class labels of shape ``(n_samples,)`` for classification, or
float32 targets of shape ``(n_samples, 1)`` for regression. Regression targets
are a column, like a ``Dense(1)`` output, so that ``prediction - y`` does not
silently broadcast ``(n, 1) - (n,)`` into an ``(n, n)`` matrix.

The samples come in random order. The same ``seed`` gives the same data;
``seed=None`` draws from minidl's global generator (``minidl.manual_seed``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minidl.datasets.utils import Seed, as_generator

__all__ = ["make_moons", "make_spirals", "make_blobs", "make_regression", "make_sequence_task"]


def _count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _nonnegative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def _per_class(n: int, k: int) -> list[int]:
    """Split n samples over k classes as evenly as possible (first classes get the rest)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _finish(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """Add Gaussian noise of std ``noise`` to x, shuffle, and cast to the public dtypes."""
    x = x + noise * rng.standard_normal(x.shape)
    order = rng.permutation(len(x))
    return x[order].astype(np.float32), y[order]


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: a binary problem no straight line separates.

    Class 0 lies on ``(cos t, sin t)`` and class 1 on ``(1 - cos t, 0.5 - sin t)``,
    for ``t`` evenly spaced in ``[0, pi]`` (``n // 2`` points in class 0, the
    rest in class 1), plus Gaussian noise of std ``noise`` on each coordinate.
    """
    n = _count("n_samples", n_samples)
    noise = _nonnegative("noise", noise)
    rng = as_generator(seed)
    n0 = n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n - n0])
    return _finish(rng, np.concatenate([outer, inner]), y, noise)


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms in the plane (the classic "spiral" data).

    Arm ``k`` has points ``r (cos a, sin a)`` with radius ``r`` evenly spaced in
    ``[0.1, 1]`` and angle ``a = 2 pi k / n_classes + 4 r + noise * eps``,
    ``eps ~ N(0, 1)``: the noise jitters the angle, so it grows with the radius
    as on a real spiral. A linear model gets about ``1 / n_classes`` right.
    """
    n = _count("n_samples", n_samples)
    k = _count("n_classes", n_classes, minimum=2)
    noise = _nonnegative("noise", noise)
    if n < k:
        raise ValueError(f"n_samples must be >= n_classes ({k}) for one point per arm, got {n}")
    rng = as_generator(seed)
    counts = _per_class(n, k)
    r = np.concatenate([np.linspace(0.1, 1.0, c) for c in counts])
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    angle = 2 * np.pi * y / k + 4 * r + noise * rng.standard_normal(n)
    x = r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _finish(rng, x, y, 0.0)


def make_blobs(
    n_samples: int = 300,
    centers: int | Sequence[Sequence[float]] | np.ndarray = 3,
    n_features: int = 2,
    cluster_std: float | Sequence[float] = 1.0,
    seed: Seed = None,
    return_centers: bool = False,
) -> Any:
    """Gaussian clusters ("blobs"), one class per cluster.

    ``centers`` is a number of clusters, whose centres are drawn uniformly in
    ``[-10, 10]^n_features``, or an array of shape ``(k, d)`` of centres (then
    ``d`` is the number of features and ``n_features`` is not used). Cluster
    ``c`` is ``N(center_c, cluster_std_c^2 I)``; ``cluster_std`` is one number
    or one per cluster. Returns ``(X, y)``, or ``(X, y, centers)`` with
    ``return_centers=True``.
    """
    n = _count("n_samples", n_samples)
    rng = as_generator(seed)
    if isinstance(centers, int | np.integer) and not isinstance(centers, bool):
        k = _count("centers", centers)
        d = _count("n_features", n_features)
        means = rng.uniform(-10.0, 10.0, size=(k, d))
    else:
        means = np.asarray(centers, dtype=np.float64)
        if means.ndim != 2 or means.shape[0] == 0 or means.shape[1] == 0:
            raise ValueError(
                f"centers must be an int or an array of shape (n_centers, n_features), "
                f"got shape {means.shape}"
            )
        k = len(means)
    stds = np.asarray(cluster_std, dtype=np.float64)
    if stds.ndim == 0:
        stds = np.full(k, float(stds))
    if stds.shape != (k,):
        raise ValueError(
            f"cluster_std must be a number or {k} numbers (one per center), got shape {stds.shape}"
        )
    for s in stds:
        _nonnegative("cluster_std", float(s))
    counts = _per_class(n, k)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    x = means[y] + stds[y, None] * rng.standard_normal((n, means.shape[1]))
    x, y = _finish(rng, x, y, 0.0)
    return (x, y, means.astype(np.float32)) if return_centers else (x, y)


def make_regression(
    n_samples: int = 200, n_features: int = 1, noise: float = 0.1, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """A noisy, non-linear regression: ``y = sin(s) + 0.5 s + noise * eps``.

    ``X`` is uniform in ``[-3, 3]^n_features`` and ``s`` is the mean of a
    sample's features, so with one feature the target is a wavy rising curve
    that a straight line fits badly and a small MLP fits well. ``eps ~ N(0, 1)``.
    ``y`` has shape ``(n_samples, 1)``.
    """
    n = _count("n_samples", n_samples)
    d = _count("n_features", n_features)
    noise = _nonnegative("noise", noise)
    rng = as_generator(seed)
    x = rng.uniform(-3.0, 3.0, size=(n, d))
    s = x.mean(axis=1, keepdims=True)
    y = np.sin(s) + 0.5 * s + noise * rng.standard_normal((n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def make_sequence_task(
    n_samples: int = 500,
    seq_len: int = 20,
    task: str = "sine",
    noise: float = 0.05,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences for recurrent networks: ``X`` of shape ``(n, seq_len, 1)``, ``y`` of ``(n, 1)``.

    ``task="sine"``: each sequence is ``sin(w t + phi)`` for ``t = 0..seq_len-1``
    plus noise, with random frequency ``w`` in ``[0.1, 0.5]`` and phase ``phi``;
    the target is the next, noise-free value ``sin(w seq_len + phi)``.

    ``task="sum"``: values uniform in ``[0, 1]``; the target is their sum plus
    noise. A network must carry a running total through every step.
    """
    n = _count("n_samples", n_samples)
    steps = _count("seq_len", seq_len)
    noise = _nonnegative("noise", noise)
    rng = as_generator(seed)
    if task == "sine":
        w = rng.uniform(0.1, 0.5, size=(n, 1))
        phi = rng.uniform(0.0, 2 * np.pi, size=(n, 1))
        x = np.sin(w * np.arange(steps) + phi) + noise * rng.standard_normal((n, steps))
        y = np.sin(w * steps + phi)
    elif task == "sum":
        x = rng.uniform(0.0, 1.0, size=(n, steps))
        y = x.sum(axis=1, keepdims=True) + noise * rng.standard_normal((n, 1))
    else:
        raise ValueError(f"unknown task {task!r}, expected 'sine' or 'sum'")
    return x[:, :, None].astype(np.float32), y.astype(np.float32)
