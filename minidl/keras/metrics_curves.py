"""Keras metrics that need more than a running mean: ``AUC`` (ROC or PR), ``FBetaScore`` /
``F1Score``, and top-k accuracy (``TopKCategoricalAccuracy``, ``SparseTopKCategoricalAccuracy``).

AUC and the F-scores accumulate confusion counts over every batch of the epoch (as Keras
does) and compute the score from the totals: the AUC of an epoch is not the mean of the
AUCs of its batches.  They are re-exported by :mod:`minidl.keras.metrics` and usable by
name in ``compile(metrics=["auc", "f1_score", "top_k_categorical_accuracy"])``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .metrics import MetricObject, _arrays, _one_label_per_row, _same_shape, _same_size

_EPSILON = 1e-7  # keras.backend.epsilon()


def _divide_no_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, and 0 where b == 0 (Keras's ``ops.divide_no_nan``)."""
    safe = np.where(b == 0, 1.0, b)
    return np.where(b == 0, 0.0, a / safe)


def _row_weights(sample_weight: Any, shape: tuple[int, ...], owner: str) -> np.ndarray:
    """Per-entry weights of shape ``shape``: one weight per sample (row) or per entry."""
    if sample_weight is None:
        return np.ones(shape)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.size == shape[0] and len(shape) > 1:  # one weight per sample: spread along the row
        w = w.reshape((shape[0],) + (1,) * (len(shape) - 1))
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"{owner}: sample_weight of shape {w.shape} does not fit predictions of shape "
                         f"{shape}; expected one weight per sample or per prediction") from None


def _check_k(owner: str, k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{owner}: k must be an integer >= 1, got {k!r}")
    return int(k)


# ----------------------------------------------------------------------------- top-k accuracy
def _in_top_k(labels: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """1 where the score of the true class is among the ``k`` largest of its row.

    The rank of the true class is 1 + the number of scores *strictly* greater, so ties
    count in its favour (as ``keras.ops.in_top_k``); a NaN score is never in the top k.
    """
    scores = y_pred.reshape(-1, y_pred.shape[-1])
    labels = labels.reshape(-1).astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f"top-k accuracy: labels must be in [0, {scores.shape[1]}), got values from "
                         f"{labels.min()} to {labels.max()}")
    at_label = np.take_along_axis(scores, labels[:, None], axis=1)
    at_label = np.where(np.isnan(at_label), -np.inf, at_label)
    rank = 1 + np.sum(scores > at_label, axis=1)
    return (rank <= k).astype(np.float64)


def top_k_categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray, k: int = 5) -> np.ndarray:
    """Per sample: 1 if the class of the one-hot target is among the k highest scores."""
    k = _check_k("top_k_categorical_accuracy", k)
    y_true, y_pred = _arrays("top_k_categorical_accuracy", y_true, y_pred, _same_shape,
                             "one-hot targets of the same shape")
    return _in_top_k(np.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray, k: int = 5) -> np.ndarray:
    """Per sample: 1 if the integer label is among the k classes with the highest scores."""
    k = _check_k("sparse_top_k_categorical_accuracy", k)
    y_true, y_pred = _arrays("sparse_top_k_categorical_accuracy", y_true, y_pred, _one_label_per_row,
                             "one integer label per row of y_pred")
    return _in_top_k(y_true, y_pred, k)


class TopKCategoricalAccuracy(MetricObject):
    """How often the one-hot target's class is among the ``k`` highest scores (default 5)."""

    default_name = "top_k_categorical_accuracy"

    def __init__(self, k: int = 5, name: str | None = None, dtype: Any = None) -> None:
        self.k = _check_k(type(self).__name__, k)
        super().__init__(name, dtype)

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return top_k_categorical_accuracy(y_true, y_pred, self.k)

    def get_config(self) -> dict:
        return {"k": self.k, "name": self.name}


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """How often the integer label is among the ``k`` highest scores (default 5)."""

    default_name = "sparse_top_k_categorical_accuracy"

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return sparse_top_k_categorical_accuracy(y_true, y_pred, self.k)


