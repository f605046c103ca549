"""Classification losses with PyTorch's options: class weights, ``ignore_index`` and
label smoothing, composed from ops (log-probabilities in, so autograd derives them).

For log-probabilities ℓ (N, K), class weights w (K,) and smoothing ε:

integer labels y:  Lₙ = vₙ·[(1-ε)·w_yₙ·(-ℓₙ,yₙ) + (ε/K)·Σₖ wₖ·(-ℓₙₖ)],  vₙ = [yₙ ≠ ignore_index]
                   mean = Σ Lₙ / Σ vₙ·w_yₙ   (the weighted mean PyTorch takes)
probabilities t:   Lₙ = -Σₖ wₖ·t'ₙₖ·ℓₙₖ,  t' = (1-ε)·t + ε/K,   mean = Σ Lₙ / N

``sample_weight`` multiplies each Lₙ (the denominators stay as above).  A mean over no
counted label (all ignored) is NaN, as in PyTorch, with a zero gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..errors import ShapeError
from .reduction import sum


def class_loss(
    log_probs: Tensor, target: Any, weight: Any, ignore_index: int, smoothing: float,
    reduction: str, sample_weight: Any,
) -> Tensor:  # fmt: skip
    """The loss of log-probabilities (N, K) against labels (N,) or probabilities (N, K)
    (an array, or a Tensor that requires grad); see the module docstring."""
    n, k = log_probs.shape
    xp = log_probs.xp
    w = _class_weights(weight, log_probs)
    if isinstance(target, Tensor) or target.dtype.kind == "f":
        t = target if isinstance(target, Tensor) else Tensor._wrap(target.astype(log_probs.dtype))
        if smoothing:
            t = t * (1 - smoothing) + smoothing / k
        if w is not None:
            t = t * Tensor._wrap(w)
        per_sample = -sum(log_probs * t, axis=-1)
        denominator = float(n)
    else:
        check_ignore_index(ignore_index)
        counted = target != ignore_index
        labels = xp.where(counted, target, 0)
        _check_labels(labels, k, ignore_index, xp)
        label_weight = counted.astype(log_probs.dtype)
        if w is not None:
            label_weight = label_weight * w[labels]
        picked = -log_probs[xp.arange(n), labels]
        per_sample = picked * Tensor._wrap(label_weight * (1 - smoothing))
        if smoothing:
            every_class = -sum(log_probs if w is None else log_probs * Tensor._wrap(w), axis=-1)
            per_sample = per_sample + every_class * Tensor._wrap(counted.astype(log_probs.dtype) * (smoothing / k))
        denominator = xp.asarray(label_weight.sum())  # on the device: no read back per step
    if sample_weight is not None:
        from .loss import _sample_weights

        per_sample = per_sample * Tensor._wrap(_sample_weights(sample_weight, per_sample))
    if reduction == "none":
        return per_sample
    total = sum(per_sample)
    if reduction == "sum":
        return total
    if isinstance(denominator, float):
        with np.errstate(divide="ignore", invalid="ignore"):  # no samples: NaN, as PyTorch
            return total / denominator
    # Every label ignored: the mean is 0/0, NaN as in PyTorch, but the gradient must stay 0 as
    # PyTorch's does; dividing by the 0 would send NaN into every weight after one batch of
    # padding.  So divide by 1 there and add the NaN as a constant (all on the device).  (Labels
    # that are seen but all weighted 0 get the same 0 gradient; PyTorch gives NaN there.)
    nothing = denominator == 0
    return total / Tensor._wrap(xp.where(nothing, 1, denominator).astype(log_probs.dtype)) \
        + Tensor._wrap(xp.where(nothing, np.nan, 0).astype(log_probs.dtype))


def _class_weights(weight: Any, like: Tensor) -> Any:
    """``weight`` as an array of one float per class, or None."""
    if weight is None:
        return None
    w = weight.data if isinstance(weight, Tensor) else like.xp.asarray(weight)
    k = like.shape[-1]
    if w.dtype.kind not in "fiu":
        raise TypeError(f"class weight must be numbers, got dtype {w.dtype}")
    if tuple(w.shape) != (k,):
        raise ShapeError(f"class weight must have one value per class, shape ({k},), got {tuple(w.shape)}")
    return w.astype(like.dtype, copy=False)


def _check_labels(labels: Any, k: int, ignore_index: int, xp: Any) -> None:
    if not labels.size:
        return
    bad = (labels < 0) | (labels >= k)
    if bool(bad.any()):
        label = int(labels[int(xp.argmax(bad))])
        raise ValueError(f"label {label} is out of range: expected labels in [0, {k}) for K={k} classes "
                         f"(or ignore_index={ignore_index})")


def unflatten(loss: Tensor, batch_shape: tuple[int, ...], reduction: str) -> Tensor:
    """With ``reduction="none"``, one loss per sample in the scores' batch shape."""
    if reduction != "none" or loss.shape == batch_shape:
        return loss
    return loss.reshape(batch_shape)


def check_smoothing(label_smoothing: Any) -> float:
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float, np.integer, np.floating)) \
            or not 0 <= label_smoothing <= 1:
        raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


def check_ignore_index(ignore_index: Any) -> None:
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"ignore_index must be an int, got {ignore_index!r}")
