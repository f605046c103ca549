"""Keras training metrics: accuracy (categorical, sparse or binary), mae, mse, by name
(``metrics=["accuracy"]``) or as objects (``metrics=[keras.metrics.CategoricalAccuracy()]``).

During ``fit`` each metric is averaged over the samples seen so far in the epoch.
They work on NumPy arrays of predictions (no autograd needed).  For evaluation
reports with precision, recall, ROC... see :mod:`minidl.metrics`.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backend import to_numpy


def _arrays(name: str, y_true: Any, y_pred: Any, fits: Callable, expected: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as NumPy arrays (no copy for arrays); a clear error when their shapes do not fit."""
    if type(y_true) is not np.ndarray:  # (arrays, the case in fit, skip two calls per batch)
        y_true = np.asarray(to_numpy(y_true))
    if type(y_pred) is not np.ndarray:
        y_pred = np.asarray(to_numpy(y_pred))
    if not fits(y_true, y_pred):
        raise ValueError(f"{name}: y_true of shape {y_true.shape} does not fit y_pred of shape "
                         f"{y_pred.shape}; expected {expected}")
    return y_true, y_pred


def _same_shape(t: np.ndarray, p: np.ndarray) -> bool:
    return t.shape == p.shape and t.ndim > 0


def _one_label_per_row(t: np.ndarray, p: np.ndarray) -> bool:
    return p.ndim > 0 and t.size == int(np.prod(p.shape[:-1]))


def _same_size(t: np.ndarray, p: np.ndarray) -> bool:
    return t.size == p.size and t.ndim > 0


def categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per sample: 1 if argmax of the prediction equals argmax of the one-hot target."""
    y_true, y_pred = _arrays("categorical_accuracy", y_true, y_pred, _same_shape, "one-hot targets of the same shape")
    return (y_pred.argmax(-1) == y_true.argmax(-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per sample: 1 if argmax of the prediction equals the integer label."""
    y_true, y_pred = _arrays("sparse_categorical_accuracy", y_true, y_pred, _one_label_per_row,
                             "one integer label per row of y_pred")
    labels = y_true.reshape(y_pred.shape[:-1]) if y_true.size == np.prod(y_pred.shape[:-1]) else y_true
    return (np.argmax(y_pred, -1) == labels).astype(np.float64)


