"""The base of the Keras losses: :class:`Loss` and its ``reduction=`` handling.

``reduction=`` as Keras: ``"sum_over_batch_size"`` (the default: the batch mean),
``"sum"``, ``"mean_with_sample_weight"`` or ``None`` (one value per sample).  A subclass
gives :meth:`Loss.per_sample` (and may override :meth:`Loss.call` with a fused kernel for
the batch mean).  The losses themselves are in :mod:`.losses` and :mod:`.losses_regression`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor

EPSILON = 1e-7  # Keras clips probabilities to [ε, 1 - ε] before taking logs


REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    name = "loss"

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 **kwargs: Any) -> None:
        kwargs.pop("dtype", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {sorted(kwargs)}")
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__} reduction must be one of {list(REDUCTIONS)}, "
                             f"got {reduction!r}")
        self.name = name or self.name
        self.reduction = "sum_over_batch_size" if reduction == "mean" else reduction

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        if not isinstance(y_pred, (Tensor, list)):  # NumPy predictions, as Keras accepts
            y_pred = Tensor(np.asarray(y_pred, dtype=np.float32))
        if self.reduction == "sum_over_batch_size":
            return self.call(y_true, y_pred, sample_weight)
        values = self.per_sample(y_true, y_pred)
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=values.dtype)
            weights = np.broadcast_to(weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim)),
                                      values.shape)
            values = values * Tensor(np.ascontiguousarray(weights))
        if self.reduction == "sum":
            return values.sum()
        if self.reduction == "mean_with_sample_weight":
            return values.sum() / max(float(values.size if weights is None else weights.sum()), EPSILON)
        return values  # None / "none": one value per sample

    def call(self, y_true: Any, y_pred: Tensor, sample_weight: Any) -> Tensor:
        """The batch mean of :meth:`per_sample` (subclasses use fused kernels instead)."""
        return _weighted(self.per_sample(y_true, y_pred), sample_weight)

    def per_sample(self, y_true: Any, y_pred: Tensor) -> Tensor:
        """The loss of each sample: shape ``y_pred.shape[:-1]`` (the last axis averaged)."""
        raise NotImplementedError

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        """Catch the classic label/loss mix-ups before training starts."""

    def get_config(self) -> dict:
        config: dict = {"name": self.name}
        if self.reduction != "sum_over_batch_size":
            config["reduction"] = self.reduction
        return config


def _weighted(per_sample: Tensor, sample_weight: Any) -> Tensor:
    if sample_weight is None:
        return per_sample.mean()
    return (per_sample * Tensor(np.asarray(sample_weight, dtype=per_sample.dtype))).sum() / per_sample.shape[0]


def _array(y: Any) -> np.ndarray:
    return y.numpy() if isinstance(y, Tensor) else np.asarray(y)
