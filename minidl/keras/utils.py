"""Keras utilities: ``to_categorical``, ``set_random_seed``, ``clear_session``, ``PyDataset``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random
from .layers.base import clear_session
from .plot_model import model_to_dot, plot_model
from .preprocessing.sequence import pad_sequences
from .py_dataset import PyDataset, Sequence
from .saving import custom_object_scope, get_custom_objects, register_keras_serializable


def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = "float32") -> np.ndarray:
    """One-hot encode integer labels: shape (N,) -> (N, num_classes)."""
    labels = np.asarray(y)
    if labels.ndim >= 2 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.dtype.kind == "b":  # False/True are the classes 0 and 1, as Keras reads them
        labels = labels.astype(np.int64)
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.array_equal(labels, np.round(labels)):
            raise ValueError("to_categorical expects integer class labels, got non-integer values")
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"to_categorical expects integer class labels, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical got a negative label ({labels.min()}); labels must be >= 0")
    top = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = top
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"to_categorical num_classes must be a positive int, got {num_classes!r}")
    elif num_classes < top:
        raise ValueError(f"label {top - 1} does not fit num_classes={num_classes}")
    out = np.zeros((*labels.shape, num_classes), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out


def set_random_seed(seed: int) -> None:
    """Seed minidl (initialisation, dropout, shuffling), NumPy's global generator and Python's."""
    import random as py_random

    random.manual_seed(seed)
    np.random.seed(seed)
    py_random.seed(seed)


__all__ = ["to_categorical", "set_random_seed", "clear_session", "PyDataset", "Sequence",
           "register_keras_serializable", "get_custom_objects", "custom_object_scope", "pad_sequences",
           "plot_model", "model_to_dot"]
