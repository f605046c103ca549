"""Input checks and batching for ``fit``/``evaluate``/``predict``.

Every problem with the data is reported here with a message that names it:
mismatched lengths, NaN, wrong dtype, empty arrays.  All but NaN and infinities
before any computation: those are looked for in a batch only when its loss or
output is not finite (see :func:`find_not_finite`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ...autograd import Tensor
from ...backend import default_dtype


def as_input_array(x: Any, name: str = "x", check_finite: bool = True) -> np.ndarray | list[np.ndarray]:
    """Model inputs as float arrays of the default dtype (a list for multi-input models);
    NaN or infinities raise unless ``check_finite`` is False."""
    if isinstance(x, (list, tuple)) and x and all(isinstance(a, (np.ndarray, Tensor)) for a in x):
        return [as_input_array(a, f"{name}[{i}]", check_finite) for i, a in enumerate(x)]
    if x is None:
        raise ValueError(f"{name} is required")
    try:
        array = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {error}") from None
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{name} must have a batch dimension, got a scalar")
    if len(array) == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if array.dtype.kind == "f":
        if check_finite and not _all_finite(array):
            raise ValueError(_not_finite_message(name, array))
        return array.astype(default_dtype(), copy=False)
    return array


def _not_finite_message(name: str, array: np.ndarray, offset: Any = None) -> str:
    """``"x contains NaN (first at index (2, 3))..."``; ``offset`` maps a batch row to the
    row of the whole data (a slice start or the batch's index array)."""
    bad = "NaN" if np.isnan(array).any() else "infinite values"
    first = [int(i) for i in np.argwhere(~np.isfinite(array))[0]]
    if offset is not None:
        first[0] = int(offset[first[0]]) if isinstance(offset, np.ndarray) else offset + first[0]
    return f"{name} contains {bad} (first at index {tuple(first)}); clean the data first"


class NotFiniteData(ValueError):
    """A batch of training data holds NaN or an infinity (raised before it updates the weights)."""


def find_not_finite(batches: dict[str, Any], index: Any) -> None:
    """Raise :class:`NotFiniteData` naming the first array of ``batches`` (name -> batch,
    or list of batches) with NaN or an infinity; ``index`` is the batch's slice or index array.

    ``fit`` and ``evaluate`` call this only when a batch's loss is not finite, ``predict``
    when an output is not.  Checking all the data up front would read it once more at every
    call: on the batch-1024 MLP, ~4% of ``fit``'s time (the pass is bound by memory
    bandwidth).  NaN or infinite inputs make the loss NaN or infinite, so they are still
    caught, and in ``fit`` before that batch changes the weights; a model that handles NaN
    itself is then not refused.
    """
    offset = (index.start or 0) if isinstance(index, slice) else np.asarray(index)
    for name, batch in batches.items():
        arrays = batch if isinstance(batch, list) else [batch]
        for i, a in enumerate(arrays):
            label = f"{name}[{i}]" if isinstance(batch, list) else name
            if a is not None and a.dtype.kind == "f" and not np.isfinite(a).all():
                raise NotFiniteData(_not_finite_message(label, a, offset))


def _all_finite(array: np.ndarray) -> bool:
    """No NaN and no infinity in ``array``.  A sum is finite only if every term is, and
    summing reads the data once without the boolean temporary of ``np.isfinite`` (~20%
    faster on MNIST-size inputs, a pass bound by memory); only a sum that overflowed
    needs the element-wise test."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = array.sum()
    return bool(np.isfinite(total)) or bool(np.isfinite(array).all())


def as_target_array(y: Any, name: str = "y", check_finite: bool = True) -> np.ndarray:
    array = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{name} must have one entry per sample, got a scalar")
    if check_finite and array.dtype.kind == "f" and not _all_finite(array):
        raise ValueError(f"{name} contains NaN or infinite values; clean the labels first")
    return array


def num_samples(x: Any) -> int:
    return len(x[0]) if isinstance(x, list) else len(x)


def check_lengths(x: Any, y: Any, sample_weight: Any = None) -> None:
    n = num_samples(x)
    if isinstance(x, list) and any(len(a) != n for a in x):
        raise ValueError(f"all inputs must have the same number of samples, got {[len(a) for a in x]}")
    if isinstance(y, list) and any(len(a) != n for a in y):  # one target array per output
        raise ValueError(f"x has {n} samples but the targets have {[len(a) for a in y]}")
    if y is not None and not isinstance(y, list) and len(y) != n:
        raise ValueError(f"x and y have different numbers of samples: x has {n}, y has {len(y)}")
    if sample_weight is not None and len(sample_weight) != n:
        raise ValueError(f"sample_weight has {len(sample_weight)} entries, expected one per sample ({n})")


def take(x: Any, index: Any) -> Any:
    return [a[index] for a in x] if isinstance(x, list) else x[index]


def split_validation(x: Any, y: Any, sw: Any, fraction: float) -> tuple:
    """Keras's validation_split: the *last* fraction of the samples, taken before shuffling."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.integer, np.floating)) \
            or not 0 <= fraction < 1:
        raise ValueError(f"validation_split must be a number in [0, 1), got {fraction!r}")
    n = num_samples(x)
    n_val = int(n * fraction)
    if n_val == 0 or n_val == n:
        raise ValueError(f"validation_split={fraction} leaves no samples for "
                         f"{'validation' if n_val == 0 else 'training'} with {n} samples")
    cut = n - n_val
    train = (take(x, slice(0, cut)), take(y, slice(0, cut)), None if sw is None else sw[:cut])
    val = (take(x, slice(cut, n)), take(y, slice(cut, n)), None if sw is None else sw[cut:])
    return train, val


CLASS_AND_SAMPLE_WEIGHT = ("You cannot class_weight and sample_weight at the same time (Keras 3 refuses "
                           "the pair too): fold the class weights into sample_weight yourself, e.g. "
                           "sample_weight * np.array([class_weight[c] for c in labels])")


def weights_with_classes(y: Any, class_weight: Any, sw: np.ndarray | None, where: str = "") -> np.ndarray | None:
    """The sample weights ``fit`` uses: ``sw``, or one weight per sample from ``class_weight``."""
    if class_weight is None:
        return sw
    if isinstance(y, list):
        raise ValueError("class_weight works for models with one output; for several outputs "
                         "pass sample_weight instead")
    if sw is not None:  # Keras 3 refuses the pair rather than guess how to combine them
        raise ValueError(CLASS_AND_SAMPLE_WEIGHT + where)
    return class_weights_to_samples(y, class_weight)


def class_weights_to_samples(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """One weight per sample from {class: weight}; labels may be integers or one-hot."""
    labels = y.argmax(-1) if y.ndim >= 2 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype(np.int64)
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class index: weight}}, got {type(class_weight).__name__}")
    for k, w in class_weight.items():
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"class_weight keys must be class indices (ints >= 0), got {k!r}")
        if isinstance(w, bool) or not isinstance(w, (int, float, np.integer, np.floating)) or not np.isfinite(w):
            raise ValueError(f"class_weight values must be finite numbers, got {w!r} for class {k}")
    missing = sorted(set(np.unique(labels).tolist()) - set(int(k) for k in class_weight))
    if missing:
        raise ValueError(f"class_weight has no entry for classes {missing}")
    lookup = np.zeros(int(max(int(k) for k in class_weight)) + 1, dtype=np.float32)
    for k, w in class_weight.items():
        lookup[int(k)] = w
    return lookup[labels]


