"""Log loss (cross-entropy) of predicted probabilities."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._checks import as_labels, as_numeric, check_labels_arg, check_same_length, to_numpy
from .classification import label_index


def log_loss(
    y_true: Any,
    y_prob: Any,
    eps: float | str = "auto",
    normalize: bool = True,
    labels: Any = None,
) -> float:
    """Mean negative log-likelihood of the true classes: ``−(1/n) Σ_i log p_i,y_i``.

    ``y_prob`` is ``(n, k)`` probabilities, column j for the j-th sorted class
    (of ``y_true``, or of ``labels=`` when some classes are missing from
    ``y_true``), or 1-D: the probability of the greater of two labels, so that
    for labels {0, 1} this is the binary cross-entropy
    ``−(1/n) Σ [y log p + (1 − y) log(1 − p)]``.

    Probabilities are clipped to ``[eps, 1 − eps]`` so that a confident mistake
    (p = 0 for the true class) costs ``−log(eps)`` instead of infinity;
    ``eps="auto"`` uses the machine epsilon of ``y_prob``'s float type (2.2e-16
    for float64, 1.2e-7 for float32), as scikit-learn does. Rows that do not sum
    to 1 give a warning. ``normalize=False`` returns the sum instead of the mean.
    """
    raw = to_numpy(y_prob, "y_prob")
    if eps == "auto":
        eps = float(np.finfo(raw.dtype if raw.dtype.kind == "f" else np.float64).eps)
    elif not (isinstance(eps, (int, float)) and 0 < eps < 0.5):
        raise ValueError(f'eps must be "auto" or a number in (0, 0.5), got {eps!r}')
    p = as_numeric(raw, "y_prob")
    t = as_labels(y_true, "y_true")
    check_same_length(t, p, "y_true", "y_prob")
    if p.max() > 1 or p.min() < 0:
        bad = float(p.max() if p.max() > 1 else p.min())
        raise ValueError(
            f"y_prob contains {bad!r}, outside [0, 1]: expected probabilities "
            "(apply sigmoid or softmax to logits first)"
        )

    if labels is None:
        classes = np.unique(t)
        if len(classes) < 2:
            raise ValueError(
                f"y_true contains only one label ({classes.tolist()[0]!r}); pass labels= with all "
                "the classes so that log loss is defined"
            )
    else:
        classes = np.unique(check_labels_arg(labels, t))
        unknown = np.setdiff1d(t, classes)
        if len(unknown):
            raise ValueError(
                f"y_true contains labels {unknown.tolist()} that are not in "
                f"labels={classes.tolist()}"
            )

    if p.ndim == 1 or p.shape[1] == 1:
        p = p.reshape(-1, 1)
        p = np.concatenate([1.0 - p, p], axis=1)
    if p.shape[1] != len(classes):
        raise ValueError(
            f"y_prob has {p.shape[1]} columns but there are {len(classes)} classes "
            f"{classes.tolist()}; pass labels= listing the class of each column"
        )
    if not np.allclose(p.sum(axis=1), 1.0, rtol=np.sqrt(eps), atol=0.0):
        warnings.warn(
            "The rows of y_prob do not sum to 1; make sure to pass probabilities",
            UserWarning,
            stacklevel=2,
        )
    p_true = p[np.arange(len(t)), label_index(t, classes)]
    losses = -np.log(np.clip(p_true, eps, 1.0 - eps))
    return float(losses.mean() if normalize else losses.sum())