def binary_accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Per sample: the fraction of outputs whose 0/1 decision ``y_pred > threshold`` equals
    the target exactly, as Keras (a soft target such as 0.9 is never matched)."""
    y_true, y_pred = _arrays("binary_accuracy", y_true, y_pred, _same_size, "one prediction per target")
    hits = (y_pred.reshape(y_true.shape) > threshold) == y_true
    return hits.reshape(len(hits), -1).mean(axis=1)


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    y_true, y_pred = _arrays("mean_absolute_error", y_true, y_pred, _same_size, "one prediction per target")
    diff = np.abs(y_pred.reshape(y_true.shape) - y_true)
    return diff.reshape(len(diff), -1).mean(axis=1)


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    y_true, y_pred = _arrays("mean_squared_error", y_true, y_pred, _same_size, "one prediction per target")
    diff = (y_pred.reshape(y_true.shape) - y_true) ** 2
    return diff.reshape(len(diff), -1).mean(axis=1)


_BY_NAME: dict[str, tuple[str, Callable]] = {
    "categorical_accuracy": ("categorical_accuracy", categorical_accuracy),
    "sparse_categorical_accuracy": ("sparse_categorical_accuracy", sparse_categorical_accuracy),
    "binary_accuracy": ("binary_accuracy", binary_accuracy),
    "mae": ("mae", mean_absolute_error), "mean_absolute_error": ("mean_absolute_error", mean_absolute_error),
    "mse": ("mse", mean_squared_error), "mean_squared_error": ("mean_squared_error", mean_squared_error),
}


class Mean:
    """A running, sample-weighted mean (the value shown in the progress bar).

    Also ``keras.metrics.Mean()`` of a custom training loop: ``m(loss)`` or
    ``m.update_state(values, sample_weight)``, then ``m.result()`` and ``m.reset_state()``."""

    def __init__(self, name: str = "mean", fn: Callable | None = None, dtype: Any = None) -> None:
        self.name, self.fn = name, fn
        self.reset_state()

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Add ``values`` (any shape), each weighted by ``sample_weight`` broadcast to them."""
        values = np.asarray(values.numpy() if hasattr(values, "numpy") else values, dtype=np.float64)
        if sample_weight is None:
            self.update(values)
            return
        weights = np.asarray(sample_weight, dtype=np.float64)
        try:
            weights = np.broadcast_to(weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim)),
                                      values.shape)
        except ValueError:
            raise ValueError(f"{self.name}: sample_weight of shape {weights.shape} does not fit values of "
                             f"shape {values.shape}") from None
        self.total += float(np.sum(values * weights))
        self.count += float(np.sum(weights))

    def __call__(self, *args: Any, **kwargs: Any) -> float:
        """As Keras: update the state with these values, then return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update(self, values: np.ndarray | float, weight: float = 1.0) -> None:
        if type(values) is float:  # the batch loss, once per step
            self.total += values * weight
            self.count += weight
            return
        values = np.asarray(values)  # array methods: np.sum's dispatch costs more than the sum
        self.total += float(values.sum()) * weight
        self.count += values.size * weight

    def update_from(self, y_true: np.ndarray, y_pred: Any) -> None:
        """Add the metric of one batch (``y_pred``: the model's output array, copied to the host)."""
        self.update(self.fn(y_true, y_pred if type(y_pred) is np.ndarray else to_numpy(y_pred)))

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per sample: the fraction of entries where prediction and target are equal (no argmax)."""
    hits = np.asarray(y_pred).reshape(np.shape(y_true)) == y_true
    return hits.reshape(len(hits), -1).mean(axis=1)


class MetricObject(Mean):
    """Base of the metric classes (``metrics=[keras.metrics.SparseCategoricalAccuracy()]``).

    Also usable alone, as in Keras: ``m.update_state(y_true, y_pred); m.result()``.
    """

    default_name = "metric"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name or self.default_name, self.per_sample)

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        """The constructor arguments, so ``model.save`` can store the metric and rebuild it."""
        return {"name": self.name}

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = self.per_sample(np.asarray(y_true), to_numpy(y_pred))
        weights = np.ones(len(values)) if sample_weight is None else np.asarray(sample_weight, float).ravel()
        self.total += float(np.sum(values * weights))
        self.count += float(np.sum(weights))


def _metric_class(class_name: str, fn: Callable) -> type[MetricObject]:
    """A metric class that averages ``fn(y_true, y_pred)`` (one value per sample), named as fn."""
    return type(class_name, (MetricObject,), {"default_name": fn.__name__, "per_sample": staticmethod(fn),
                                             "__module__": __name__, "__doc__": fn.__doc__})


Accuracy = _metric_class("Accuracy", accuracy)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy)
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", sparse_categorical_accuracy)
MeanAbsoluteError = _metric_class("MeanAbsoluteError", mean_absolute_error)
MeanSquaredError = _metric_class("MeanSquaredError", mean_squared_error)


class BinaryAccuracy(MetricObject):
    default_name = "binary_accuracy"

    def __init__(self, name: str | None = None, dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(name, dtype)
        self.threshold = float(threshold)

    def per_sample(self, y_true, y_pred):
        return binary_accuracy(y_true, y_pred, self.threshold)

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


def mean_absolute_percentage_error(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per sample: 100 · mean(|t - p| / max(|t|, 1e-7))."""
    y_true, y_pred = _arrays("mean_absolute_percentage_error", y_true, y_pred, _same_size,
                             "one prediction per target")
    t = y_true.astype(np.float64)
    diff = np.abs(y_pred.reshape(t.shape) - t) / np.maximum(np.abs(t), 1e-7)
    return 100.0 * diff.reshape(len(diff), -1).mean(axis=1)


MeanAbsolutePercentageError = _metric_class("MeanAbsolutePercentageError", mean_absolute_percentage_error)
_BY_NAME["mape"] = ("mape", mean_absolute_percentage_error)
_BY_NAME["mean_absolute_percentage_error"] = ("mean_absolute_percentage_error", mean_absolute_percentage_error)


class RootMeanSquaredError(MetricObject):
    """sqrt(mean((y_pred - y_true)²)) over every sample seen (the root of the running mean)."""

    default_name = "root_mean_squared_error"

    def per_sample(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)

    def result(self) -> float:
        return float(np.sqrt(super().result()))


class Precision(MetricObject):
    """tp / (tp + fp) over every entry seen, a prediction counting as positive above
    ``thresholds`` (0.5); 0 before any positive prediction (as Keras)."""

    default_name = "precision"

    def __init__(self, thresholds: float | None = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self.threshold = 0.5 if thresholds is None else float(thresholds)

    def reset_state(self) -> None:
        self.tp = self.fp = self.fn = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _arrays(self.name, y_true, y_pred, _same_size, "one prediction per target")
        truth, predicted = y_true.reshape(y_true.shape[0], -1) > 0.5, \
            y_pred.reshape(y_true.shape[0], -1) > self.threshold
        w = np.ones((len(truth), 1)) if sample_weight is None \
            else np.asarray(sample_weight, float).reshape(len(truth), -1)
        self.tp += float((w * (truth & predicted)).sum())
        self.fp += float((w * (~truth & predicted)).sum())
        self.fn += float((w * (truth & ~predicted)).sum())

    def update_from(self, y_true: np.ndarray, y_pred: Any) -> None:
        self.update_state(y_true, y_pred)

    def result(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.threshold}


class Recall(Precision):
    """tp / (tp + fn) over every entry seen (0 before any positive target)."""

    default_name = "recall"

    def result(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


_OBJECTS = {"precision": Precision, "recall": Recall, "root_mean_squared_error": RootMeanSquaredError}


class _AutoAccuracy(Mean):
    """``metrics=["accuracy"]``: binary, sparse or categorical accuracy, picked from the
    shapes of the first batch with Keras 3's rule (``is_binary_or_sparse_categorical``)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, None)

    def update_from(self, y_true: np.ndarray, y_pred: Any) -> None:
        if self.fn is None:
            t, p = np.shape(y_true), np.shape(y_pred)
            if p[-1:] == (1,):
                self.fn = binary_accuracy
            elif len(t) < len(p) or (t[-1:] == (1,) and p[-1:] != (1,)):
                self.fn = sparse_categorical_accuracy
            else:
                self.fn = categorical_accuracy
        super().update_from(y_true, y_pred)


def get(identifier: Any, loss_name: str, output_shape: tuple) -> Mean:
    """A metric tracker for a name in ``compile(metrics=[...])``.

    ``"accuracy"`` chooses the right kind as Keras 3 does, from the shapes of the first
    batch (not from the loss): binary for one output per sample, sparse for integer
    labels (one fewer axis than the predictions, or a last axis of 1), categorical
    otherwise, so ``binary_crossentropy`` on several labels reports categorical accuracy.
    """
    if isinstance(identifier, dict) and identifier.get("class_name") in CLASSES:  # as stored by model.save
        return CLASSES[identifier["class_name"]](**identifier.get("config", {}))
    if isinstance(identifier, Mean):  # a metric object: a fresh copy, so each epoch starts at zero
        tracker = copy.copy(identifier)
        tracker.reset_state()
        return tracker
    if callable(identifier) and not isinstance(identifier, str):
        name = getattr(identifier, "__name__", "metric")
        return Mean(name, lambda t, p: np.asarray(identifier(t, p), dtype=np.float64))
    if not isinstance(identifier, str):
        raise ValueError(f"unknown metric {identifier!r}")
    key = identifier.lower()
    if key in ("accuracy", "acc"):
        return _AutoAccuracy(identifier)
    if key in _BY_NAME:
        return Mean(identifier, _BY_NAME[key][1])
    if identifier in metrics_curves.BY_CLASS_NAME:  # "AUC", "F1Score": the class, named as written (Keras)
        return metrics_curves.BY_CLASS_NAME[identifier](name=identifier)
    if key in _OBJECTS:
        return _OBJECTS[key](name=identifier)
    valid = ", ".join(["accuracy", *sorted([*_BY_NAME, *_OBJECTS])])
    raise ValueError(f"unknown metric {identifier!r}; valid names are: {valid}")


def serialize(metric: Any) -> str | dict | None:
    """A ``compile(metrics=...)`` entry as stored by ``model.save``: a name as is, a built-in
    metric object as {"class_name", "config"}; None for what has no stored form (a Python
    function or a user's class), which ``load_model`` compiles without."""
    if isinstance(metric, str):
        return metric
    if isinstance(metric, dict) and metric.get("class_name") in CLASSES:
        return metric  # already stored form (a model being recompiled by load_model)
    if CLASSES.get(type(metric).__name__) is type(metric):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    return None


def warn_unsaved(metric_ids: list) -> None:
    """Warn (at ``model.save``) about the metrics that :func:`serialize` cannot store."""
    lost = [getattr(m, "name", None) or getattr(m, "__name__", repr(m)) for m in metric_ids
            if serialize(m) is None]
    if lost:
        warnings.warn(f"model.save does not store the metric(s) {lost}: they are Python code; compile "
                      "the loaded model again to track them", stacklevel=4)


def unique_names(trackers: list[Mean]) -> list[Mean]:
    """Rename repeated metric names as Keras does (``auc``, ``auc_1``, ...), so that two metrics
    with one name (``["f1_score", F1Score(average="macro")]``) get a history entry each."""
    seen: set[str] = set()
    for tracker in trackers:
        name, count = tracker.name, 0
        while name in seen:
            count += 1
            name = f"{tracker.name}_{count}"
        tracker.name = name
        seen.add(name)
    return trackers


# AUC, F-scores and top-k accuracy live in their own module (it builds on the classes above)
from . import metrics_curves  # noqa: E402
from .metrics_curves import (  # noqa: E402, F401
    AUC,
    F1Score,
    FBetaScore,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)

_OBJECTS.update(metrics_curves.BY_NAME)

#: every built-in metric class by name: model.save stores these, load_model rebuilds them
CLASSES: dict[str, type[MetricObject]] = {
    cls.__name__: cls for cls in (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                                  MeanAbsoluteError, MeanSquaredError, MeanAbsolutePercentageError,
                                  RootMeanSquaredError, Precision, Recall)
} | metrics_curves.BY_CLASS_NAME
