"""Loss modules as PyTorch: ``criterion = nn.CrossEntropyLoss(); loss = criterion(logits, y)``.

Each is a ``Module`` with no parameters whose ``forward(input, target)`` calls the
function of the same name in :mod:`minidl.functional`.  ``reduction`` is "mean" (the
default), "sum" or "none" (one loss per element, or per sample for class losses).
Class scores are on the LAST axis (minidl is channels-last): logits (N, K) or (..., K),
where PyTorch's K-dimensional losses put the classes on axis 1.

Class and element weights given to a constructor (``weight=``, ``pos_weight=``) are
buffers, as in PyTorch: saved in the state dict and moved by ``.to(device)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from ..backend import default_device, default_dtype, to_device
from ..ops.loss import check_reduction
from .module import Module


class _Loss(Module):
    """The shared part: a checked ``reduction`` (an unknown one raises here, at once)."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(reduction, type(self).__name__)

    def _register_weight(self, name: str, value: Any) -> None:
        """Keep ``value`` (None, an array or a Tensor of numbers) as a float buffer."""
        if value is None:
            object.__setattr__(self, name, None)
            return
        array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "fiu":
            raise TypeError(f"{type(self).__name__} {name} must be numbers, got dtype {array.dtype}")
        dtype = array.dtype if array.dtype.kind == "f" else default_dtype()
        self.register_buffer(name, to_device(array.astype(dtype), default_device()))

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error: mean((input - target)²)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: mean(|input - target|)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """½e² for |e| <= delta, delta·(|e| - ½delta) beyond (e = input - target)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if isinstance(delta, bool) or not isinstance(delta, (int, float, np.integer, np.floating)) \
                or not delta > 0:
            raise ValueError(f"HuberLoss delta must be a positive number, got {delta!r}")
        self.delta = float(delta)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, self.delta, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, delta={self.delta}"


class SmoothL1Loss(_Loss):
    """½e²/beta for |e| < beta, |e| - ½beta beyond: HuberLoss(delta=beta) divided by beta."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)) \
                or not beta >= 0:
            raise ValueError(f"SmoothL1Loss beta must be a non-negative number, got {beta!r}")
        self.beta = float(beta)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, self.beta, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, beta={self.beta}"


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (after a sigmoid); ``weight``
    rescales each element's loss (broadcast to the input's shape)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._register_weight("weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from raw scores (the sigmoid inside, numerically stable).

    ``pos_weight`` (one value per class, last axis) weighs the positive examples: > 1
    raises recall, < 1 precision.  ``weight`` rescales each element's loss.
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self._register_weight("weight", weight)
        self._register_weight("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class _ClassLoss(_Loss):
    """Losses over K classes (last axis) with per-class ``weight`` and ``ignore_index``."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} ignore_index must be an int, got {ignore_index!r}")
        self.ignore_index = int(ignore_index)
        self._register_weight("weight", weight)
        if self.weight is not None and self.weight.ndim != 1:
            raise ValueError(f"{type(self).__name__} weight must hold one value per class (1-D), "
                             f"got shape {self.weight.shape}")

    def extra_repr(self) -> str:
        ignore = "" if self.ignore_index == -100 else f", ignore_index={self.ignore_index}"
        return f"reduction={self.reduction!r}{ignore}"


class CrossEntropyLoss(_ClassLoss):
    """Softmax cross-entropy from logits (N, K) against integer labels (N,) or
    probabilities (N, K); ``label_smoothing`` ε mixes the target with the uniform
    distribution, (1-ε)·t + ε/K."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, ignore_index, reduction)
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float, np.integer, np.floating)) \
                or not 0 <= label_smoothing <= 1:
            raise ValueError(f"CrossEntropyLoss label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)

    def extra_repr(self) -> str:
        smoothing = f", label_smoothing={self.label_smoothing}" if self.label_smoothing else ""
        return super().extra_repr() + smoothing


class NLLLoss(_ClassLoss):
    """Negative log-likelihood of integer labels given log-probabilities (N, K), e.g. the
    output of ``LogSoftmax``; ``NLLLoss()(F.log_softmax(z), y) == CrossEntropyLoss()(z, y)``."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)
