"""Classification metrics on predicted labels: accuracy, confusion matrix, precision, recall, F1.

Labels may be integers, strings or booleans; predictions are labels too (take
``argmax`` of probabilities, or threshold scores, first). For each class ``c``
count the true positives ``TP_c`` (true c, predicted c), the predicted
positives ``P̂_c`` (predicted c) and the support ``S_c`` (true c). Then

    precision_c = TP_c / P̂_c        recall_c = TP_c / S_c
    F_β,c = (1 + β²) TP_c / (β² S_c + P̂_c)      (F1: harmonic mean of the two)

and ``average=`` combines the classes:

* ``"binary"`` – only the class ``pos_label`` (two-class problems);
* ``"macro"``  – the plain mean over classes (every class counts the same);
* ``"weighted"`` – the mean weighted by support ``S_c`` (frequent classes count more);
* ``"micro"``  – sum TP, P̂ and S over classes first, then divide; for single-label
  problems micro precision = micro recall = micro F1 = accuracy;
* ``None``     – one score per class.

When a denominator is 0 (no predicted positives for precision, no true samples
for recall) the score is ``zero_division``: ``"warn"`` gives 0.0 and an
:class:`UndefinedMetricWarning`, or pass 0, 1 or ``np.nan`` (NaN scores are then
left out of the averages), as scikit-learn does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import (
    as_labels,
    check_labels_arg,
    check_same_length,
    unique_labels,
    warn_undefined,
    zero_division_value,
)

_AVERAGES = ("binary", "micro", "macro", "weighted", None)


def check_targets(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels as 1-D arrays of equal length, plus the sorted labels found in either."""
    t = as_labels(y_true, "y_true")
    p = as_labels(y_pred, "y_pred")
    check_same_length(t, p, "y_true", "y_pred")
    return t, p, unique_labels(t, p)


