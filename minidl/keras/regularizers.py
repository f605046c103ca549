"""Weight penalties added to the loss, as ``keras.regularizers``.

``l2(λ)`` adds λ·Σw² to the loss; its gradient is 2λw, which is what
``minidl.optim.SGD(weight_decay=2λ)`` adds to the gradient directly.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Tensor


class Regularizer:
    def __call__(self, w: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return dict(vars(self))


class L1L2(Regularizer):
    """penalty = l1·Σ|w| + l2·Σw²."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        for name, value in (("l1", l1), ("l2", l2)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"regularization factor {name} must be a non-negative number, got {value!r}")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, w: Tensor) -> Tensor:
        penalty = None
        if self.l1:
            penalty = self.l1 * w.abs().sum()
        if self.l2:
            term = self.l2 * (w * w).sum()
            penalty = term if penalty is None else penalty + term
        return penalty if penalty is not None else (w * 0).sum()


class L1(L1L2):
    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def get(identifier: Any) -> Regularizer | None:
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(str(identifier.get("class_name", "")).lower())
        if cls is None:
            raise ValueError(f"unknown regularizer {identifier!r}")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown regularizer {identifier!r}; valid names are: l1, l2, l1_l2")


def serialize(reg: Regularizer | None) -> dict | None:
    if reg is None:
        return None
    names = {L1: "l1", L2: "l2", L1L2: "l1_l2"}
    if type(reg) not in names:
        raise ValueError(f"cannot save the custom regularizer {reg!r}")
    return {"class_name": names[type(reg)], "config": reg.get_config()}
