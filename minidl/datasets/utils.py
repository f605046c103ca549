"""Helpers every training script needs: splits, mini-batches and standardization.

All of them work on plain NumPy arrays (anything ``np.asarray`` accepts), split
along the first axis (the sample axis), and take ``seed=`` so a run can be
repeated: an int or a ``np.random.Generator``; ``None`` draws from minidl's
global generator, which ``minidl.manual_seed(n)`` seeds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "as_generator",
    "train_test_split",
    "train_val_test_split",
    "batches",
    "Standardizer",
    "standardize",
]

Seed = int | np.random.Generator | None


def as_generator(seed: Seed = None) -> np.random.Generator:
    """Turn ``seed`` into a ``np.random.Generator``.

    An int gives a fresh generator seeded with it (same int, same numbers); a
    Generator is used as is; ``None`` uses ``minidl.random.generator()``, so that
    ``mdl.manual_seed(n)`` also fixes shuffles and synthetic data.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        try:
            from minidl.random import generator
        except ModuleNotFoundError as err:
            # Only tolerate the module being absent, never a bug inside it.
            if err.name not in ("minidl.random", "minidl"):
                raise
            return np.random.default_rng()
        return generator()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.default_rng(int(seed))


def _as_arrays(arrays: tuple[Any, ...], what: str) -> list[np.ndarray]:
    """Convert to arrays and check they are non-empty and share their first dimension."""
    if not arrays:
        raise ValueError(f"{what} needs at least one array, got none")
    out = [np.asarray(a) for a in arrays]
    for i, a in enumerate(out):
        if a.ndim == 0:
            raise ValueError(f"{what}: array {i} is a scalar, expected an array of samples")
        if len(a) == 0:
            raise ValueError(f"{what}: array {i} is empty, expected at least one sample")
        if len(a) != len(out[0]):
            raise ValueError(
                f"{what}: arrays must have the same length, but array 0 has {len(out[0])} "
                f"samples and array {i} has {len(a)}"
            )
    return out


def _check_fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(f"{name} must be a float in (0, 1), got {type(value).__name__}")
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be a fraction in (0, 1), got {value}")
    return float(value)


def _split_indices(
    sizes: list[int], shuffle: bool, stratify: Any, seed: Seed, what: str
) -> list[np.ndarray]:
    """Row indices of each part, for part sizes ``[n_train, *held_out]``.

    Unshuffled, the parts are consecutive blocks (training first). Shuffled,
    each part is a random sample. Stratified, each held-out part gets from every
    class its share ``size * n_c / n`` rounded down, and the rows still missing
    go to the classes with the largest remainders: so each held-out part is
    within one sample of the exact share per class (training, the rest, within two).
    """
    n = sum(sizes)
    if stratify is None:
        order = as_generator(seed).permutation(n) if shuffle else np.arange(n)
        return np.split(order, np.cumsum(sizes)[:-1])
    if not shuffle:
        raise ValueError(f"{what}: stratify requires shuffle=True")
    labels = np.asarray(stratify)
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(
            f"{what}: stratify must be 1-D labels with one entry per sample: expected shape "
            f"({n},), got {labels.shape}"
        )
    rng = as_generator(seed)
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    pools = [rng.permutation(np.flatnonzero(inverse == c)) for c in range(len(counts))]
    taken = np.zeros(len(counts), dtype=np.int64)  # rows of each class already handed out
    held_out = []
    for size in sizes[1:]:
        share = size * counts / n
        alloc = np.floor(share).astype(np.int64)
        room = counts - taken - alloc
        # Largest remainder first, random among equals; at most one extra per class and round.
        priority = np.lexsort((rng.random(len(counts)), alloc - share))
        missing = size - int(alloc.sum())
        while missing > 0:
            for c in priority:
                if missing > 0 and room[c] > 0:
                    alloc[c], room[c], missing = alloc[c] + 1, room[c] - 1, missing - 1
        held_out.append(np.concatenate([p[t : t + a] for p, t, a in zip(pools, taken, alloc)]))
        taken += alloc
    train = np.concatenate([p[t:] for p, t in zip(pools, taken)])
    return [rng.permutation(part) for part in (train, *held_out)]


def _sizes(n: int, fractions: list[tuple[str, float]], what: str) -> list[int]:
    """Number of samples for each held-out part (rounded up, as scikit-learn), and train."""
    counts = [math.ceil(f * n) for _, f in fractions]
    n_train = n - sum(counts)
    if n_train < 1:
        parts = ", ".join(f"{name}={c}" for (name, _), c in zip(fractions, counts))
        raise ValueError(
            f"{what}: {n} samples leave no training data ({parts}); "
            f"expected the held-out fractions to sum to less than 1 and more samples"
        )
    return [n_train, *counts]


def train_test_split(
    *arrays: Any,
    test_size: float = 0.25,
    seed: Seed = None,
    shuffle: bool = True,
    stratify: Any = None,
) -> list[np.ndarray]:
    """Split arrays into a training and a test part: ``a_train, a_test, b_train, b_test, ...``.

    The test part holds ``ceil(test_size * n)`` samples; the same rows go to
    the same part in every array. ``stratify=y`` keeps each class's proportion
    equal in both parts. ``shuffle=False`` puts the last samples in the test part.
    """
    data = _as_arrays(arrays, "train_test_split")
    n = len(data[0])
    sizes = _sizes(n, [("test", _check_fraction("test_size", test_size))], "train_test_split")
    train_idx, test_idx = _split_indices(sizes, shuffle, stratify, seed, "train_test_split")
    return [part for a in data for part in (a[train_idx], a[test_idx])]


