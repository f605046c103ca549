"""Loss functions.  Each takes ``(prediction, target)`` and returns the batch mean.

``reduction`` (as PyTorch): ``"mean"`` (the default), ``"sum"`` (of every element's loss),
or ``"none"`` (one loss per element: the prediction's shape, or the batch shape for
``cross_entropy`` and ``nll_loss``).

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
from .loss_classes import check_ignore_index, check_smoothing, class_loss, unflatten
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


def cross_entropy(
    logits: Tensor, target: Any, weight: Any = None, *, sample_weight: Any = None,
    ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0,
) -> Tensor:  # fmt: skip
    """Softmax cross-entropy from raw scores (logits) of shape (N, K) or (..., K).

    ``target``: integer class labels of shape (N,) or probabilities / one-hot (N, K).
    One unbatched sample, logits (K,) with a 0-d label or (K,) probabilities, is a batch of
    one (as PyTorch).  ``weight`` (K,) rescales each class, labels equal to ``ignore_index``
    count for nothing, ``label_smoothing`` ε mixes the target with the uniform
    distribution: t' = (1-ε)·t + ε/K (all as ``torch.nn.functional.cross_entropy``, whose
    third positional argument is ``weight`` too; ``sample_weight`` is keyword-only).
    """
    check_reduction(reduction, "cross_entropy")
    smoothing = check_smoothing(label_smoothing)
    check_ignore_index(ignore_index)
    logits = E._floating(logits)
    t = _target_array(target, logits)
    if t.dtype.kind in "bf":  # probabilities in the logits' dtype (float64 ones would promote)
        t = t.astype(logits.dtype, copy=False)
    _check_cross_entropy_shapes(logits.shape, t)
    batch_shape = logits.shape[:-1]
    if logits.ndim != 2:
        from .shape import reshape

        logits = reshape(logits, (-1, logits.shape[-1]))
        t = t.reshape(-1) if t.dtype.kind in "iu" else t.reshape(-1, t.shape[-1])
    labels = t.dtype.kind in "iu"
    # (an empty batch takes the general path too: its mean is NaN there, as PyTorch; the kernel gives 0)
    if not (weight is not None or smoothing or (labels and 0 <= ignore_index < logits.shape[-1])
            or not logits.shape[0]):
        try:
            return unflatten(_plain_cross_entropy(logits, t, target, sample_weight, reduction),
                              batch_shape, reduction)
        except ValueError:
            # An ignore_index outside [0, K) (PyTorch's -100) can only match a label that the
            # range check rejects, so it is looked for only then: no extra read from a GPU.
            if not (labels and t.size and bool((t == ignore_index).any())):
                raise
    target = _graph_target(target, logits) if _in_graph(target) and not labels else t
    loss = class_loss(log_softmax(logits, axis=-1), target, weight, ignore_index, smoothing, reduction,
                      sample_weight)
    return unflatten(loss, batch_shape, reduction)


def _plain_cross_entropy(logits: Tensor, t: Any, target: Any, sample_weight: Any, reduction: str) -> Tensor:
    """Cross-entropy of logits (N, K) without class options (raises ValueError for a bad label)."""
    graph_target = _in_graph(target) and t.dtype.kind == "f"
    if sample_weight is None and not graph_target and reduction != "none":
        loss = SoftmaxCrossEntropy.apply(logits, target=t)  # the kernel checks the labels' range
        return loss * logits.shape[0] if reduction == "sum" else loss
    logp = log_softmax(logits, axis=-1)
    if t.dtype.kind in "iu":
        kernels.reference.check_target(logits.data, t)
        per_sample = -logp[logits.xp.arange(t.shape[0]), t]
    else:  # dL/dt = -log softmax(z) / N reaches a target that requires grad
        t = _graph_target(target, logp) if graph_target else Tensor._wrap(t)
        per_sample = -sum(logp * t, axis=-1)
    return _finish(per_sample, sample_weight, reduction)


def _check_cross_entropy_shapes(shape: tuple[int, ...], t: Any, name: str = "cross_entropy") -> None:
    """Logits (..., K) need probability targets of the same shape or labels of shape (...)."""
    expects = f"{name} expects scores of shape (N, K) (or (K,) for one sample)"
    if not shape:
        raise ShapeError(f"{expects}, got {shape}")
    if t.dtype.kind == "f" and t.shape != shape:
        raise ShapeError(
            f"{name}: probability targets must have the scores' shape {shape}, got "
            f"{tuple(t.shape)}; for class labels pass integers of shape {shape[:-1]}"
        )
    if t.dtype.kind in "iu" and tuple(t.shape) != shape[:-1]:
        head = f"{expects};" if len(shape) == 1 else f"{name}:"
        raise ShapeError(f"{head} integer labels must have shape {shape[:-1]} for scores of shape "
                         f"{shape}, got {tuple(t.shape)}")


def nll_loss(
    log_probs: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
    reduction: str = "mean", sample_weight: Any = None,
) -> Tensor:  # fmt: skip
    """Negative log-likelihood of integer labels given log-probabilities (..., K):
    L = -mean(log pₙ[yₙ]) (the class axis is the last one, as everywhere in minidl).

    ``weight``, ``ignore_index`` and ``reduction`` as ``torch.nn.functional.nll_loss``; the
    weighted mean divides by the sum of the weights of the labels seen.
    """
    check_reduction(reduction, "nll_loss")
    log_probs = E._floating(log_probs)
    t = _target_array(target, log_probs)
    if t.dtype.kind not in "iu":
        raise TypeError(f"nll_loss expects integer class labels, got dtype {t.dtype}; "
                        "for probability targets use cross_entropy")
    _check_cross_entropy_shapes(log_probs.shape, t, "nll_loss")
    batch_shape = log_probs.shape[:-1]
    if log_probs.ndim != 2:
        log_probs = log_probs.reshape(-1, log_probs.shape[-1])
        t = t.reshape(-1)
    loss = class_loss(log_probs, t, weight, ignore_index, 0.0, reduction, sample_weight)
    return unflatten(loss, batch_shape, reduction)


def mse_loss(prediction: Tensor, target: Any, sample_weight: Any = None, reduction: str = "mean") -> Tensor:
    """L = mean((ŷ - y)²)."""
    check_reduction(reduction, "mse_loss")
    prediction, t = _pair(prediction, target, "mse_loss")
    diff = prediction - t
    return _finish(diff * diff, sample_weight, reduction)


def l1_loss(prediction: Tensor, target: Any, sample_weight: Any = None, reduction: str = "mean") -> Tensor:
    """L = mean(|ŷ - y|)."""
    check_reduction(reduction, "l1_loss")
    prediction, t = _pair(prediction, target, "l1_loss")
    return _finish(E.abs(prediction - t), sample_weight, reduction)


def huber_loss(
    prediction: Tensor, target: Any, delta: float = 1.0, sample_weight: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """L = mean(½e² if |e| <= δ else δ(|e| - ½δ)), e = ŷ - y: quadratic near 0, linear far."""
    _check_positive(delta, "huber_loss delta")
    check_reduction(reduction, "huber_loss")
    prediction, t = _pair(prediction, target, "huber_loss")
    return _finish(_huber(prediction - t, delta), sample_weight, reduction)


def smooth_l1_loss(
    prediction: Tensor, target: Any, beta: float = 1.0, sample_weight: Any = None,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """L = mean(½e²/β if |e| < β else |e| - ½β): Huber with δ = β, divided by β (PyTorch).

    ``beta=0`` is the plain L1 loss, as in PyTorch.
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)) or not beta >= 0:
        raise ValueError(f"smooth_l1_loss beta must be a non-negative number, got {beta!r}")
    check_reduction(reduction, "smooth_l1_loss")
    prediction, t = _pair(prediction, target, "smooth_l1_loss")
    per = E.abs(prediction - t) if beta == 0 else _huber(prediction - t, beta) * (1.0 / beta)
    return _finish(per, sample_weight, reduction)


