"""Keras losses: ``loss(y_true, y_pred, sample_weight=None)`` -> scalar Tensor (batch mean).

``reduction=`` as Keras: ``"sum_over_batch_size"`` (the default: the batch mean),
``"sum"``, ``"mean_with_sample_weight"`` or ``None`` (one value per sample).  The
functions (``losses.mean_squared_error(y_true, y_pred)``...) return one value per
sample, as Keras's do.  ``y_pred`` may be a NumPy array (the result is still a Tensor).

Note the argument order: Keras puts the target first; ``minidl.functional`` (PyTorch
style) puts the prediction first.  The maths is shared (:mod:`minidl.ops.loss`).
The base class is in :mod:`.loss_base`, the regression losses in :mod:`.losses_regression`;
this module has the cross-entropies, the per-sample functions and ``get``/``serialize``.

When ``y_pred`` comes straight out of a softmax (``Dense(10, activation="softmax")``)
and ``from_logits=False``, the categorical losses read the logits that fed the
softmax and compute the cross-entropy from them: the same value, but stable and
with a single fused kernel for forward and backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from ..ops.activation import Softmax
from ..ops.elementwise import Sigmoid
from .loss_base import EPSILON, REDUCTIONS, Loss, _array, _weighted
from .losses_regression import (
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    _like,
)

__all__ = [
    "EPSILON", "REDUCTIONS", "Loss", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "LogCosh", "KLDivergence",
    "Hinge", "Huber", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "huber", "log_cosh",
    "kl_divergence", "hinge", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "mse", "mae", "mape", "msle", "get", "serialize",
]


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.from_logits = bool(from_logits)
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float, np.floating)) \
                or not 0 <= label_smoothing <= 1:
            raise ValueError(f"{type(self).__name__} label_smoothing must be a number in [0, 1], "
                             f"got {label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def smooth(self, y_true: np.ndarray, classes: int) -> np.ndarray:
        """Label smoothing: move a fraction ``label_smoothing`` of each target towards the uniform
        distribution over ``classes`` (2 for a binary target): y·(1 - s) + s / classes."""
        s = self.label_smoothing
        return y_true * np.float32(1 - s) + np.float32(s / classes)

    def call(self, y_true, y_pred, sample_weight):
        if self.label_smoothing:
            y_true = self.smooth(_array(y_true).astype(np.float32), 2)
        if self.from_logits:
            return F.binary_cross_entropy_with_logits(y_pred, y_true, sample_weight=sample_weight)
        if isinstance(y_pred.creator, Sigmoid):  # read the logits behind the sigmoid
            return F.binary_cross_entropy_with_logits(y_pred.creator.inputs[0], y_true,
                                                      sample_weight=sample_weight)
        return F.binary_cross_entropy(y_pred, y_true, EPSILON, sample_weight=sample_weight)

    def per_sample(self, y_true, y_pred):
        t = _like(y_true, y_pred)
        if self.label_smoothing:
            t = Tensor(self.smooth(t.data, 2))
        if self.from_logits:  # max(z, 0) - z·t + log(1 + exp(-|z|))
            terms = F.relu(y_pred) - y_pred * t + ((y_pred.abs() * -1.0).exp() + 1.0).log()
        else:
            p = y_pred.clip(EPSILON, 1 - EPSILON)
            terms = -(t * p.log() + (1.0 - t) * (1.0 - p).log())
        return terms.mean(axis=-1)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        if y_true.size and (y_true.min() < 0 or y_true.max() > 1):
            raise ValueError(f"binary_crossentropy expects targets in [0, 1] (0/1 labels or probabilities), "
                             f"got values from {y_true.min()} to {y_true.max()}; for several classes use "
                             "a softmax output with sparse_categorical_crossentropy")

    def get_config(self) -> dict:
        config = {**super().get_config(), "from_logits": self.from_logits}
        if self.label_smoothing:
            config["label_smoothing"] = self.label_smoothing
        return config


class CategoricalCrossentropy(BinaryCrossentropy):
    """Cross-entropy against one-hot (or probability) targets of shape (N, K)."""

    name = "categorical_crossentropy"

    def call(self, y_true, y_pred, sample_weight):
        y_true = _array(y_true)
        if y_true.ndim == y_pred.ndim - 1 or y_true.shape[-1:] != y_pred.shape[-1:]:
            raise ValueError(
                f"categorical_crossentropy expects one-hot targets of shape {y_pred.shape}, got "
                f"shape {y_true.shape}; for integer class labels use sparse_categorical_crossentropy "
                "(or convert the labels with keras.utils.to_categorical)"
            )
        y_true = y_true.astype(np.float32, copy=False)
        if self.label_smoothing:
            y_true = self.smooth(y_true, y_pred.shape[-1])
        return _softmax_cross_entropy(y_true, y_pred, self.from_logits, sample_weight)

    def per_sample(self, y_true, y_pred):
        y_true = _array(y_true).astype(np.float32, copy=False)
        if self.label_smoothing:
            y_true = self.smooth(y_true, y_pred.shape[-1])
        return _cross_entropy_per_sample(y_true, y_pred, self.from_logits)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        if y_true.ndim == 1 or (y_true.ndim >= 2 and y_true.shape[-1] == 1 and output_shape[-1] != 1):
            raise ValueError(
                f"categorical_crossentropy expects one-hot targets of shape (N, {output_shape[-1]}), "
                f"got integer labels of shape {y_true.shape}; use "
                "loss='sparse_categorical_crossentropy' or keras.utils.to_categorical(y)"
            )


class SparseCategoricalCrossentropy(BinaryCrossentropy):
    """Cross-entropy against integer class labels of shape (N,) (or (N, 1))."""

    name = "sparse_categorical_crossentropy"

    def __init__(self, from_logits: bool = False, **kwargs: Any) -> None:
        if kwargs.get("label_smoothing"):
            raise ValueError("SparseCategoricalCrossentropy has no label_smoothing (as in Keras); use "
                             "CategoricalCrossentropy(label_smoothing=...) with one-hot targets")
        kwargs.pop("label_smoothing", None)
        super().__init__(from_logits, **kwargs)

    def call(self, y_true, y_pred, sample_weight):
        y_true = _array(y_true)
        if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
            y_true = y_true.reshape(y_true.shape[:-1])
        if y_true.ndim != y_pred.ndim - 1:
            raise ValueError(
                f"sparse_categorical_crossentropy expects integer labels of shape {y_pred.shape[:-1]}, "
                f"got shape {y_true.shape}; for one-hot targets use categorical_crossentropy"
            )
        labels = y_true.astype(np.int64, copy=False)
        if y_true.dtype.kind == "f" and not np.array_equal(labels, y_true):
            raise ValueError("sparse_categorical_crossentropy expects integer class labels, got "
                             "non-integer values; for one-hot targets use categorical_crossentropy")
        return _softmax_cross_entropy(labels, y_pred, self.from_logits, sample_weight)

    def per_sample(self, y_true, y_pred):
        labels = _array(y_true).astype(np.int64).reshape(y_pred.shape[:-1])
        return _cross_entropy_per_sample(np.eye(y_pred.shape[-1], dtype=np.float32)[labels], y_pred,
                                         self.from_logits)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        k = output_shape[-1]
        if y_true.ndim >= 2 and y_true.shape[-1] == k and k > 1:
            raise ValueError(
                f"sparse_categorical_crossentropy expects integer labels of shape (N,), got one-hot "
                f"targets of shape {y_true.shape}; use loss='categorical_crossentropy' instead"
            )
        if y_true.size and (y_true.min() < 0 or y_true.max() >= k):
            raise ValueError(f"labels must be in [0, {k}) for a model with {k} outputs, got "
                             f"values from {y_true.min()} to {y_true.max()}")


def _softmax_cross_entropy(target: np.ndarray, y_pred: Tensor, from_logits: bool, sample_weight: Any):
    if from_logits:
        return F.cross_entropy(y_pred, target, sample_weight=sample_weight)
    if isinstance(y_pred.creator, Softmax) and y_pred.creator.axis in (-1, y_pred.ndim - 1):
        return F.cross_entropy(y_pred.creator.inputs[0], target, sample_weight=sample_weight)
    # probabilities from elsewhere: renormalise and clip as Keras, then -Σ t log p
    p = (y_pred / y_pred.sum(axis=-1, keepdims=True)).clip(EPSILON, 1 - EPSILON)
    if target.dtype.kind in "iu":
        k = y_pred.shape[-1]
        if target.size and (target.min() < 0 or target.max() >= k):
            raise ValueError(f"labels must be in [0, {k}) for predictions with {k} classes, got values "
                             f"from {target.min()} to {target.max()}")
        target = np.eye(y_pred.shape[-1], dtype=np.float32)[target]
    return _weighted(-(p.log() * Tensor(target)).sum(axis=-1), sample_weight)


def _cross_entropy_per_sample(target: np.ndarray, y_pred: Tensor, from_logits: bool) -> Tensor:
    """-Σ t·log p over the last axis: p = softmax(logits), or probabilities renormalised and
    clipped to [ε, 1 - ε] as Keras does."""
    if from_logits:
        log_p = F.log_softmax(y_pred, axis=-1)
    else:
        log_p = (y_pred / y_pred.sum(axis=-1, keepdims=True)).clip(EPSILON, 1 - EPSILON).log()
    return -(log_p * Tensor(target)).sum(axis=-1)


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """One value per sample: mean((y_pred - y_true)²) over the last axis."""
    return MeanSquaredError(reduction=None)(y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    return MeanAbsoluteError(reduction=None)(y_true, y_pred)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    return MeanAbsolutePercentageError(reduction=None)(y_true, y_pred)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    return MeanSquaredLogarithmicError(reduction=None)(y_true, y_pred)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    return Huber(delta, reduction=None)(y_true, y_pred)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    return LogCosh(reduction=None)(y_true, y_pred)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    return KLDivergence(reduction=None)(y_true, y_pred)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    return Hinge(reduction=None)(y_true, y_pred)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0) -> Tensor:
    return BinaryCrossentropy(from_logits, label_smoothing, reduction=None)(y_true, y_pred)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0) -> Tensor:
    return CategoricalCrossentropy(from_logits, label_smoothing, reduction=None)(y_true, y_pred)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    return SparseCategoricalCrossentropy(from_logits, reduction=None)(y_true, y_pred)


mse, mae, mape, msle = (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                        mean_squared_logarithmic_error)
_BY_NAME = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "huber": Huber, "huber_loss": Huber, "log_cosh": LogCosh, "logcosh": LogCosh,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "hinge": Hinge,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_CLASSES = {cls.__name__.lower(): cls for cls in set(_BY_NAME.values())}


def get(identifier: Any) -> Loss:
    """A loss object from a name ("mse", "categorical_crossentropy", ...) or an object."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        cls = _BY_NAME.get(key) or _CLASSES.get(key)
        if cls is not None:
            return cls()
    elif isinstance(identifier, dict) and str(identifier.get("class_name", "")).lower() in _CLASSES:
        return _CLASSES[identifier["class_name"].lower()](**identifier.get("config", {}))
    elif callable(identifier):
        return _FunctionLoss(identifier)
    raise ValueError(f"unknown loss {identifier!r}; valid names are: {', '.join(sorted(_BY_NAME))}")


class _FunctionLoss(Loss):
    """Wraps a user function ``fn(y_true, y_pred) -> Tensor``."""

    def __init__(self, fn: Any) -> None:
        super().__init__(name=getattr(fn, "__name__", "loss"))
        self.fn = fn

    def call(self, y_true, y_pred, sample_weight):
        value = self.fn(Tensor(_array(y_true)), y_pred)
        return _weighted(value, sample_weight) if value.ndim else value


def serialize(loss: Loss) -> dict:
    if isinstance(loss, _FunctionLoss):
        raise ValueError(f"cannot save a model compiled with the custom loss function {loss.name!r}")
    return {"class_name": type(loss).__name__, "config": loss.get_config()}