def train_val_test_split(
    *arrays: Any,
    val_size: float = 0.15,
    test_size: float = 0.15,
    seed: Seed = None,
    shuffle: bool = True,
    stratify: Any = None,
) -> list[np.ndarray]:
    """Split arrays in three: ``a_train, a_val, a_test, b_train, b_val, b_test, ...``.

    Validation and test hold ``ceil(val_size * n)`` and ``ceil(test_size * n)``
    samples, training the rest. Use validation to choose hyper-parameters and
    the test part once, at the end. ``shuffle=False`` keeps the order: first
    training, then validation, then test (right for time series).
    """
    what = "train_val_test_split"
    data = _as_arrays(arrays, what)
    n = len(data[0])
    fractions = [
        ("val", _check_fraction("val_size", val_size)),
        ("test", _check_fraction("test_size", test_size)),
    ]
    sizes = _sizes(n, fractions, what)
    train_idx, val_idx, test_idx = _split_indices(sizes, shuffle, stratify, seed, what)
    return [part for a in data for part in (a[train_idx], a[val_idx], a[test_idx])]


def batches(
    x: Any,
    y: Any = None,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: Seed = None,
    drop_last: bool = False,
) -> Iterator[Any]:
    """Yield mini-batches ``(xb, yb)`` (or just ``xb`` when ``y`` is None) for one epoch.

    Every sample appears exactly once per epoch (the last batch is smaller
    unless ``drop_last=True``, which skips it). Call it again for the next
    epoch: with ``seed=None`` each epoch gets a new order drawn from minidl's
    global generator; a fixed int seed repeats the same order every time.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    data = _as_arrays((x,) if y is None else (x, y), "batches")
    n = len(data[0])
    order = as_generator(seed).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        if y is None:
            yield data[0][idx]
        else:
            yield data[0][idx], data[1][idx]


class Standardizer:
    """Rescale features to zero mean and unit variance: ``z = (x - mean) / std``.

    ``mean`` and ``std`` are computed on the training data only (``fit``) and
    reused for validation and test data, so no information leaks from them.
    ``axis=0`` standardizes each feature (each pixel, for images);
    ``axis=None`` uses one mean and std for the whole array. Where ``std`` is 0
    (a constant feature, e.g. MNIST's corner pixels) it is replaced by 1, so
    the feature becomes 0 instead of NaN.

    Integer input (e.g. uint8 images) gives float32; float input keeps its dtype.
    """

    def __init__(self, axis: int | tuple[int, ...] | None = 0) -> None:
        self.axis = axis
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, x: Any) -> Standardizer:
        """Compute ``mean`` and ``std`` (population std, ddof=0) of ``x`` along ``axis``."""
        x = _as_arrays((x,), "Standardizer.fit")[0]
        x64 = x.astype(np.float64)  # accumulate in float64: uint8/float32 sums lose digits
        # keepdims so that mean/std broadcast against x; axis=None gives 0-d scalars.
        keep = self.axis is not None
        self.mean = x64.mean(axis=self.axis, keepdims=keep)
        std = x64.std(axis=self.axis, keepdims=keep)
        self.std = np.where(std > 0, std, 1.0)
        self._shape = x.shape
        return self

    def transform(self, x: Any) -> np.ndarray:
        """Return ``(x - mean) / std`` using the statistics from ``fit``."""
        x = self._checked(x, "transform")
        return ((x - self.mean) / self.std).astype(_float_dtype(x), copy=False)

    def fit_transform(self, x: Any) -> np.ndarray:
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def inverse_transform(self, z: Any) -> np.ndarray:
        """Undo ``transform``: ``x = z * std + mean``."""
        z = self._checked(z, "inverse_transform")
        return (z * self.std + self.mean).astype(_float_dtype(z), copy=False)

    def _checked(self, x: Any, method: str) -> np.ndarray:
        if self.mean is None or self.std is None:
            raise ValueError(f"Standardizer.{method} called before fit: call fit(x_train) first")
        x = np.asarray(x)
        fits = self.mean.ndim == 0 or x.ndim == self.mean.ndim and all(
            m in (1, d) for m, d in zip(self.mean.shape, x.shape)
        )
        if not fits:
            expected = ", ".join("N" if m == 1 else str(m) for m in self.mean.shape)
            raise ValueError(
                f"Standardizer.{method}: fitted on an array of shape {self._shape}, so expected "
                f"shape ({expected}) (N any size), got {x.shape}"
            )
        return x

    def __repr__(self) -> str:
        state = "unfitted" if self.mean is None else f"fitted on shape {self._shape}"
        return f"Standardizer(axis={self.axis!r}, {state})"


def _float_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float32)


def standardize(x_train: Any, *others: Any, axis: int | None = 0) -> Any:
    """Standardize ``x_train`` and any further arrays with ``x_train``'s mean and std.

    ``x_train, x_val, x_test = standardize(x_train, x_val, x_test)``; with one
    argument it returns one array. See :class:`Standardizer` for the details.
    """
    scaler = Standardizer(axis=axis).fit(x_train)
    out = [scaler.transform(x_train), *(scaler.transform(o) for o in others)]
    return out[0] if not others else tuple(out)