# ----------------------------------------------------------------------------- AUC
_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(MetricObject):
    """Area under the ROC or precision-recall curve of binary labels, Keras's way.

    ``num_thresholds`` thresholds ``[-ε, 1/(n-1), 2/(n-1), ..., (n-2)/(n-1), 1+ε]`` cut the
    predictions (clipped to [0, 1]; ``from_logits=True`` applies the sigmoid first).  For
    each threshold ``θ_j`` the confusion counts over every sample seen are kept::

        TP_j = Σ w·[y = 1]·[p > θ_j]     FP_j = Σ w·[y = 0]·[p > θ_j]
        FN_j = Σ w·[y = 1] - TP_j         TN_j = Σ w·[y = 0] - FP_j

    ROC: points ``(FPR_j, TPR_j) = (FP/(FP+TN), TP/(TP+FN))``; the area is the Riemann
    sum ``Σ_j (x_j - x_{j+1}) · h_j`` with ``h_j`` the mean of the two heights
    (``"interpolation"``), their minimum (``"minoring"``) or maximum (``"majoring"``).
    PR with ``"interpolation"`` integrates precision over recall with Davis & Goadrich's
    rule (precision varies along each segment as TP/P with TP and P linear in between).
    A ratio with a zero denominator counts as 0 (Keras's ``divide_no_nan``).
    """

    default_name = "auc"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None, dtype: Any = None,
                 thresholds: Any = None, multi_label: bool = False, num_labels: int | None = None,
                 label_weights: Any = None, from_logits: bool = False) -> None:
        if multi_label or label_weights is not None or num_labels is not None:
            raise ValueError("AUC: multi_label, num_labels and label_weights are not supported by "
                             "minidl; expected their defaults (False, None, None): AUC treats every "
                             "prediction as one binary decision")
        if not isinstance(curve, str) or curve.upper() not in _CURVES:
            raise ValueError(f"AUC: unknown curve {curve!r}; expected 'ROC' or 'PR'")
        if not isinstance(summation_method, str) or summation_method.lower() not in _SUMMATIONS:
            raise ValueError(f"AUC: unknown summation_method {summation_method!r}; expected one of "
                             f"{list(_SUMMATIONS)}")
        if thresholds is not None:  # explicit inner thresholds, as Keras: -ε and 1+ε are added
            inner = np.sort(np.asarray(thresholds, dtype=np.float64).ravel())
            if inner.size == 0 or inner.min() < 0 or inner.max() > 1:
                raise ValueError(f"AUC: thresholds must be values in [0, 1], got {thresholds!r}")
            self._evenly = False
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)) \
                    or num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1, got {num_thresholds!r}")
            inner = np.arange(1, num_thresholds - 1) / (num_thresholds - 1)
            self._evenly = True
        self.thresholds = np.concatenate([[0.0 - _EPSILON], inner, [1.0 + _EPSILON]])
        self.num_thresholds = len(self.thresholds)
        self.curve = curve.upper()
        self.summation_method = summation_method.lower()
        self.from_logits = bool(from_logits)
        super().__init__(name, dtype)

    def get_config(self) -> dict:
        config = {"num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "name": self.name, "from_logits": self.from_logits}
        if not self._evenly:  # the inner thresholds given by the user (without -ε and 1+ε)
            config["thresholds"] = self.thresholds[1:-1].tolist()
        return config

    def reset_state(self) -> None:
        n = self.num_thresholds
        self.true_positives, self.false_positives = np.zeros(n), np.zeros(n)
        self.true_negatives, self.false_negatives = np.zeros(n), np.zeros(n)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the confusion counts of one batch at every threshold."""
        y_true, y_pred = _arrays(self.name, y_true, y_pred, _same_size, "one prediction per label")
        weights = _row_weights(sample_weight, y_pred.shape, self.name).ravel()
        scores = y_pred.astype(np.float64).ravel()
        if self.from_logits:
            scores = 1.0 / (1.0 + np.exp(-scores))
        # a NaN score is above no threshold (as Keras's comparisons): it stays in the totals as
        # a false negative or true negative, and out of the per-threshold counts
        valid = ~np.isnan(scores)
        scores = np.where(valid, scores, 0.0)
        positive = y_true.ravel().astype(bool)
        pos_w, neg_w = weights * positive * valid, weights * ~positive * valid
        if self._evenly:
            # bucket b(p) = max(ceil(p·(n-1)) - 1, 0): p > θ_j exactly when b(p) >= j, so the
            # counts above each threshold are suffix sums of per-bucket totals (one pass)
            n = self.num_thresholds
            buckets = np.maximum(np.ceil(np.clip(scores, 0.0, 1.0) * (n - 1)) - 1, 0).astype(np.int64)
            tp = np.bincount(buckets, pos_w, n)[::-1].cumsum()[::-1]
            fp = np.bincount(buckets, neg_w, n)[::-1].cumsum()[::-1]
        else:
            above = scores[None, :] > self.thresholds[:, None]
            tp, fp = above @ pos_w, above @ neg_w
        self.true_positives += tp
        self.false_positives += fp
        self.false_negatives += np.sum(weights * positive) - tp
        self.true_negatives += np.sum(weights * ~positive) - fp

    def update_from(self, y_true: np.ndarray, y_pred: Any) -> None:
        self.update_state(y_true, y_pred)

    def result(self) -> float:
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_auc()
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights))

    def _interpolated_pr_auc(self) -> float:
        """Σ over segments A→B of ∫ precision d(recall), with TP and P = TP + FP linear on
        the segment: slope·(ΔTP + intercept·log(P_A/P_B)) / (TP_B + FN_B)."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                                    np.maximum(tp[1:] + fn[1:], 0))
        return float(np.sum(increments))


# ----------------------------------------------------------------------------- F-scores
_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(MetricObject):
    """F-beta score of multi-label or one-hot predictions ``(batch, classes)``, Keras 3's way.

    A prediction counts as positive above ``threshold``; with ``threshold=None`` only the
    highest score of each row (ties included, and not when it is ~0) does.  Over every
    sample seen, per class (or all together for ``average="micro"``)::

        P = TP / (TP + FP + ε)     R = TP / (TP + FN + ε)
        F = (1 + β²) · P·R / (β²·P + R + ε)        ε = 1e-7

    ``average=None`` returns one score per class (an array); ``"macro"`` their mean;
    ``"weighted"`` their mean weighted by each class's number of true labels.
    """

    default_name = "fbeta_score"

    def __init__(self, average: str | None = None, beta: float = 1.0, threshold: float | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        owner = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(f"{owner}: unknown average {average!r}; expected one of {list(_AVERAGES)}")
        if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real) or not beta > 0:
            raise ValueError(f"{owner}: beta must be a number > 0, got {beta!r}")
        if threshold is not None and (isinstance(threshold, (bool, np.bool_))
                                      or not isinstance(threshold, numbers.Real)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{owner}: threshold must be None or a number in (0, 1], got {threshold!r}")
        self.average, self.beta = average, float(beta)
        self.threshold = None if threshold is None else float(threshold)
        super().__init__(name, dtype)

    def get_config(self) -> dict:
        return {"average": self.average, "beta": self.beta, "threshold": self.threshold, "name": self.name}

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = None
        self.intermediate_weights = None  # true labels per class (the "weighted" average)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _arrays(self.name, y_true, y_pred, _same_shape, "targets of the same shape")
        if y_pred.ndim != 2:
            raise ValueError(f"{self.name}: expected 2-D inputs (batch_size, classes), got y_pred of "
                             f"shape {y_pred.shape}")
        if self.true_positives is not None and self.true_positives.shape[-1:] != y_pred.shape[-1:] \
                and self.average != "micro":
            raise ValueError(f"{self.name}: got {y_pred.shape[1]} classes after "
                             f"{self.true_positives.shape[0]} in earlier batches")
        if self.threshold is None:
            predicted = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted, truth = predicted.astype(np.float64), y_true.astype(np.float64)
        w = _row_weights(sample_weight, y_pred.shape, self.name)
        axis = None if self.average == "micro" else 0
        counts = [np.sum(w * v, axis=axis) for v in
                  (predicted * truth, predicted * (1 - truth), (1 - predicted) * truth, truth)]
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, self.intermediate_weights = counts
        else:
            self.true_positives = self.true_positives + counts[0]
            self.false_positives = self.false_positives + counts[1]
            self.false_negatives = self.false_negatives + counts[2]
            self.intermediate_weights = self.intermediate_weights + counts[3]

    def update_from(self, y_true: np.ndarray, y_pred: Any) -> None:
        self.update_state(y_true, y_pred)

    def result(self) -> float | np.ndarray:
        if self.true_positives is None:
            return 0.0
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        precision = tp / (tp + fp + _EPSILON)
        recall = tp / (tp + fn + _EPSILON)
        b2 = self.beta**2
        score = (1 + b2) * precision * recall / (b2 * precision + recall + _EPSILON)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + _EPSILON)
            return float(np.sum(score * weights))
        if self.average is not None:
            return float(np.mean(score))
        return np.asarray(score)


class F1Score(FBetaScore):
    """The F-beta score with β = 1: the harmonic mean of precision and recall."""

    default_name = "f1_score"

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(average, 1.0, threshold, name, dtype)

    def get_config(self) -> dict:
        return {"average": self.average, "threshold": self.threshold, "name": self.name}


# names accepted in compile(metrics=[...]), as keras.metrics.get accepts them
BY_NAME = {"auc": AUC, "f1_score": F1Score, "top_k_categorical_accuracy": TopKCategoricalAccuracy,
           "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy}
BY_CLASS_NAME = {cls.__name__: cls for cls in (AUC, F1Score, FBetaScore, TopKCategoricalAccuracy,
                                                        SparseTopKCategoricalAccuracy)}
