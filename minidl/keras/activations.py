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


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": linear, "relu": F.relu, "sigmoid": F.sigmoid, "tanh": F.tanh,
    "softmax": F.softmax, "log_softmax": F.log_softmax, "elu": F.elu, "selu": selu,
    "gelu": F.gelu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "softplus": F.softplus,
    "swish": swish, "silu": swish, "exponential": exponential,
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
