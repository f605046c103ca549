"""Adam and AdamW (PyTorch's rules)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..kernels.optim_updates import INF, adam_update
from .optimizer import Optimizer, check_range


def check_moments(name: str, group: dict[str, Any]) -> None:
    """The checks Adam and its variants share: ``eps``, ``weight_decay`` and ``betas``, a
    pair of decays in [0, 1) (stored back as a tuple)."""
    check_range(name, "eps", group["eps"])
    check_range(name, "weight_decay", group["weight_decay"])
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    group["betas"] = tuple(betas)
    check_range(name, "betas[0]", betas[0], 0.0, 1.0, high_open=True)
    check_range(name, "betas[1]", betas[1], 0.0, 1.0, high_open=True)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015): per-element steps scaled by moving moments of the gradient.

    At step ``t``, with ``g = grad + weight_decay * p`` (coupled L2 decay, as PyTorch)::

        m = beta1 * m + (1 - beta1) * g                 # first moment (mean)
        v = beta2 * v + (1 - beta2) * g**2              # second moment (uncentered variance)
        m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t)     # bias corrections
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    ``amsgrad=True`` uses the running maximum of ``v`` instead of ``v``.  Each parameter
    counts its own steps ``t`` (``state[p]["step"]``).

    With an adaptive optimizer, L2 decay added to the gradient is also divided by
    ``sqrt(v_hat)``: weights with large gradients are decayed less.  :class:`AdamW`
    decays the weights directly instead.
    """

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False) -> None:  # fmt: skip
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_moments(type(self).__name__, group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        eps = float(group["eps"])
        amsgrad = bool(group["amsgrad"])
        gscale = -1.0 if group["maximize"] else 1.0
        wd = float(group["weight_decay"])
        coupled, decay = (0.0, 1.0 - lr * wd) if self._decoupled else (wd, 1.0)
        def new_slots(p: Any) -> dict[str, Any]:
            slots = {"step": 0, "exp_avg": self._zeros(p), "exp_avg_sq": self._zeros(p)}
            if amsgrad:
                slots["max_exp_avg_sq"] = self._zeros(p)
            return slots

        for p, grad, slots in self._params_with_grad(group, new_slots):
            t = slots["step"] + 1
            slots["step"] = t
            step_size = lr / (1.0 - beta1**t)
            bc2_sqrt = math.sqrt(1.0 - beta2**t)
            adam_update(p.data, grad.data, slots["exp_avg"], slots["exp_avg_sq"],
                        slots.get("max_exp_avg_sq"), step_size, beta1, beta2, eps, bc2_sqrt,
                        amsgrad, coupled, decay, gscale, INF)  # fmt: skip


class AdamW(Adam):
    r"""Adam with *decoupled* weight decay (Loshchilov & Hutter, 2019).

    Before the Adam step the weights shrink directly, ``p = p * (1 - lr * weight_decay)``,
    instead of adding ``weight_decay * p`` to the gradient.  So every weight decays at the
    same rate, whatever the size of its gradients.  Default ``weight_decay=1e-2``.
    """

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False) -> None:  # fmt: skip
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
