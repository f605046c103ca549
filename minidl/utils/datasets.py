"""Map-style datasets as in ``torch.utils.data``: ``Dataset``, ``TensorDataset``, ``Subset``,
``ConcatDataset`` and ``random_split``.

A map-style dataset is anything with ``__len__`` (the number of samples) and
``__getitem__(i)`` (sample ``i``, for ``0 <= i < len``).  A ``DataLoader`` turns one into
mini-batches (see :mod:`minidl.utils.dataloader`).

    ds = TensorDataset(x_train, y_train)          # arrays or tensors, one row per sample
    train, val = random_split(ds, [0.9, 0.1])     # disjoint, shuffled with mdl.manual_seed
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..datasets.utils import as_generator


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self)")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension: ``ds[i]`` is
    ``(t0[i], t1[i], ...)``.

    Unlike PyTorch, NumPy arrays (and nested lists) are accepted too; they become tensors
    by the rule of ``mdl.tensor`` (floats take the default dtype, float32; integers and
    bools keep theirs) without a copy when the dtype already fits.  Tensors are kept as
    they are (``self.tensors``), as in PyTorch.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor or array, got none")
        converted = []
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                try:
                    t = Tensor(t)
                except TypeError as error:
                    raise TypeError(f"TensorDataset argument {i}: {error}") from None
            if t.ndim == 0:
                raise ValueError(f"TensorDataset argument {i} is a scalar; expected one row per sample")
            converted.append(t)
        sizes = [t.shape[0] for t in converted]
        if any(size != sizes[0] for size in sizes):
            raise ValueError(f"TensorDataset needs tensors with the same first dimension (one row per "
                             f"sample), got first dimensions {sizes}")
        self.tensors: tuple[Tensor, ...] = tuple(converted)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i]`` is
    ``dataset[indices[i]]``."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        _check_map_style(dataset, "Subset")
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other (``ds1 + ds2`` makes one)."""

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset, got an empty list")
        for ds in self.datasets:
            _check_map_style(ds, "ConcatDataset")
        self.cumulative_sizes = list(np.cumsum([len(ds) for ds in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"index {index} is out of range for a ConcatDataset of {n} samples")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _check_map_style(dataset: Any, what: str) -> None:
    if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
        raise TypeError(f"{what} expects a map-style dataset (with __getitem__ and __len__), "
                        f"got {type(dataset).__name__}")


def split_lengths(n: int, lengths: Sequence[Any]) -> list[int]:
    """Sample counts for :func:`random_split`: the counts as given, or fractions summing to 1
    turned into ``floor(n * f)`` each, the remainder handed out one by one from the first
    split on (the rule of PyTorch >= 1.13)."""
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Sequence) or not lengths:
        raise TypeError(f"lengths must be a non-empty list of sample counts or fractions, got {lengths!r}")
    for i, value in enumerate(lengths):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"lengths[{i}] must be an int or a float, got {value!r}")
    if all(isinstance(v, (int, np.integer)) for v in lengths) and not math.isclose(sum(lengths), 1):
        counts = [int(v) for v in lengths]
        if any(c < 0 for c in counts):
            raise ValueError(f"lengths must not be negative, got {counts}")
    elif math.isclose(sum(lengths), 1) and sum(lengths) <= n:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"lengths[{i}] = {fraction} is not a fraction between 0 and 1")
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"random_split: split {i} is empty ({lengths[i]} of {n} samples)", stacklevel=3)
    else:
        raise ValueError(f"lengths must be sample counts summing to the dataset's length ({n}) or "
                         f"fractions summing to 1, got {list(lengths)}")
    if sum(counts) != n:
        raise ValueError(f"the lengths {counts} sum to {sum(counts)}, but the dataset has {n} samples")
    return counts


def random_split(dataset: Any, lengths: Sequence[Any], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into disjoint random :class:`Subset` s of the given ``lengths``
    (sample counts, or fractions that sum to 1).

    The permutation comes from ``generator`` (a ``np.random.Generator`` or an int seed),
    or, by default, from minidl's generator, which ``mdl.manual_seed(n)`` seeds.
    """
    _check_map_style(dataset, "random_split")
    counts = split_lengths(len(dataset), lengths)
    order = as_generator(generator).permutation(sum(counts)).tolist()
    offsets = np.cumsum([0, *counts]).tolist()
    return [Subset(dataset, order[start:stop]) for start, stop in zip(offsets[:-1], offsets[1:])]
