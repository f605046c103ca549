"""Input checks shared by every metric.

Metrics accept Python lists, NumPy arrays, or anything with a ``.numpy()``
method (a minidl ``Tensor``, a PyTorch tensor on the CPU). Everything is turned
into a NumPy array here, once, so that the metric code below only ever sees
NumPy and every bad input gets the same clear message.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined for this input (e.g. precision with no predicted positives)."""


def to_numpy(x: Any, name: str = "input") -> np.ndarray:
    """Return ``x`` as a NumPy array (copying GPU tensors to the host)."""
    if hasattr(x, "numpy") and callable(x.numpy) and not isinstance(x, np.ndarray):
        x = x.numpy()
    elif type(x).__module__.startswith("cupy") and hasattr(x, "get"):
        x = x.get()  # a raw CuPy array: copy it to the host
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} could not be converted to an array: {exc}") from None
    if arr.dtype == object:
        # Lists of strings mixed with None/numbers end up here; keep strings working.
        if all(isinstance(v, str) for v in arr.ravel()):
            arr = arr.astype(str)
        else:
            kinds = sorted({type(v).__name__ for v in arr.ravel()})
            raise TypeError(
                f"{name} must hold numbers or strings of a single kind, got a mix of {kinds}"
            )
    return arr


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} has {len(a)} samples but {name_b} has {len(b)}; "
            "they must have the same length"
        )


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise if a numeric array holds NaN or infinity (naming the first bad index)."""
    if arr.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        where = np.argwhere(bad)[0]
        index = int(where[0]) if len(where) == 1 else tuple(int(i) for i in where)
        kind = "NaN" if np.isnan(arr[tuple(where)]) else "infinity"
        raise ValueError(
            f"{name} contains {kind} (first at index {index}, {int(bad.sum())} bad values); "
            "expected finite numbers"
        )


def as_1d_or_2d(x: Any, name: str) -> np.ndarray:
    """Convert to an array of shape (n,) or (n, k), refusing scalars and 3-D input."""
    arr = to_numpy(x, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be a 1-D or 2-D array of samples, got a scalar")
    if arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; expected at least 1 sample")
    return arr


def as_numeric(x: Any, name: str) -> np.ndarray:
    """A finite float64 array of shape (n,) or (n, k)."""
    arr = as_1d_or_2d(x, name)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    check_finite(arr, name)
    return arr


def as_labels(x: Any, name: str) -> np.ndarray:
    """A 1-D array of class labels (ints, strings or bools; floats must be whole numbers).

    A column vector ``(n, 1)`` is flattened. A 2-D array with several columns is
    almost always one-hot targets or predicted probabilities, so the message says
    how to turn it into labels.
    """
    arr = as_1d_or_2d(x, name)
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(
                f"{name} has shape {arr.shape}: expected 1-D class labels. If these are "
                f"probabilities or one-hot rows, pass {name}.argmax(axis=1) instead"
            )
        arr = arr[:, 0]
    if arr.dtype.kind == "f":
        check_finite(arr, name)
        if np.any(arr != np.round(arr)):
            raise ValueError(
                f"{name} holds non-integer values such as {arr[arr != np.round(arr)][0].item()!r}: "
                "expected class labels. Threshold scores (e.g. p >= 0.5) or take argmax "
                "of probabilities first"
            )
        arr = arr.astype(np.int64)  # whole-number floats (e.g. float32 tensors) are class ids
    elif arr.dtype.kind == "c":
        raise TypeError(f"{name} must hold class labels, got complex numbers")
    return arr


def unique_labels(*arrays: np.ndarray) -> np.ndarray:
    """Sorted union of the labels in ``arrays``; strings and numbers cannot be mixed."""
    kinds = {"str" if a.dtype.kind in "US" else "number" for a in arrays}
    if len(kinds) > 1:
        raise ValueError(
            "y_true and y_pred mix string and numeric labels; expected one kind of label"
        )
    return np.unique(np.concatenate([a.ravel() for a in arrays]))


def check_labels_arg(labels: Any, present: np.ndarray) -> np.ndarray:
    """Validate a user-supplied ``labels=`` list against the labels found in the data."""
    arr = to_numpy(labels, "labels")
    if arr.ndim != 1:
        raise ValueError(f"labels must be a 1-D list of class labels, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("labels is empty; expected at least one class label")
    if len(np.unique(arr)) != len(arr):
        raise ValueError(f"labels must not repeat a label, got {arr.tolist()}")
    if (arr.dtype.kind in "US") != (present.dtype.kind in "US"):
        raise ValueError(
            f"labels {arr.tolist()} do not match the kind of the data's labels "
            f"{present.tolist()}; expected labels of the same type"
        )
    return arr


def zero_division_value(zero_division: str | float) -> float:
    """The value a ratio with a zero denominator takes (``"warn"`` means 0 and a warning)."""
    if isinstance(zero_division, str):
        if zero_division != "warn":
            raise ValueError(f'zero_division must be "warn", 0, 1 or nan, got {zero_division!r}')
        return 0.0
    if zero_division in (0, 1) or np.isnan(zero_division):
        return float(zero_division)
    raise ValueError(f'zero_division must be "warn", 0, 1 or nan, got {zero_division!r}')


def warn_undefined(message: str) -> None:
    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)
