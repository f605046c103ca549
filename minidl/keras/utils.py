"""Keras utilities: ``to_categorical``, ``normalize``, ``set_random_seed``, ``clear_session``,
``PyDataset``, ``Progbar``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random
from .layers.base import clear_session
from .plot_model import model_to_dot, plot_model
from .preprocessing.sequence import pad_sequences
from .progbar import Progbar
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


def normalize(x: Any, axis: int = -1, order: Any = 2) -> Any:
    """Divide ``x`` by its ``order``-norm along ``axis`` (Keras's ``keras.utils.normalize``).

    x / ‖x‖ with ‖x‖ = (Σ |x|^order)^(1/order) over ``axis`` (``np.linalg.norm``'s orders);
    vectors of norm 0 are left as zeros.  Arrays (and lists) give a NumPy array of the same
    float dtype; a minidl Tensor gives a Tensor (order 1 or 2) through which gradients flow.
    """
    from ..autograd import Tensor  # noqa: PLC0415 (keras.utils is imported early)

    is_tensor = isinstance(x, Tensor)
    if not is_tensor:
        try:
            x = np.asarray(x)
        except ValueError:  # NumPy's "inhomogeneous shape"
            raise TypeError("normalize got a nested list whose rows have different lengths; expected a "
                            "rectangular array of numbers") from None
        if x.dtype.kind not in "biuf":
            raise TypeError(f"normalize expects an array of real numbers, got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError("normalize needs an input with at least 1 dimension (the vectors to normalize), "
                         "got a single number")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"normalize axis must be an int in [-{x.ndim}, {x.ndim}) for input of shape "
                         f"{x.shape}, got {axis!r}")
    if order is not None and not isinstance(order, str) and (  # a name ('fro') goes to NumPy, which refuses it
            isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, float, np.number)) or np.isnan(order)):
        raise TypeError(f"normalize order must be a number (2 for the L2 norm, 1, np.inf, ...), got {order!r}")
    if is_tensor:
        if order not in (1, 2):
            raise ValueError(f"normalize of a Tensor takes order 1 or 2, got {order!r}")
        total = x.abs().sum(axis=axis, keepdims=True) if order == 1 else (x * x).sum(axis=axis, keepdims=True)
        total = total + (total.data == 0).astype(total.dtype)  # a zero vector divides by 1 (finite gradient)
        return x / (total if order == 1 else total.sqrt())
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    try:
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    except ValueError as error:
        raise ValueError(f"normalize got an invalid order {order!r}: {error}") from None
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis).astype(x.dtype)


def set_random_seed(seed: int) -> None:
    """Seed minidl (initialisation, dropout, shuffling), NumPy's global generator and Python's."""
    import random as py_random

    random.manual_seed(seed)
    np.random.seed(seed)
    py_random.seed(seed)


__all__ = ["to_categorical", "normalize", "Progbar", "set_random_seed", "clear_session", "PyDataset", "Sequence",
           "register_keras_serializable", "get_custom_objects", "custom_object_scope", "pad_sequences",
           "plot_model", "model_to_dot"]
