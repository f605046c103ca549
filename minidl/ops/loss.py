"""Loss functions.  Each takes ``(prediction, target)`` and returns the batch mean.

``target`` may be a Tensor or a NumPy array.  A target Tensor that requires grad (say, the
output of another network) receives its gradient too, as in PyTorch; otherwise it is a constant.
``sample_weight`` (optional, one weight per sample) gives the weighted mean
``Σ wᵢ·lossᵢ / N`` (as Keras does for ``class_weight``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ShapeError
from . import elementwise as E
from . import selection as S
from .activation import log_softmax, softplus
from .common import as_tensor
from .reduction import mean, sum


class SoftmaxCrossEntropy(Function):
    """L = -(1/N) Σₙ Σₖ tₙₖ log softmax(zₙ)ₖ;  dL/dz = (softmax(z) - t)/N.

    Forward and backward are computed together by one fused kernel (stable for
    logits as large as 1e4: the maximum is subtracted before exponentiating).
    """

    def forward(self, logits):
        k = kernels.get_kernels(get_array_module(logits))
        loss, self.dlogits = k.softmax_cross_entropy(logits, self.target, bool(self.needs_grad))
        return loss

    def backward(self, g):
        return (self.dlogits * g,)


def cross_entropy(logits: Tensor, target: Any, sample_weight: Any = None) -> Tensor:
    """Softmax cross-entropy from raw scores (logits) of shape (N, K) or (..., K).

    ``target``: integer class labels of shape (N,) or probabilities / one-hot (N, K).
    One unbatched sample, logits (K,) with a 0-d label or (K,) probabilities, is a batch of
    one (as PyTorch).
    """
    logits = E._floating(logits)
    t = _target_array(target, logits)
    if t.dtype.kind == "b":
        t = t.astype(logits.dtype)
    _check_cross_entropy_shapes(logits.shape, t)
    if logits.ndim != 2:
        from .shape import reshape

        logits = reshape(logits, (-1, logits.shape[-1]))
        t = t.reshape(-1) if t.dtype.kind in "iu" else t.reshape(-1, t.shape[-1])
    graph_target = _in_graph(target) and t.dtype.kind == "f"
    if sample_weight is None and not graph_target:  # the kernel checks the labels' range
        return SoftmaxCrossEntropy.apply(logits, target=t)
    logp = log_softmax(logits, axis=-1)
    if t.dtype.kind in "iu":
        kernels.reference.check_target(logits.data, t)
        xp = logits.xp
        per_sample = -logp[xp.arange(t.shape[0]), t]
    else:  # dL/dt = -log softmax(z) / N reaches a target that requires grad
        t = _graph_target(target, logp) if graph_target else Tensor._wrap(t)
        per_sample = -sum(logp * t, axis=-1)
    return _reduce(per_sample, sample_weight)


def _check_cross_entropy_shapes(shape: tuple[int, ...], t: Any) -> None:
    """Logits (..., K) need probability targets of the same shape or labels of shape (...)."""
    expects = "cross_entropy expects logits of shape (N, K) (or (K,) for one sample)"
    if not shape:
        raise ShapeError(f"{expects}, got {shape}")
    if t.dtype.kind == "f" and t.shape != shape:
        raise ShapeError(
            f"cross_entropy: probability targets must have the logits' shape {shape}, got "
            f"{tuple(t.shape)}; for class labels pass integers of shape {shape[:-1]}"
        )
    if t.dtype.kind in "iu" and tuple(t.shape) != shape[:-1]:
        head = f"{expects};" if len(shape) == 1 else "cross_entropy:"
        raise ShapeError(f"{head} integer labels must have shape {shape[:-1]} for logits of shape "
                         f"{shape}, got {tuple(t.shape)}")


def nll_loss(log_probs: Tensor, target: Any) -> Tensor:
    """Negative log-likelihood of integer labels given log-probabilities (N, K)."""
    t = _target_array(target, log_probs)
    kernels.reference.check_target(log_probs.data, t)
    return -mean(log_probs[log_probs.xp.arange(t.shape[0]), t])


def mse_loss(prediction: Tensor, target: Any, sample_weight: Any = None) -> Tensor:
    """L = mean((ŷ - y)²)."""
    prediction, t = _pair(prediction, target, "mse_loss")
    diff = prediction - t
    return _reduce(_per_sample_mean(diff * diff), sample_weight)


def l1_loss(prediction: Tensor, target: Any, sample_weight: Any = None) -> Tensor:
    """L = mean(|ŷ - y|)."""
    prediction, t = _pair(prediction, target, "l1_loss")
    return _reduce(_per_sample_mean(E.abs(prediction - t)), sample_weight)


def huber_loss(
    prediction: Tensor, target: Any, delta: float = 1.0, sample_weight: Any = None
) -> Tensor:
    """L = mean(½e² if |e| <= δ else δ(|e| - ½δ)), e = ŷ - y: quadratic near 0, linear far."""
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer, np.floating)) or not delta > 0:
        raise ValueError(f"huber_loss delta must be a positive number, got {delta!r}")
    prediction, t = _pair(prediction, target, "huber_loss")
    err = E.abs(prediction - t)
    quadratic = S.minimum(err, delta)
    linear = err - quadratic
    return _reduce(_per_sample_mean(0.5 * quadratic * quadratic + delta * linear), sample_weight)


class BinaryCrossEntropy(Function):
    """L = -(y·max(log p, -100) + (1-y)·max(log(1-p), -100)), element-wise (PyTorch's rule).

    The clamp keeps L finite when p is exactly 0 or 1.  The derivatives are
    dL/dp = (p - y) / (p(1-p)), with the denominator kept >= 1e-12 for the same reason,
    and dL/dy = log(1-p) - log p (unclamped, as PyTorch; when the target requires grad).
    """

    def forward(self, p, t):
        xp = get_array_module(p)
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped to -100
            self.log_p, self.log_q = xp.log(p), xp.log1p(-p)
        self.p, self.t = p, t
        return -(t * xp.maximum(self.log_p, -100.0) + (1 - t) * xp.maximum(self.log_q, -100.0))

    def backward(self, g):
        p = self.p
        denom = get_array_module(p).maximum(p * (1 - p), 1e-12)
        dt = None
        if self.needs_grad[1]:
            with np.errstate(invalid="ignore"):  # 0 · ±inf at p = 0 or 1 is NaN, as in PyTorch
                dt = g * (self.log_q - self.log_p)
        return g * (p - self.t) / denom, dt


def binary_cross_entropy(
    prediction: Tensor, target: Any, eps: float | None = None, sample_weight: Any = None
) -> Tensor:
    """L = -mean(y log p + (1-y) log(1-p)) for probabilities p in [0, 1].

    Default (``eps=None``, PyTorch): each log is clamped to >= -100, so p = 0 or 1 gives
    a large but finite loss.  ``eps`` given (Keras, 1e-7): p is clipped to [eps, 1-eps]
    first.  Probabilities outside [0, 1] raise ``ValueError`` (PyTorch raises too).
    """
    prediction, t = _pair(prediction, target, "binary_cross_entropy")
    if eps is not None:
        p = S.clip(prediction, eps, 1 - eps)
        per = -(t * E.log(p) + (1 - t) * E.log(1 - p))
        return _reduce(_per_sample_mean(per), sample_weight)
    if prediction.size:
        lo, hi = float(prediction.data.min()), float(prediction.data.max())
        if lo < 0 or hi > 1:  # (NaN compares False and flows through: a NaN loss is a signal)
            raise ValueError(
                f"binary_cross_entropy expects probabilities in [0, 1], got values in [{lo}, {hi}]; "
                "for raw scores use binary_cross_entropy_with_logits"
            )
    per = BinaryCrossEntropy.apply(prediction, t)
    return _reduce(_per_sample_mean(per), sample_weight)


def binary_cross_entropy_with_logits(
    logits: Tensor, target: Any, sample_weight: Any = None
) -> Tensor:
    """L = mean(softplus(z) - y·z), the stable form of BCE(σ(z), y) for any logit z."""
    logits, t = _pair(logits, target, "binary_cross_entropy_with_logits")
    return _reduce(_per_sample_mean(softplus(logits) - t * logits), sample_weight)


# ---------------------------------------------------------------- helpers


def _target_array(target: Any, like: Tensor) -> Any:
    if isinstance(target, Tensor):
        return target.data
    array = like.xp.asarray(target)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"targets must be numbers, got dtype {array.dtype}")
    return array


def _in_graph(target: Any) -> bool:
    """Is ``target`` a Tensor that wants a gradient (so it must not become a constant)?"""
    return isinstance(target, Tensor) and target.requires_grad


def _graph_target(target: Tensor, like: Tensor) -> Tensor:
    """A target that requires grad, in ``like``'s dtype and shape, still in the graph."""
    from .shape import reshape

    t = E.astype(target, like.dtype)
    return t if t.shape == like.shape else reshape(t, like.shape)


def _pair(prediction: Any, target: Any, name: str) -> tuple[Tensor, Tensor]:
    """Prediction as a float Tensor and the target as a Tensor of the same shape: a
    constant, unless it is a Tensor that requires grad (then it stays in the graph)."""
    prediction = E._floating(prediction)
    t = _target_array(target, prediction)
    if tuple(t.shape) != prediction.shape:
        # Shapes that differ only by a trailing axis of length 1, such as (N,) and (N, 1), pair
        # up element by element (as Keras); PyTorch would broadcast them to (N, N), a silent
        # bug.  Anything else is an error.
        if _squeeze_last(tuple(t.shape)) != _squeeze_last(prediction.shape):
            raise ShapeError(
                f"{name}: target shape {tuple(t.shape)} does not match prediction shape "
                f"{prediction.shape}"
            )
        t = t.reshape(prediction.shape)
    if _in_graph(target):
        return prediction, _graph_target(target, prediction)
    return prediction, as_tensor(t.astype(prediction.dtype, copy=False), prediction)


def _squeeze_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape[:-1] if shape and shape[-1] == 1 else shape


def _per_sample_mean(values: Tensor) -> Tensor:
    """Average every axis but the first: one loss per sample."""
    if values.ndim <= 1:
        return values
    return mean(values, axis=tuple(range(1, values.ndim)))


def _reduce(per_sample: Tensor, sample_weight: Any) -> Tensor:
    if sample_weight is None:
        return mean(per_sample)
    w = _target_array(sample_weight, per_sample).astype(per_sample.dtype, copy=False)
    if tuple(w.shape) != per_sample.shape[:1]:
        raise ShapeError(
            f"sample_weight must have one value per sample, shape {per_sample.shape[:1]}, "
            f"got {tuple(w.shape)}"
        )
    return sum(per_sample * Tensor._wrap(w)) / max(per_sample.shape[0], 1)
