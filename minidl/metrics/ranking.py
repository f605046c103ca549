"""ROC curve and the area under it (ROC AUC), from scores rather than labels.

A classifier that outputs a score ``s`` (a probability, a logit, any number that
is larger for "more positive") becomes a labeller once a threshold ``τ`` is
chosen: predict positive when ``s >= τ``. Each threshold gives a point

    FPR(τ) = FP(τ) / N   (false positive rate, N = number of negatives)
    TPR(τ) = TP(τ) / P   (true positive rate = recall, P = number of positives)

and sweeping τ from +∞ down to the smallest score traces the ROC curve from
(0, 0) to (1, 1). The area under it equals the probability that a random
positive sample scores higher than a random negative one (ties count ½):
0.5 is guessing, 1.0 a perfect ranking.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_labels, as_numeric, check_labels_arg, check_same_length, warn_undefined


def _binary_target(t: np.ndarray, pos_label: Any) -> np.ndarray:
    """``y_true`` as a boolean "is positive" array, checking that it has at most two classes."""
    classes = np.unique(t)
    if len(classes) > 2:
        raise ValueError(
            f"roc_curve needs binary y_true, got {len(classes)} classes {classes.tolist()}; "
            "for one class against the rest pass (y_true == c) and that class's scores"
        )
    if pos_label is None:
        known = {0, 1} if classes.dtype.kind in "biuf" else set()
        if not (set(classes.tolist()) <= known or set(classes.tolist()) <= {-1, 1}):
            raise ValueError(
                f"y_true holds the labels {classes.tolist()}, not {{0, 1}} or {{-1, 1}}; "
                "pass pos_label= to say which label is the positive class"
            )
        pos_label = 1
    return t == pos_label


def _scores_1d(y_score: Any) -> np.ndarray:
    s = as_numeric(y_score, "y_score")
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1:
        raise ValueError(
            f"y_score must be 1-D (one score per sample for the positive class), got shape "
            f"{s.shape}; for a two-column probability array pass y_score[:, 1]"
        )
    return s


def roc_curve(
    y_true: Any, y_score: Any, pos_label: Any = None, drop_intermediate: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve points ``(fpr, tpr, thresholds)`` for a binary problem.

    ``thresholds`` are the distinct scores in decreasing order, preceded by
    ``inf`` (the threshold that predicts nothing positive, point (0, 0)), as
    scikit-learn >= 1.3 returns them. ``drop_intermediate=True`` removes points
    that lie on a straight segment between their neighbours (they change
    neither the plotted curve nor the area). ``y_true`` must be in {0, 1} or
    {-1, 1} unless ``pos_label`` names the positive class. If ``y_true`` has no
    negatives (or no positives) the FPR (or TPR) is undefined: NaN and a warning.
    """
    t = as_labels(y_true, "y_true")
    s = _scores_1d(y_score)
    check_same_length(t, s, "y_true", "y_score")
    positive = _binary_target(t, pos_label)

    order = np.argsort(-s, kind="stable")
    s_sorted, pos_sorted = s[order], positive[order]
    # the last index of each run of equal scores: one threshold per distinct score
    last = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s) - 1]
    tps = np.cumsum(pos_sorted)[last].astype(np.float64)
    fps = (last + 1) - tps
    thresholds = s_sorted[last]

    if drop_intermediate and len(fps) > 2:
        # a point is a corner when the second difference of fps or tps is non-zero
        corner = np.r_[True, (np.diff(fps, 2) != 0) | (np.diff(tps, 2) != 0), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]

    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds]
    if fps[-1] == 0:
        warn_undefined("No negative samples in y_true: the false positive rate is undefined")
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] == 0:
        warn_undefined("No positive samples in y_true: the true positive rate is undefined")
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def auc(x: Any, y: Any) -> float:
    """Area under the curve through the points ``(x_i, y_i)`` by the trapezoidal rule.

    ``x`` must be monotonic (increasing or decreasing).
    """
    x = as_numeric(x, "x")
    y = as_numeric(y, "y")
    check_same_length(x, y, "x", "y")
    if x.ndim != 1 or y.ndim != 1 or len(x) < 2:
        raise ValueError(f"auc needs two 1-D arrays of at least 2 points, got shape {x.shape}")
    dx = np.diff(x)
    if np.any(dx < 0) and np.any(dx > 0):
        raise ValueError("x must be monotonic (increasing or decreasing)")
    area = np.sum(dx * (y[1:] + y[:-1]) / 2.0)
    return float(abs(area))


