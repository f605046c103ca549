"""``DataLoader`` and ``default_collate``, as in ``torch.utils.data``.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    for xb, yb in loader:          # minidl Tensors: xb.shape == (64, ...) but for the last batch
        ...

Collation follows PyTorch's ``default_collate``: samples are stacked along a new first
axis; a sample that is a tuple or list gives a *list* of batches (one per field, as
PyTorch), a dict a dict, a namedtuple the same namedtuple, strings a list.  Python ints
become int64 and bools bool, as in PyTorch.  One difference: floating data (Python floats,
float64 NumPy arrays) becomes minidl's default dtype (float32), by the rule of
``mdl.tensor``; PyTorch would give float64 there.  Tensors keep their dtype.

minidl loads in the main process: there are no worker processes (``num_workers=0``).
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .. import random
from ..autograd import Tensor
from ..backend import to_device
from ..datasets.utils import as_generator
from ..ops import stack
from .datasets import Subset, TensorDataset


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples into one batch (see the module docstring for the rules)."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples, axis=0)
    if isinstance(first, (np.ndarray, np.number, np.bool_, bool, int, float)):
        return _stack_arrays(samples)
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple keeps its type
        return type(first)(*(default_collate(list(field)) for field in zip(*samples)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(s) != len(first) for s in samples):
            raise ValueError(f"DataLoader cannot collate samples with different numbers of fields: "
                             f"{sorted({len(s) for s in samples})}; every sample needs the same structure")
        return [default_collate(list(field)) for field in zip(*samples)]
    raise TypeError(f"default_collate cannot batch samples of type {type(first).__name__}; expected "
                    "tensors, NumPy arrays, numbers, strings, or tuples/lists/dicts of them "
                    "(or pass collate_fn=)")


def _stack_arrays(samples: list[Any]) -> Tensor:
    arrays = [np.asarray(s) for s in samples]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"DataLoader cannot stack samples of different shapes {sorted(shapes)} into one "
                         "batch; make the samples one shape or pass collate_fn=")
    return Tensor(np.stack(arrays))


def default_convert(sample: Any) -> Any:
    """One sample with its arrays and numbers made tensors, without stacking (``batch_size=None``)."""
    if isinstance(sample, (np.ndarray, np.number, np.bool_)):
        return Tensor(sample)
    if isinstance(sample, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return [default_convert(v) for v in sample]
    return sample


class DataLoader:
    """Mini-batches of a map-style ``dataset`` (``__len__`` and ``__getitem__``), as PyTorch's.

    ``shuffle=True`` draws a fresh order at each pass (each ``for`` loop over the loader)
    from ``generator`` (a ``np.random.Generator`` or an int seed) or, by default, from
    minidl's generator, which ``mdl.manual_seed(n)`` seeds.  ``sampler=`` (an iterable of
    indices) replaces the order instead.  ``len(loader)`` is the number of batches:
    ``ceil(n / batch_size)``, or ``floor`` with ``drop_last=True``.  ``batch_size=None``
    yields the samples one by one, unstacked.

    A :class:`TensorDataset` (or a :class:`Subset` of one) is batched by indexing each of
    its tensors with the batch's indices at once, not by stacking samples one by one.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable[int] | None = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Any = None,
                 generator: Any = None, prefetch_factor: Any = None, persistent_workers: bool = False) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader expects a map-style dataset (with __getitem__ and __len__), "
                            f"got {type(dataset).__name__}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a positive int (or None for single samples), got {batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative int, got {num_workers!r}")
        if num_workers or timeout or worker_init_fn is not None or prefetch_factor is not None \
                or persistent_workers:
            raise ValueError(f"minidl's DataLoader loads data in the main process: num_workers must be 0 "
                             f"(got {num_workers}) and the worker options (timeout, worker_init_fn, "
                             "prefetch_factor, persistent_workers) left at their defaults")
        if batch_sampler is not None:
            raise ValueError("batch_sampler is not supported; use batch_size, shuffle or sampler")
        if sampler is not None and shuffle:
            raise ValueError("sampler and shuffle=True cannot be used together: the sampler sets the order")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last), ("pin_memory", pin_memory)):
            if flag is not None and not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be a function taking a list of samples, got {collate_fn!r}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.drop_last = bool(drop_last)
        self.num_workers = 0
        self.pin_memory = bool(pin_memory)  # no effect: batches are made on the host
        self.collate_fn = collate_fn
        # an int seed makes one generator now, so that each pass still gets a new order
        self.generator = None if generator is None else as_generator(generator)

    def __len__(self) -> int:
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray | Iterable[int]:
        """The sample indices of one pass, in the order they are batched."""
        if self.sampler is not None:
            return self.sampler
        n = len(self.dataset)
        if self.shuffle:
            return (self.generator or random.generator()).permutation(n)
        return np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            convert = self.collate_fn or default_convert
            for i in order:
                yield convert(self.dataset[int(i)])
            return
        tensors, rows = _tensor_rows(self.dataset) if self.collate_fn is None else (None, None)
        for index in self._batch_indices(order):
            if tensors is not None:
                yield [_take(t, index if rows is None else rows[index]) for t in tensors]
            else:
                samples = [self.dataset[int(i)] for i in index]
                yield (self.collate_fn or default_collate)(samples)

    def _batch_indices(self, order: Any) -> Iterator[np.ndarray]:
        if isinstance(order, np.ndarray):
            stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
            for start in range(0, stop, self.batch_size):
                yield order[start:start + self.batch_size]
            return
        chunk: list[int] = []
        for i in order:  # a sampler: any iterable of indices
            chunk.append(int(i))
            if len(chunk) == self.batch_size:
                yield np.asarray(chunk)
                chunk = []
        if chunk and not self.drop_last:
            yield np.asarray(chunk)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})")


def _tensor_rows(dataset: Any) -> tuple[tuple[Tensor, ...] | None, np.ndarray | None]:
    """For a TensorDataset, possibly under Subsets: its tensors and the rows of them that
    ``dataset`` holds (None: all, in order).  (None, None) for any other dataset."""
    rows = None
    while isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices, dtype=np.int64)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:  # a subclass may change __getitem__
        return None, None
    n = len(dataset)
    if rows is not None and rows.size and (rows.min() < -n or rows.max() >= n):
        raise IndexError(f"a Subset holds indices outside the {n} samples of its TensorDataset")
    return dataset.tensors, rows


def _take(tensor: Tensor, index: np.ndarray) -> Tensor:
    """Rows ``index`` of ``tensor`` as a new tensor (outside autograd, as a batch of data)."""
    if tensor.device != "cpu":
        index = to_device(index, tensor.device)
    return Tensor._wrap(tensor.data[index])
