"""Stochastic gradient descent with momentum (PyTorch's rules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..kernels.optim_updates import INF, sgd_update
from .optimizer import Optimizer, check_range


class SGD(Optimizer):
    r"""``p -= lr * g``, with optional momentum, Nesterov momentum and L2 weight decay.

    With ``g = grad + weight_decay * p`` (coupled weight decay, i.e. L2) and ``b`` the
    momentum buffer (``b = g`` on the first step)::

        b = momentum * b + (1 - dampening) * g
        p = p - lr * (g + momentum * b)      # nesterov=True
        p = p - lr * b                       # nesterov=False

    ``momentum=0`` is plain SGD.  Keras writes momentum as a *velocity* that already
    contains the learning rate (``v = m*v - lr*g``; see
    :class:`minidl.keras.optimizers.SGD`); the two agree while lr is constant.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
                 maximize: bool = False) -> None:  # fmt: skip
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                        weight_decay=weight_decay, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        for key in ("momentum", "dampening", "weight_decay"):
            check_range("SGD", key, group[key])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        nesterov = bool(group["nesterov"])
        wd = float(group["weight_decay"])
        gscale = -1.0 if group["maximize"] else 1.0
        for p, grad, slots in self._params_with_grad(group, lambda p: {"momentum_buffer": None}):
            buf = slots["momentum_buffer"]
            damp = dampening
            if momentum != 0.0 and buf is None:  # first step: b = 0*momentum + 1*g = g exactly
                buf = slots["momentum_buffer"] = self._zeros(p)
                damp = 0.0
            sgd_update(p.data, grad.data, buf, lr, momentum, damp, nesterov, False, wd, 1.0, gscale, INF)
