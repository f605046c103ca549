"""Keras regression losses: mean squared / absolute / percentage / log errors, log-cosh,
KL divergence, hinge and Huber.  Each gives the loss of one sample (:meth:`per_sample`);
:class:`~.loss_base.Loss` applies the reduction."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from .loss_base import EPSILON, Loss, _array


def _like(y_true: Any, y_pred: Tensor) -> Tensor:
    """The targets as a float Tensor of the prediction's shape (Keras squeezes (N, 1) to (N,))."""
    t = _array(y_true).astype(y_pred.dtype, copy=False)
    return Tensor(t.reshape(y_pred.shape) if t.size == y_pred.size else t)


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def call(self, y_true, y_pred, sample_weight):
        return F.mse_loss(y_pred, y_true, sample_weight=sample_weight)

    def per_sample(self, y_true, y_pred):
        return ((y_pred - _like(y_true, y_pred)) ** 2).mean(axis=-1)


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def call(self, y_true, y_pred, sample_weight):
        return F.l1_loss(y_pred, y_true, sample_weight=sample_weight)

    def per_sample(self, y_true, y_pred):
        return (y_pred - _like(y_true, y_pred)).abs().mean(axis=-1)


class MeanAbsolutePercentageError(Loss):
    """100 · mean(|t - p| / max(|t|, ε))."""

    name = "mean_absolute_percentage_error"

    def per_sample(self, y_true, y_pred):
        t = _like(y_true, y_pred)
        return ((t - y_pred).abs() / Tensor(np.maximum(np.abs(t.data), EPSILON))).mean(axis=-1) * 100.0


class MeanSquaredLogarithmicError(Loss):
    """mean((log(1 + max(p, ε)) - log(1 + max(t, ε)))²)."""

    name = "mean_squared_logarithmic_error"

    def per_sample(self, y_true, y_pred):
        t = np.log1p(np.maximum(_like(y_true, y_pred).data, EPSILON))
        return (((y_pred.clip(EPSILON, np.inf) + 1.0).log() - Tensor(t)) ** 2).mean(axis=-1)


class LogCosh(Loss):
    """mean(log cosh(p - t)), computed as x + softplus(-2x) - log 2 (no overflow)."""

    name = "log_cosh"

    def per_sample(self, y_true, y_pred):
        x = y_pred - _like(y_true, y_pred)
        return (x + F.softplus(x * -2.0) - float(np.log(2.0))).mean(axis=-1)


class KLDivergence(Loss):
    """Σ t·log(t / p) over the last axis, both clipped to [ε, 1]."""

    name = "kl_divergence"

    def per_sample(self, y_true, y_pred):
        t = np.clip(_like(y_true, y_pred).data, EPSILON, 1)
        return (Tensor(t) * (Tensor(np.log(t)) - y_pred.clip(EPSILON, 1).log())).sum(axis=-1)


class Hinge(Loss):
    """mean(max(1 - t·p, 0)); 0/1 targets are first mapped to -1/1 (as Keras)."""

    name = "hinge"

    def per_sample(self, y_true, y_pred):
        t = _like(y_true, y_pred).data
        if np.isin(t, (0, 1)).all():
            t = 2 * t - 1
        return F.relu(1.0 - y_pred * Tensor(t)).mean(axis=-1)


class Huber(Loss):
    name = "huber_loss"

    def __init__(self, delta: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer, np.floating)) or not delta > 0:
            raise ValueError(f"Huber delta must be a positive number, got {delta!r}")
        self.delta = float(delta)

    def call(self, y_true, y_pred, sample_weight):
        return F.huber_loss(y_pred, y_true, self.delta, sample_weight=sample_weight)

    def per_sample(self, y_true, y_pred):
        d = (y_pred - _like(y_true, y_pred)).abs()
        small = d.clip(0, self.delta)  # ½d² inside [-δ, δ], δ·|d| - ½δ² outside
        return (small * small * 0.5 + (d - small) * self.delta).mean(axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "delta": self.delta}
