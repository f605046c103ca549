"""Keras-style optimizers (``minidl.keras.optimizers``), with Keras 3's rules and defaults.

``model.compile(optimizer="adam")`` or ``optimizer=optimizers.Adam(learning_rate=1e-3)``.
They differ from :mod:`minidl.optim` (PyTorch's rules) in small ways that change the
numbers, so each class spells its formula out:

- SGD momentum is a *velocity* that includes the learning rate: ``v = m*v - lr*g``;
- Adam's epsilon (default 1e-7) is added to the *uncorrected* ``sqrt(v)``; RMSprop
  and Adagrad put it inside the square root;
- ``weight_decay=`` is always *decoupled*: ``p = p - lr * wd * p`` before the update;
- ``clipnorm`` / ``global_clipnorm`` / ``clipvalue`` clip the gradients first.

Shared bookkeeping (learning rate, clipping, decay, saving) is in
:mod:`minidl.keras.base_optimizer`; the arithmetic is in
:mod:`minidl.kernels.optim_updates`, shared with :mod:`minidl.optim`.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from ..backend import get_array_module
from ..kernels.optim_updates import _effective, adagrad_update, adam_update, rmsprop_update, sgd_update
from . import schedules
from .base_optimizer import LearningRate, Optimizer, _number

# ``from minidl.keras.optimizers.schedules import ExponentialDecay`` works as in Keras.
sys.modules[__name__ + ".schedules"] = schedules

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax", "LearningRate", "get",
           "serialize", "deserialize", "schedules"]  # fmt: skip


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, Keras form.

    Without momentum: ``p = p - lr * g``.  With momentum ``m`` the velocity ``v``
    (which includes the learning rate) is updated first::

        v = m * v - lr * g
        p = p + v                   # nesterov=False
        p = p + m * v - lr * g      # nesterov=True
    """

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.momentum = _number("SGD", "momentum", momentum, 0.0, 1.0)
        self.nesterov = bool(nesterov)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum",) if self.momentum != 0.0 else ()

    def _update_all(self, work: list, lr: float, gclip: float) -> None:
        m, nesterov = self.momentum, self.nesterov
        for p, g, slots, gscale, decay in work:
            sgd_update(p, g, slots[0] if slots else None, lr, m, 0.0, nesterov, True,
                       0.0, decay, gscale, gclip)  # fmt: skip

    def _own_config(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class _Moments(Optimizer):
    """What Adam, Nadam and Adamax share: the decays of the first and second moments
    (``beta_1``, ``beta_2``) and ``epsilon``, with Keras 3's defaults."""

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        owner = type(self).__name__
        self.beta_1 = _number(owner, "beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = _number(owner, "beta_2", beta_2, 0.0, 1.0)
        self.epsilon = _number(owner, "epsilon", epsilon)

    def _own_config(self) -> dict[str, Any]:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adam(_Moments):
    """Adam, Keras form.  At step ``t = iterations + 1``::

        m = m + (1 - beta_1) * (g - m)
        v = v + (1 - beta_2) * (g**2 - v)
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        p = p - alpha * m / (sqrt(v) + epsilon)

    (PyTorch adds eps to the bias-corrected ``sqrt(v_hat)``; Keras to ``sqrt(v)``, with a
    default epsilon of 1e-7.)  ``amsgrad=True`` uses the running maximum of ``v``.
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay, clipnorm, clipvalue,
                         global_clipnorm, name, **kwargs)
        self.amsgrad = bool(amsgrad)

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    def _update_all(self, work: list, lr: float, gclip: float) -> None:
        b1, b2, eps, amsgrad = self.beta_1, self.beta_2, self.epsilon, self.amsgrad
        t = self.iterations + 1
        alpha = lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        for p, g, slots, gscale, decay in work:
            adam_update(p, g, slots[0], slots[1], slots[2] if amsgrad else None, alpha, b1, b2, eps,
                        1.0, amsgrad, 0.0, decay, gscale, gclip)  # fmt: skip

    def _own_config(self) -> dict[str, Any]:
        return {**super()._own_config(), "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004): ``p = p - lr * weight_decay * p``
    before each Adam step.  (Every Keras optimizer accepts ``weight_decay=``; AdamW only
    changes the default.)"""

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a number (default 0.004), got None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, clipnorm,
                         clipvalue, global_clipnorm, name, **kwargs)  # fmt: skip


class RMSprop(Optimizer):
    """RMSprop, Keras form (epsilon inside the square root, lr inside the momentum)::

        s = rho * s + (1 - rho) * g**2
        centered:  a = rho * a + (1 - rho) * g;  d = sqrt(s - a**2 + epsilon)
        otherwise: d = sqrt(s + epsilon)
        momentum > 0:  b = momentum * b + lr * g / d;  p = p - b
        otherwise:     p = p - lr * g / d
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.rho = _number("RMSprop", "rho", rho, 0.0, 1.0)
        self.momentum = _number("RMSprop", "momentum", momentum)
        self.epsilon = _number("RMSprop", "epsilon", epsilon)
        self.centered = bool(centered)

    def _slot_names(self) -> tuple[str, ...]:
        return (("velocity",) + (("momentum",) if self.momentum > 0 else ())
                + (("average_gradient",) if self.centered else ()))  # fmt: skip

    def _update_all(self, work: list, lr: float, gclip: float) -> None:
        rho, mom, eps, centered = self.rho, self.momentum, self.epsilon, self.centered
        for p, g, slots, gscale, decay in work:
            buf = slots[1] if mom > 0 else None
            gavg = slots[-1] if centered else None
            rmsprop_update(p, g, slots[0], gavg, buf, lr, rho, eps, mom, centered, True,
                           0.0, decay, gscale, gclip)  # fmt: skip

    def _own_config(self) -> dict[str, Any]:
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}  # fmt: skip


class Adagrad(Optimizer):
    """Adagrad, Keras form: ``s = s + g**2`` (from ``initial_accumulator_value``),
    ``p = p - lr * g / sqrt(s + epsilon)``."""

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name, **kwargs)
        self.initial_accumulator_value = _number("Adagrad", "initial_accumulator_value",
                                                 initial_accumulator_value)  # fmt: skip
        self.epsilon = _number("Adagrad", "epsilon", epsilon)

    def _slot_names(self) -> tuple[str, ...]:
        return ("accumulator",)

    def _new_slot(self, name: str, zeros: Any) -> Any:
        zeros += self.initial_accumulator_value
        return zeros

    def _update_all(self, work: list, lr: float, gclip: float) -> None:
        eps = self.epsilon
        for p, g, slots, gscale, decay in work:
            adagrad_update(p, g, slots[0], lr, eps, True, 0.0, decay, gscale, gclip)

    def _own_config(self) -> dict[str, Any]:
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


class Nadam(_Moments):
    """Adam with Nesterov momentum, Keras form.  At step ``t = iterations + 1``, with the
    momentum schedule ``u_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``U_t = u_1 * ... * u_t``::

        m = m + (1 - beta_1) * (g - m)
        v = v + (1 - beta_2) * (g**2 - v)
        m_hat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)
        v_hat = v / (1 - beta_2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + epsilon)

    PyTorch's NAdam (``minidl.optim.NAdam``) has the same shape but a slower schedule
    ``0.96**(t * momentum_decay)`` with ``momentum_decay=0.004``, lr 2e-3 and eps 1e-8.
    """

    def _slot_names(self) -> tuple[str, ...]:
        return ("momentum", "velocity")

    def _extra_scalars(self) -> tuple[float, ...]:
        return (self.__dict__.get("_u_product", (0, 1.0))[1],)  # Keras's u_product variable

    def _u(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def _product_until(self, t: int) -> float:
        """U_t = u_1 * ... * u_t, carried over from the last step (recomputed after a load)."""
        done, product = self.__dict__.get("_u_product", (0, 1.0))  # (t, U_t): from iterations, not saved
        if done > t:
            done, product = 0, 1.0
        for i in range(done + 1, t + 1):
            product *= self._u(i)
        self._u_product = (t, product)
        return product

    def _update_all(self, work: list, lr: float, gclip: float) -> None:
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        t = self.iterations + 1
        u_t, u_next = self._u(t), self._u(t + 1)
        product = self._product_until(t)
        for p, g, slots, gscale, decay in work:
            g = _effective(p, g, 0.0, decay, gscale, gclip)
            m, v = slots
            m += (1.0 - b1) * (g - m)
            v *= b2
            v += (1.0 - b2) * (g * g)
            m_hat = (u_next / (1.0 - product * u_next)) * m + ((1.0 - u_t) / (1.0 - product)) * g
            p -= lr * m_hat / (get_array_module(v).sqrt(v / (1.0 - b2**t)) + eps)


class Adamax(_Moments):
    """Adam with the infinity norm, Keras form.  At step ``t = iterations + 1``::

        m = m + (1 - beta_1) * (g - m)
        u = max(beta_2 * u, |g|)
        p = p - lr * m / ((1 - beta_1**t) * (u + epsilon))

    (PyTorch's Adamax puts eps inside the max, ``max(beta2 * u, |g| + eps)``, with lr 2e-3.)
    """

    def _slot_names(self) -> tuple[str, ...]:
        return ("m", "u")

    def _update_all(self, work: list, lr: float, gclip: float) -> None:
        b1, eps = self.beta_1, self.epsilon
        step_size = lr / (1.0 - b1 ** (self.iterations + 1))
        for p, g, slots, gscale, decay in work:
            g = _effective(p, g, 0.0, decay, gscale, gclip)
            m, u = slots
            m += (1.0 - b1) * (g - m)
            u *= self.beta_2
            get_array_module(u).maximum(u, abs(g), out=u)
            p -= step_size * m / (u + eps)


# ----------------------------------------------------------------------------- lookup
_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad,
            "nadam": Nadam, "adamax": Adamax}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": "Adam", "config": {...}}``: a JSON-able description."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """Rebuild an optimizer from :func:`serialize`'s dict (class names are case-insensitive)."""
    name = config.get("class_name") if isinstance(config, dict) else None
    custom = {k.lower(): v for k, v in (custom_objects or {}).items()}
    cls = custom.get(str(name).lower()) or _BY_NAME.get(str(name).lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {sorted(_BY_NAME)}")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``, ``"SGD"``, ...), a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {identifier!r}; expected one of {sorted(_BY_NAME)} "
                             "or an optimizer object")  # fmt: skip
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    hint = ""
    if type(identifier).__module__.startswith("minidl.optim"):
        hint = " (minidl.optim optimizers are for the PyTorch-style loop; use minidl.keras.optimizers)"
    raise TypeError(f"cannot make an optimizer from {identifier!r}; expected a name such as 'adam', "
                    f"a config dict or a minidl.keras.optimizers object{hint}")  # fmt: skip
