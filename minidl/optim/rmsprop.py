"""RMSprop (PyTorch's rules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..kernels.optim_updates import INF, rmsprop_update
from .optimizer import Optimizer, check_range


class RMSprop(Optimizer):
    r"""Divide each gradient by a running root-mean-square of its recent values (Hinton).

    With ``g = grad + weight_decay * p``::

        s = alpha * s + (1 - alpha) * g**2
        centered:  a = alpha * a + (1 - alpha) * g;  s_used = s - a**2   (variance)
        d = sqrt(s_used) + eps
        momentum > 0:  b = momentum * b + g / d;  p = p - lr * b
        otherwise:     p = p - lr * g / d

    Keras' RMSprop (``minidl.keras.optimizers.RMSprop``) puts eps inside the square root
    and lr inside the momentum buffer, and calls ``alpha`` ``rho``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, maximize: bool = False) -> None:  # fmt: skip
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("eps", "weight_decay", "momentum"):
            check_range("RMSprop", key, group[key])
        # PyTorch only asks alpha >= 0; above 1 the average weighs g² negatively (NaN steps)
        check_range("RMSprop", "alpha", group["alpha"], 0.0, 1.0)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        momentum = float(group["momentum"])
        centered = bool(group["centered"])
        wd = float(group["weight_decay"])
        gscale = -1.0 if group["maximize"] else 1.0
        def new_slots(p: Any) -> dict[str, Any]:
            slots = {"step": 0, "square_avg": self._zeros(p)}
            if momentum > 0:
                slots["momentum_buffer"] = self._zeros(p)
            if centered:
                slots["grad_avg"] = self._zeros(p)
            return slots

        for p, grad, slots in self._params_with_grad(group, new_slots):
            slots["step"] += 1
            rmsprop_update(p.data, grad.data, slots["square_avg"], slots.get("grad_avg"),
                           slots.get("momentum_buffer"), lr, alpha, eps, momentum, centered, False,
                           wd, 1.0, gscale, INF)  # fmt: skip
