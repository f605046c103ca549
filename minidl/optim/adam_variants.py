"""Relatives of Adam with PyTorch's rules: ``NAdam``, ``Adamax`` and ``RAdam``.

Each follows the formula of ``torch.optim`` of the same name (defaults included), written
with plain array operations (NumPy or CuPy): they are less used than Adam, so they have no
fused kernel.  Keras's ``Nadam`` and ``Adamax`` (``minidl.keras.optimizers``) differ in
their defaults and, for Nadam, in the momentum schedule; see their docstrings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..backend import get_array_module
from ..kernels.optim_updates import INF, _effective
from .adam import check_moments
from .optimizer import Optimizer, check_range

__all__ = ["NAdam", "Adamax", "RAdam"]


class _AdamLike(Optimizer):
    """Shared checks of ``lr``, ``betas``, ``eps`` and ``weight_decay``."""

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_moments(type(self).__name__, group)

    def _gradient(self, group: dict[str, Any], p: Any, grad: Any) -> Any:
        """The gradient to use (negated for ``maximize``), after weight decay: decoupled
        (``p = p·(1 - lr·wd)``, in place) or coupled (``g + wd·p``)."""
        wd = float(group["weight_decay"])
        decoupled = bool(group.get("decoupled_weight_decay", False))
        decay = 1.0 - float(group["lr"]) * wd if decoupled else 1.0
        return _effective(p.data, grad.data, 0.0 if decoupled else wd, decay,
                          -1.0 if group["maximize"] else 1.0, INF)


class NAdam(_AdamLike):
    r"""Adam with Nesterov momentum (Dozat, 2016), PyTorch's form.

    At step ``t``, with the momentum schedule ``μ_t = β1·(1 - ½·0.96^(t·momentum_decay))``
    and ``Π_t = μ_1·μ_2···μ_t``::

        m = β1·m + (1 - β1)·g            v = β2·v + (1 - β2)·g²
        d = sqrt(v / (1 - β2^t)) + eps
        p = p - lr·(1 - μ_t)/(1 - Π_t) · g/d - lr·μ_{t+1}/(1 - Π_t·μ_{t+1}) · m/d

    The first term is the gradient's own share of the step, the second a look-ahead with
    the next momentum.  Defaults as PyTorch: lr 2e-3, eps 1e-8, ``momentum_decay=4e-3``;
    ``decoupled_weight_decay=True`` decays the weights directly (NAdamW).  Keras's Nadam
    uses ``momentum_decay`` 0.04 in effect (0.96^t) and adds eps to ``sqrt(v̂)`` likewise.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_range("NAdam", "momentum_decay", group["momentum_decay"])

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        psi = float(group["momentum_decay"])

        def new_slots(p: Any) -> dict[str, Any]:
            return {"step": 0, "mu_product": 1.0, "exp_avg": self._zeros(p), "exp_avg_sq": self._zeros(p)}

        for p, grad, slots in self._params_with_grad(group, new_slots):
            t = slots["step"] = slots["step"] + 1
            g = self._gradient(group, p, grad)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            mu_product = slots["mu_product"] = slots["mu_product"] * mu
            m, v = slots["exp_avg"], slots["exp_avg_sq"]
            m += (1.0 - beta1) * (g - m)
            v *= beta2
            v += (1.0 - beta2) * g * g
            denom = get_array_module(v).sqrt(v / (1.0 - beta2**t)) + eps
            p.data -= (lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
            p.data -= (lr * mu_next / (1.0 - mu_product * mu_next)) * m / denom


class Adamax(_AdamLike):
    r"""Adamax (Kingma & Ba, 2015, section 7): Adam with the infinity norm, PyTorch's form.

    ::

        m = β1·m + (1 - β1)·g
        u = max(β2·u, |g| + eps)             # an exponentially weighted max of |g|
        p = p - lr/(1 - β1^t) · m/u

    Defaults as PyTorch: lr 2e-3, eps 1e-8 (Keras: lr 1e-3, eps 1e-7 added to ``u`` in
    the division instead of inside the max).
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])

        def new_slots(p: Any) -> dict[str, Any]:
            return {"step": 0, "exp_avg": self._zeros(p), "exp_inf": self._zeros(p)}

        for p, grad, slots in self._params_with_grad(group, new_slots):
            t = slots["step"] = slots["step"] + 1
            g = self._gradient(group, p, grad)
            m, u = slots["exp_avg"], slots["exp_inf"]
            m += (1.0 - beta1) * (g - m)
            u *= beta2
            get_array_module(u).maximum(u, abs(g) + eps, out=u)
            p.data -= (lr / (1.0 - beta1**t)) * m / u


class RAdam(_AdamLike):
    r"""Rectified Adam (Liu et al., 2020), PyTorch's form.

    Early on, ``v`` rests on few gradients and its variance is large; RAdam steps with
    plain momentum until the length of the approximated simple moving average
    ``ρ_t = ρ_∞ - 2t·β2^t/(1 - β2^t)`` (``ρ_∞ = 2/(1 - β2) - 1``) exceeds 5::

        m = β1·m + (1 - β1)·g        v = β2·v + (1 - β2)·g²        m̂ = m/(1 - β1^t)
        ρ_t > 5:  r = sqrt((ρ_t-4)(ρ_t-2)ρ_∞ / ((ρ_∞-4)(ρ_∞-2)ρ_t))
                  p = p - lr·r·m̂·sqrt(1 - β2^t)/(sqrt(v) + eps)
        else:     p = p - lr·m̂

    Defaults as PyTorch (lr 1e-3, eps 1e-8); ``decoupled_weight_decay=True`` as AdamW.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        rho_inf = 2.0 / (1.0 - beta2) - 1.0

        def new_slots(p: Any) -> dict[str, Any]:
            return {"step": 0, "exp_avg": self._zeros(p), "exp_avg_sq": self._zeros(p)}

        for p, grad, slots in self._params_with_grad(group, new_slots):
            t = slots["step"] = slots["step"] + 1
            g = self._gradient(group, p, grad)
            m, v = slots["exp_avg"], slots["exp_avg_sq"]
            m += (1.0 - beta1) * (g - m)
            v *= beta2
            v += (1.0 - beta2) * g * g
            bias2 = 1.0 - beta2**t
            step_size = lr / (1.0 - beta1**t)
            rho_t = rho_inf - 2.0 * t * beta2**t / bias2
            if rho_t > 5.0:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                p.data -= (step_size * rect * math.sqrt(bias2)) * m / (get_array_module(v).sqrt(v) + eps)
            else:
                p.data -= step_size * m