def batch_slices(n: int, batch_size: int, order: np.ndarray | None) -> Iterator[Any]:
    """Indices of each batch: slices in order, or chunks of a shuffled permutation."""
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        yield slice(start, stop) if order is None else order[start:stop]


def check_verbose(verbose: Any) -> int:
    """Keras's ``verbose``: "auto" (1), 0 (silent), 1 (progress bar) or 2 (one line per epoch)."""
    if verbose == "auto":
        return 1
    if not isinstance(verbose, (int, np.integer)) or verbose < 0:  # True counts as 1, as in Keras
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


def as_sample_weight(sample_weight: Any, name: str = "sample_weight") -> np.ndarray | None:
    """Per-sample weights as a float32 array (None stays None); text or objects raise a
    TypeError naming ``name`` instead of NumPy's "could not convert string to float"."""
    if sample_weight is None:
        return None
    array = sample_weight.numpy() if isinstance(sample_weight, Tensor) else np.asarray(sample_weight)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold numbers (one weight per sample), got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{name} must have one weight per sample, got a scalar")
    return array.astype(np.float32, copy=False)


def check_fit_counts(initial_epoch: Any, validation_freq: Any, validation_batch_size: Any,
                     validation_steps: Any) -> None:
    """``fit``'s counting arguments, checked before any training (both fit loops)."""
    check_steps(validation_steps, "validation_steps")
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, (int, np.integer)) or initial_epoch < 0:
        raise ValueError(f"initial_epoch must be a non-negative int (the epoch to resume from), "
                         f"got {initial_epoch!r}")
    if isinstance(validation_freq, bool) or not isinstance(validation_freq, (int, np.integer)) \
            or validation_freq < 1:
        raise ValueError(f"validation_freq must be a positive int (validate every that many epochs), "
                         f"got {validation_freq!r}")
    if validation_batch_size is not None:
        check_batch_size(validation_batch_size, name="validation_batch_size")


def check_steps(steps: Any, name: str) -> int | None:
    """``steps_per_epoch``, ``validation_steps`` or ``steps``: a positive int, or None for all batches."""
    if steps is None:
        return None
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"{name} must be a positive int or None, got {steps!r}")
    return int(steps)


def check_batch_size(batch_size: Any, default: int = 32, name: str = "batch_size") -> int:
    if batch_size is None:
        return default
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{name} must be a positive int, got {batch_size!r}")
    return int(batch_size)


def is_batch_source(x: Any) -> bool:
    """Does ``x`` hold batches rather than samples?  True for a generator or iterator, a
    ``PyDataset``-like object (``__len__`` and ``__getitem__`` giving batches) and any other
    iterable such as a ``DataLoader``; False for arrays, tensors, lists, tuples and dicts of
    them (the inputs of a model with several inputs), which ``fit`` batches itself."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict, str, bytes, range)) \
            or any(hasattr(x, a) for a in ("__array__", "__array_interface__", "__cuda_array_interface__")):
        return False
    return hasattr(x, "__next__") or hasattr(x, "__iter__") \
        or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))


def unpack_validation(model: Any, validation_data: Any) -> tuple:
    """``validation_data`` as checked arrays for ``model``: (x_val, y_val, sample_weight or None)."""
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight), "
                         "or a generator, PyDataset or DataLoader of such batches")
    xv = model._as_inputs(validation_data[0], "x_val")
    yv = model._as_targets(validation_data[1], "y_val")
    sw = None if len(validation_data) == 2 else as_sample_weight(validation_data[2], "validation_data[2]")
    check_lengths(xv, yv, sw)
    return xv, yv, sw


def log_value(value: Any) -> Any:
    """A logged loss or metric as ``evaluate()`` returns it: a Python float, or an array for
    a metric with one value per class (``F1Score(average=None)``), as Keras gives."""
    return float(value) if np.ndim(value) == 0 else np.asarray(value)
