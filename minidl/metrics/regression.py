"""Regression metrics: MAE, MSE, RMSE and R².

All take ``(y_true, y_pred)`` of shape ``(n,)`` or ``(n, k)`` (k outputs).
A column vector ``(n, 1)`` and a flat ``(n,)`` are the same thing here, so the
classic slip ``y_pred.shape == (n, 1)`` against ``y_true.shape == (n,)`` does not
silently broadcast into an ``n × n`` matrix.

``multioutput`` says how k outputs are combined: ``"uniform_average"`` (the mean
of the per-output scores, the default) or ``"raw_values"`` (one score per output).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_numeric, check_same_length, warn_undefined

_MULTIOUTPUT = ("uniform_average", "raw_values")


def _targets(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both targets as float64 arrays of shape (n, k)."""
    t = as_numeric(y_true, "y_true")
    p = as_numeric(y_pred, "y_pred")
    check_same_length(t, p, "y_true", "y_pred")
    t = t.reshape(len(t), -1)
    p = p.reshape(len(p), -1)
    if t.shape[1] != p.shape[1]:
        raise ValueError(
            f"y_true has {t.shape[1]} outputs per sample but y_pred has {p.shape[1]}; "
            "expected the same number"
        )
    return t, p


def _combine(per_output: np.ndarray, multioutput: str) -> float | np.ndarray:
    if multioutput == "raw_values":
        return per_output
    if multioutput == "uniform_average":
        return float(np.mean(per_output))
    raise ValueError(f"multioutput must be one of {_MULTIOUTPUT}, got {multioutput!r}")


def mean_absolute_error(
    y_true: Any, y_pred: Any, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    """Mean absolute error: ``MAE = (1/n) Σ |y_i − ŷ_i|``."""
    t, p = _targets(y_true, y_pred)
    return _combine(np.mean(np.abs(t - p), axis=0), multioutput)


def mean_squared_error(
    y_true: Any, y_pred: Any, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    """Mean squared error: ``MSE = (1/n) Σ (y_i − ŷ_i)²``."""
    t, p = _targets(y_true, y_pred)
    return _combine(np.mean((t - p) ** 2, axis=0), multioutput)


def root_mean_squared_error(
    y_true: Any, y_pred: Any, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    """Root mean squared error: ``RMSE = √MSE``, in the units of ``y``.

    With several outputs the square root is taken per output and then averaged
    (as scikit-learn does), which is not the square root of the averaged MSE.
    """
    t, p = _targets(y_true, y_pred)
    return _combine(np.sqrt(np.mean((t - p) ** 2, axis=0)), multioutput)


def r2_score(
    y_true: Any, y_pred: Any, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    """Coefficient of determination: ``R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²``.

    1 is a perfect fit, 0 is no better than always predicting the mean ``ȳ``, and
    it is negative for worse models. When ``y_true`` is constant the ratio is
    0/0 or x/0; then R² is 1 for a perfect prediction and 0 otherwise (as
    scikit-learn's ``force_finite=True``). With fewer than two samples R² is not
    defined: a warning is issued and NaN returned. ``multioutput`` may also be
    ``"variance_weighted"``: outputs weighted by the variance of ``y_true``.
    """
    t, p = _targets(y_true, y_pred)
    if len(t) < 2:
        warn_undefined("R² is not well-defined with fewer than two samples; returning nan")
        return float("nan")
    residual = np.sum((t - p) ** 2, axis=0)
    total = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    scores = np.ones(t.shape[1])
    defined = total != 0
    scores[defined] = 1.0 - residual[defined] / total[defined]
    scores[~defined & (residual != 0)] = 0.0
    if multioutput == "variance_weighted":
        if not defined.any():
            # every output is constant: the weights are all zero
            return float(np.mean(scores))
        return float(np.average(scores, weights=total))
    return _combine(scores, multioutput)


def rmse(y_true: Any, y_pred: Any, multioutput: str = "uniform_average") -> float | np.ndarray:
    """Short name of :func:`root_mean_squared_error`."""
    return root_mean_squared_error(y_true, y_pred, multioutput)


mae = mean_absolute_error
mse = mean_squared_error
r2 = r2_score