def _huber(error: Tensor, delta: float) -> Tensor:
    """½e² where |e| <= δ, δ(|e| - ½δ) beyond: written as ½q² + δ·(|e| - q) with q = min(|e|, δ)
    so that both pieces and their derivatives (e and ±δ) meet at |e| = δ."""
    err = E.abs(error)
    quadratic = S.minimum(err, delta)
    linear = err - quadratic
    return 0.5 * quadratic * quadratic + delta * linear


def _check_positive(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")


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
    prediction: Tensor, target: Any, eps: float | None = None, sample_weight: Any = None,
    weight: Any = None, reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """L = -mean(y log p + (1-y) log(1-p)) for probabilities p in [0, 1].

    Unlike PyTorch, whose third positional argument is ``weight``, the third one here is
    ``eps``: pass ``weight=`` by name.
    Default (``eps=None``, PyTorch): each log is clamped to >= -100, so p = 0 or 1 gives
    a large but finite loss.  ``eps`` given (Keras, 1e-7): p is clipped to [eps, 1-eps]
    first.  Probabilities outside [0, 1] raise ``ValueError`` (PyTorch raises too).
    ``weight`` (broadcast to the prediction's shape) rescales each element's loss.
    """
    check_reduction(reduction, "binary_cross_entropy")
    prediction, t = _pair(prediction, target, "binary_cross_entropy")
    if eps is not None:
        p = S.clip(prediction, eps, 1 - eps)
        per = -(t * E.log(p) + (1 - t) * E.log(1 - p))
        return _finish(_rescaled(per, weight, "binary_cross_entropy"), sample_weight, reduction)
    if prediction.size:
        lo, hi = float(prediction.data.min()), float(prediction.data.max())
        if lo < 0 or hi > 1:  # (NaN compares False and flows through: a NaN loss is a signal)
            raise ValueError(
                f"binary_cross_entropy expects probabilities in [0, 1], got values in [{lo}, {hi}]; "
                "for raw scores use binary_cross_entropy_with_logits"
            )
    per = BinaryCrossEntropy.apply(prediction, t)
    return _finish(_rescaled(per, weight, "binary_cross_entropy"), sample_weight, reduction)


def binary_cross_entropy_with_logits(
    logits: Tensor, target: Any, weight: Any = None, *, sample_weight: Any = None,
    reduction: str = "mean", pos_weight: Any = None,
) -> Tensor:  # fmt: skip
    """L = mean(softplus(z) - y·z), the stable form of BCE(σ(z), y) for any logit z.

    ``pos_weight`` w₊ (one per class, broadcast along the last axis) weighs the positive
    term, as PyTorch:  L = w₊·y·softplus(-z) + (1-y)·softplus(z)
    (log σ(z) = -softplus(-z) and log(1 - σ(z)) = -softplus(z)); w₊ = 1 is the rule above.
    ``weight`` (broadcast to the logits' shape, the third positional argument as in
    PyTorch) rescales each element's loss; ``sample_weight`` is keyword-only.
    """
    check_reduction(reduction, "binary_cross_entropy_with_logits")
    logits, t = _pair(logits, target, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        per = softplus(logits) - t * logits
    else:
        w_pos = _constant_like(pos_weight, logits, "binary_cross_entropy_with_logits pos_weight")
        per = w_pos * t * softplus(-logits) + (1 - t) * softplus(logits)
    return _finish(_rescaled(per, weight, "binary_cross_entropy_with_logits"), sample_weight, reduction)


def check_reduction(reduction: Any, name: str) -> str:
    """``reduction`` must be one of PyTorch's three: "mean", "sum" or "none"."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name} reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _constant_like(value: Any, like: Tensor, name: str) -> Tensor:
    """``value`` (a Tensor or array) as a constant in ``like``'s dtype that broadcasts to it."""
    array = _target_array(value, like).astype(like.dtype, copy=False)
    try:
        np.broadcast_shapes(array.shape, like.shape)
    except ValueError:
        raise ShapeError(f"{name} of shape {tuple(array.shape)} does not broadcast to the input's "
                         f"shape {like.shape}") from None
    return Tensor._wrap(array)


def _rescaled(per: Tensor, weight: Any, name: str) -> Tensor:
    if weight is None:
        return per
    w = _constant_like(weight, per, f"{name} weight")
    if np.broadcast_shapes(w.shape, per.shape) != per.shape:
        raise ShapeError(f"{name} weight of shape {w.shape} would enlarge the loss of shape {per.shape}")
    return per * w


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


def _finish(values: Tensor, sample_weight: Any, reduction: str) -> Tensor:
    """Reduce element-wise losses as ``reduction`` says (``sample_weight`` weighs each sample)."""
    if reduction == "mean":
        return _reduce(_per_sample_mean(values), sample_weight)
    if sample_weight is not None:
        w = _sample_weights(sample_weight, values)
        values = values * Tensor._wrap(w.reshape(w.shape + (1,) * (values.ndim - 1)))
    return sum(values) if reduction == "sum" else values


def _sample_weights(sample_weight: Any, values: Tensor) -> Any:
    w = _target_array(sample_weight, values).astype(values.dtype, copy=False)
    if tuple(w.shape) != values.shape[:1]:
        raise ShapeError(
            f"sample_weight must have one value per sample, shape {values.shape[:1]}, "
            f"got {tuple(w.shape)}"
        )
    return w


def _reduce(per_sample: Tensor, sample_weight: Any) -> Tensor:
    if sample_weight is None:
        return mean(per_sample)
    w = _sample_weights(sample_weight, per_sample)
    return sum(per_sample * Tensor._wrap(w)) / max(per_sample.shape[0], 1)
