"""Activation functions by name, as ``keras.activations`` (``activation="relu"``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import functional as F
from ..autograd import Tensor


def linear(x: Tensor) -> Tensor:
    return x


def swish(x: Tensor) -> Tensor:
    """x·σ(x) (also called SiLU)."""
    return x * F.sigmoid(x)


def selu(x: Tensor) -> Tensor:
    """λ·elu(x, α) with the self-normalising constants of Klambauer et al."""
    return 1.0507009873554805 * F.elu(x, 1.6732632423543772)


def exponential(x: Tensor) -> Tensor:
    return x.exp()


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6)."""
    return x.clip(0.0, 6.0)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return x / (x.abs() + 1.0)


def hard_sigmoid(x: Tensor) -> Tensor:
    """relu6(x + 3) / 6: a piecewise-linear sigmoid (Keras 3's definition)."""
    return relu6(x + 3.0) * (1.0 / 6.0)


def hard_silu(x: Tensor) -> Tensor:
    """x·hard_sigmoid(x) (also called hard_swish)."""
    return x * hard_sigmoid(x)


def mish(x: Tensor) -> Tensor:
    """x·tanh(softplus(x))."""
    return x * F.tanh(F.softplus(x))


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": linear, "relu": F.relu, "sigmoid": F.sigmoid, "tanh": F.tanh,
    "softmax": F.softmax, "log_softmax": F.log_softmax, "elu": F.elu, "selu": selu,
    "gelu": F.gelu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "softplus": F.softplus,
    "swish": swish, "silu": swish, "exponential": exponential, "relu6": relu6, "softsign": softsign,
    "hard_sigmoid": hard_sigmoid, "hard_silu": hard_silu, "hard_swish": hard_silu, "mish": mish,
}
for _name, _fn in list(ACTIVATIONS.items()):
    globals().setdefault(_name, _fn)
relu, sigmoid, tanh, softmax = F.relu, F.sigmoid, F.tanh, F.softmax


def get(identifier: Any) -> Callable[[Tensor], Tensor]:
    """An activation from a name, None (linear) or a callable."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in ACTIVATIONS:
        return ACTIVATIONS[identifier.lower()]
    raise ValueError(
        f"unknown activation {identifier!r}; valid names are: {', '.join(sorted(ACTIVATIONS))}"
    )


def serialize(fn: Callable) -> str:
    for name, known in ACTIVATIONS.items():
        if known is fn:
            return name
    raise ValueError(f"cannot save the custom activation {fn!r}; use one of {sorted(ACTIVATIONS)}")