def _binary_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    if positive.all() or not positive.any():
        warn_undefined("Only one class is present in y_true: ROC AUC is not defined; returning nan")
        return float("nan")
    fpr, tpr, _ = roc_curve(positive.astype(np.int64), scores, drop_intermediate=False)
    return auc(fpr, tpr)


def roc_auc_score(
    y_true: Any,
    y_score: Any,
    average: str | None = "macro",
    multi_class: str = "ovr",
    labels: Any = None,
) -> float | np.ndarray:
    """Area under the ROC curve.

    * Binary: ``y_score`` is 1-D, the score of the class with the greater label
      (e.g. ``predict_proba(x)[:, 1]`` or a logit).
    * Multiclass: ``y_score`` is ``(n, k)`` probabilities (rows sum to 1), column j
      for the j-th of the sorted classes (or of ``labels=``). One-vs-rest: each class
      against all others gives a binary AUC; ``average`` combines them:
      ``"macro"`` (plain mean), ``"weighted"`` (by class frequency), ``"micro"``
      (one AUC over all class/sample pairs) or ``None`` (per class).

    If ``y_true`` holds a single class the AUC is undefined: a warning and NaN.
    """
    t = as_labels(y_true, "y_true")
    s = as_numeric(y_score, "y_score")
    check_same_length(t, s, "y_true", "y_score")
    classes = np.unique(t)
    if s.ndim == 1 or s.shape[1] == 1:
        s = s.reshape(-1)
        if len(classes) > 2:
            raise ValueError(
                f"y_true has {len(classes)} classes but y_score is 1-D; pass probabilities of "
                "shape (n_samples, n_classes) for multiclass ROC AUC"
            )
        return _binary_auc(t == classes[-1], s)
    if s.shape[1] == 2 and labels is None and len(classes) <= 2:
        raise ValueError(
            "y_score has 2 columns for a binary problem; pass the positive class's "
            "column, y_score[:, 1], as in scikit-learn"
        )
    return _multiclass_auc(t, s, average, multi_class, labels)


def _multiclass_auc(
    t: np.ndarray, s: np.ndarray, average: str | None, multi_class: str, labels: Any
) -> float | np.ndarray:
    if multi_class != "ovr":
        raise ValueError(f"multi_class must be 'ovr' (one-vs-rest), got {multi_class!r}")
    if average not in ("macro", "weighted", "micro", None):
        raise ValueError(
            f"average must be 'macro', 'weighted', 'micro' or None, got {average!r}"
        )
    if not np.allclose(s.sum(axis=1), 1.0):
        raise ValueError(
            "multiclass ROC AUC needs probabilities: each row of y_score must sum to 1 "
            "(apply softmax to logits first)"
        )
    if labels is None:
        classes = np.unique(t)
        if len(classes) != s.shape[1]:
            raise ValueError(
                f"y_true holds {len(classes)} classes but y_score has {s.shape[1]} columns; "
                "pass labels= naming the class of each column"
            )
    else:
        classes = check_labels_arg(labels, t)
        if len(classes) != s.shape[1]:
            raise ValueError(
                f"labels has {len(classes)} entries but y_score has {s.shape[1]} columns; "
                "expected one label per column"
            )
        unknown = np.setdiff1d(t, classes)
        if len(unknown):
            raise ValueError(
                f"y_true contains labels {unknown.tolist()} that are not in "
                f"labels={classes.tolist()}"
            )
    onehot = t[:, None] == classes[None, :]
    if average == "micro":
        return _binary_auc(onehot.ravel(), s.ravel())
    per_class = np.array([_binary_auc(onehot[:, j], s[:, j]) for j in range(len(classes))])
    if average is None:
        return per_class
    weights = onehot.sum(axis=0) if average == "weighted" else None
    return float(np.average(per_class, weights=weights))


roc_auc = roc_auc_score
