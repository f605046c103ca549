"""Adagrad (PyTorch's rules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..kernels.optim_updates import INF, adagrad_update
from .optimizer import Optimizer, check_range


class Adagrad(Optimizer):
    r"""Per-element learning rates that shrink with the sum of all past squared gradients.

    At step ``t``, with ``g = grad + weight_decay * p``::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2                       # starts at initial_accumulator_value
        p = p - lr_t * g / (sqrt(s) + eps)

    Rarely-updated weights (small ``s``) keep large steps; that is why it suits sparse
    features.  (Keras puts eps inside the square root: ``sqrt(s + eps)``.)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False) -> None:  # fmt: skip
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates the accumulators at once
            for p in group["params"]:
                self._init(p, group)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_range("Adagrad", key, group[key])

    def _init(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        slots = self.state[p] = {"step": 0, "sum": self._zeros(p, group["initial_accumulator_value"])}
        return slots

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        eps = float(group["eps"])
        wd = float(group["weight_decay"])
        gscale = -1.0 if group["maximize"] else 1.0
        for p, grad, slots in self._params_with_grad(group, lambda p: self._init(p, group)):
            t = slots["step"] + 1
            slots["step"] = t
            clr = lr / (1.0 + (t - 1) * lr_decay)
            adagrad_update(p.data, grad.data, slots["sum"], clr, eps, False, wd, 1.0, gscale, INF)