def label_index(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Position of each value in ``labels``, or -1 for values that are not in it."""
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    pos = np.searchsorted(ordered, values)
    pos_clipped = np.minimum(pos, len(labels) - 1)
    found = (pos < len(labels)) & (ordered[pos_clipped] == values)
    return np.where(found, order[pos_clipped], -1)


def accuracy_score(y_true: Any, y_pred: Any, normalize: bool = True) -> float:
    """Fraction of samples whose predicted label equals the true one: ``(1/n) Σ [ŷ_i = y_i]``.

    With ``normalize=False`` the number of correct samples is returned instead.
    Probabilities or one-hot rows (2-D input) are refused with a hint to use
    ``argmax(axis=1)``.
    """
    t, p, _ = check_targets(y_true, y_pred)
    correct = np.sum(t == p)
    return float(correct / len(t)) if normalize else float(correct)


def confusion_matrix(
    y_true: Any, y_pred: Any, labels: Any = None, normalize: str | None = None
) -> np.ndarray:
    """Count matrix ``C`` with ``C[i, j]`` = samples of true class i predicted as class j.

    Rows are true labels and columns predicted labels, both in the order of
    ``labels`` (default: the sorted labels found in ``y_true`` or ``y_pred``).
    As in scikit-learn, ``labels=`` may select a subset of classes: samples whose
    true or predicted label is not listed are left out, and at least one listed
    label must occur in ``y_true``. ``normalize`` divides by the row sums
    (``"true"``: each row is the recall distribution), the column sums
    (``"pred"``) or the total (``"all"``); empty rows or columns stay 0.
    """
    t, p, present = check_targets(y_true, y_pred)
    if labels is None:
        labels = present
    else:
        labels = check_labels_arg(labels, present)
        if not np.isin(labels, t).any():
            raise ValueError(
                f"none of labels={labels.tolist()} occur in y_true (which holds "
                f"{np.unique(t).tolist()}); expected at least one of them to be present"
            )
    n = len(labels)
    ti, pi = label_index(t, labels), label_index(p, labels)
    keep = (ti >= 0) & (pi >= 0)
    cm = np.bincount(ti[keep] * n + pi[keep], minlength=n * n).reshape(n, n)
    if normalize is None:
        return cm
    if normalize == "true":
        denom = cm.sum(axis=1, keepdims=True)
    elif normalize == "pred":
        denom = cm.sum(axis=0, keepdims=True)
    elif normalize == "all":
        denom = np.array(cm.sum())
    else:
        raise ValueError(f'normalize must be None, "true", "pred" or "all", got {normalize!r}')
    return np.divide(cm, denom, out=np.zeros(cm.shape), where=denom != 0)


def _ratio(num: np.ndarray, den: np.ndarray, zero_division: str | float, what: str,
           warn: bool = True) -> np.ndarray:
    """``num / den`` with the ``zero_division`` value where ``den == 0``."""
    fill = zero_division_value(zero_division)
    out = np.full(num.shape, fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    if warn and zero_division == "warn" and np.any(den == 0):
        warn_undefined(
            f"{what} is ill-defined and set to 0.0 for {int(np.sum(den == 0))} label(s); "
            "use the zero_division parameter to control this"
        )
    return out


def _average(scores: np.ndarray, weights: np.ndarray | None) -> float:
    """Mean of the scores, skipping NaN ones (from ``zero_division=np.nan``)."""
    ok = ~np.isnan(scores)
    if not ok.any():
        return float("nan")
    if weights is None or weights[ok].sum() == 0:
        return float(np.mean(scores[ok]))
    return float(np.average(scores[ok], weights=weights[ok]))


def _binary_labels(present: np.ndarray, pos_label: Any) -> list:
    if len(present) > 2:
        raise ValueError(
            f"Target is multiclass ({len(present)} labels: {present.tolist()}) but "
            "average='binary'. Choose another average setting: one of "
            "'micro', 'macro', 'weighted' or None"
        )
    if pos_label not in present.tolist() and len(present) == 2:
        raise ValueError(
            f"pos_label={pos_label!r} is not a valid label; it should be one of "
            f"{present.tolist()}"
        )
    return [pos_label]


def precision_recall_fscore_support(
    y_true: Any,
    y_pred: Any,
    beta: float = 1.0,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = None,
    zero_division: str | float = "warn",
    warn_for: tuple[str, ...] = ("precision", "recall", "f-score"),
) -> tuple:
    """Precision, recall, F-beta and support per class, or averaged (see the module doc).

    Returns ``(precision, recall, fbeta, support)``: arrays over ``labels`` when
    ``average=None``, else three floats and ``support=None``. ``labels=`` picks
    and orders the classes (labels absent from the data count as empty classes);
    with ``average="binary"`` only ``pos_label`` is scored.
    """
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
    if not (np.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
    zero_division_value(zero_division)  # validate before computing anything
    t, p, present = check_targets(y_true, y_pred)
    if average == "binary":
        labels = check_labels_arg(_binary_labels(present, pos_label), present)
    elif labels is None:
        labels = present
    else:
        labels = check_labels_arg(labels, present)

    n = len(labels)
    ti, pi = label_index(t, labels), label_index(p, labels)
    tp = np.bincount(ti[(ti == pi) & (ti >= 0)], minlength=n)
    true_sum = np.bincount(ti[ti >= 0], minlength=n)
    pred_sum = np.bincount(pi[pi >= 0], minlength=n)
    if average == "micro":
        tp, true_sum, pred_sum = (c.sum(keepdims=True) for c in (tp, true_sum, pred_sum))

    b2 = beta * beta
    # like scikit-learn, warn only about the scores the caller asked for (``warn_for``)
    precision = _ratio(tp, pred_sum, zero_division, "Precision (no predicted samples)",
                       "precision" in warn_for)
    recall = _ratio(tp, true_sum, zero_division, "Recall (no true samples)", "recall" in warn_for)
    fscore = _ratio((1 + b2) * tp, b2 * true_sum + pred_sum, zero_division, "F-score",
                    "f-score" in warn_for)
    if average is None:
        return precision, recall, fscore, true_sum
    weights = true_sum if average == "weighted" else None
    return (
        _average(precision, weights),
        _average(recall, weights),
        _average(fscore, weights),
        None,
    )


def precision_score(
    y_true: Any,
    y_pred: Any,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    zero_division: str | float = "warn",
) -> float | np.ndarray:
    """Precision ``TP / (TP + FP)``: of the samples predicted positive, the share that are."""
    return precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        zero_division=zero_division, warn_for=("precision",),
    )[0]


def recall_score(
    y_true: Any,
    y_pred: Any,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    zero_division: str | float = "warn",
) -> float | np.ndarray:
    """Recall ``TP / (TP + FN)``: of the truly positive samples, the share that was found."""
    return precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        zero_division=zero_division, warn_for=("recall",),
    )[1]


def fbeta_score(
    y_true: Any,
    y_pred: Any,
    beta: float,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    zero_division: str | float = "warn",
) -> float | np.ndarray:
    """F-beta ``(1 + β²) P R / (β² P + R)``: recall counts β times as much as precision."""
    return precision_recall_fscore_support(
        y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label, average=average,
        zero_division=zero_division, warn_for=("f-score",),
    )[2]


def f1_score(
    y_true: Any,
    y_pred: Any,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    zero_division: str | float = "warn",
) -> float | np.ndarray:
    """F1 ``2 P R / (P + R) = 2 TP / (2 TP + FP + FN)``: harmonic mean of precision, recall."""
    return fbeta_score(
        y_true, y_pred, 1.0, labels=labels, pos_label=pos_label, average=average,
        zero_division=zero_division,
    )


accuracy = accuracy_score
precision = precision_score
recall = recall_score
f1 = f1_score
