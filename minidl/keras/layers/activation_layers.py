"""Activation layers with their own arguments: ReLU, LeakyReLU, Softmax, ELU, PReLU.

They compose minidl's autograd ops (``relu``, ``where``, ``clip``, ``softmax``, ``elu``),
so each gradient follows from the derivatives already written there.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from ... import functional as F
from ...autograd import Tensor
from ...backend import default_dtype
from ...errors import ShapeError
from ...ops.selection import where
from .. import initializers, regularizers
from .base import Layer


def as_float(x: Tensor) -> Tensor:
    """Integer or bool input (e.g. uint8 images) as the default float dtype, as Keras layers compute."""
    return x if x.dtype.kind == "f" else x.astype(default_dtype())


def check_number(owner: str, name: str, value: Any, minimum: float | None = None,
                 allow_none: bool = False) -> float | None:
    """A real number (not a bool), optionally >= ``minimum`` or None, or a clear ValueError."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or np.isnan(value):
        raise ValueError(f"{owner} {name} must be a number{' or None' if allow_none else ''}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner} {name} must be >= {minimum}, got {value!r}")
    return float(value)


class ReLU(Layer):
    """The general rectifier of Keras:

        f(x) = min(x, max_value)          if x > threshold
        f(x) = negative_slope·(x - threshold)  otherwise

    With the defaults it is max(x, 0).  Derivative: 1 on (threshold, max_value),
    0 above max_value, negative_slope below the threshold.
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:
        max_value = check_number("ReLU", "max_value", max_value, 0.0, allow_none=True)
        negative_slope = check_number("ReLU", "negative_slope", negative_slope, 0.0)
        threshold = check_number("ReLU", "threshold", threshold, 0.0)
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        x = as_float(x)
        if self.threshold == 0:
            positive = F.relu(x)
        else:  # x where x > threshold, else 0 (as Keras: the step at the threshold is kept)
            positive = where(x > self.threshold, x, 0.0)
        if self.max_value is not None:
            positive = positive.clip(None, self.max_value)
        if self.negative_slope == 0:
            return positive
        # below the threshold: negative_slope·(x - threshold) = -negative_slope·relu(threshold - x)
        return positive - F.relu(self.threshold - x) * self.negative_slope

    def get_config(self) -> dict:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """f(x) = x if x > 0 else negative_slope·x (Keras 3 default slope 0.3; PyTorch's is 0.01)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # the Keras 2 name, still accepted by Keras 3 with a warning
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU argument `alpha` is deprecated; use `negative_slope` instead",
                          UserWarning, stacklevel=2)
        negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope, 0.0)
        super().__init__(**kwargs)
        self.negative_slope = negative_slope

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        return F.leaky_relu(as_float(x), self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """f(x) = x if x > 0 else alpha·(eˣ - 1)."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        alpha = check_number("ELU", "alpha", alpha)
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        return F.elu(as_float(x), self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """Softmax over ``axis`` (an int, or a tuple of ints normalising over several axes together)."""

    def __init__(self, axis: int | tuple = -1, **kwargs: Any) -> None:
        axis = _axes("Softmax", axis)
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        x = as_float(x)
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        if any(not -x.ndim <= a < x.ndim for a in axes):
            raise ShapeError(f"Softmax layer {self.name!r}: axis {self.axis} is out of range for "
                             f"input of shape {x.shape}")
        if isinstance(self.axis, int):
            return F.softmax(x, self.axis)
        # several axes: e^(x - max) / Σ e^(x - max); the max is a constant shift (softmax ignores it)
        shifted = (x - x.max(axis=axes, keepdims=True).detach()).exp()
        return shifted / shifted.sum(axis=axes, keepdims=True)

    def get_config(self) -> dict:
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {**super().get_config(), "axis": axis}


def _axes(owner: str, axis: Any) -> int | tuple[int, ...]:
    def is_int(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

    if is_int(axis):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(is_int(a) for a in axis) \
            and len(set(axis)) == len(axis):
        return tuple(int(a) for a in axis)
    raise ValueError(f"{owner} axis must be an int or a tuple of distinct ints, got {axis!r}")


class PReLU(Layer):
    """f(x) = x if x > 0 else alpha·x, with a learned ``alpha`` per input element
    (shared along ``shared_axes``, e.g. ``shared_axes=[1, 2]`` for one alpha per channel).

    Computed as relu(x) - alpha·relu(-x); d/dx = 1 or alpha, d/dalpha = min(x, 0).
    """

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None, **kwargs: Any) -> None:
        if alpha_constraint is not None:
            raise ValueError(f"PReLU: alpha_constraint={alpha_constraint!r} is not supported by minidl; "
                             "expected None (the Keras default)")
        self_initializer = initializers.get(alpha_initializer)
        self_regularizer = regularizers.get(alpha_regularizer)
        shared = _shared_axes(shared_axes)
        super().__init__(**kwargs)
        self.alpha_initializer, self.alpha_regularizer = self_initializer, self_regularizer
        self.shared_axes = shared

    def build(self, input_shape: tuple) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise ShapeError(f"PReLU layer {self.name!r}: shared axis {axis} does not exist in "
                                 f"input of shape {input_shape}")
            shape[axis - 1] = 1
        if any(n is None for n in shape):
            raise ShapeError(f"PReLU layer {self.name!r} needs known input dimensions (or shared_axes "
                             f"over the unknown ones), got {input_shape}")
        self.add_weight("alpha", tuple(shape), self.alpha_initializer, self.alpha_regularizer)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        x = as_float(x)
        alpha_shape = self.alpha.shape
        if x.ndim != len(alpha_shape) + 1 or any(a not in (1, n) for a, n in zip(alpha_shape, x.shape[1:])):
            raise ShapeError(f"PReLU layer {self.name!r} was built for inputs of shape "
                             f"{self.input_spec_shape}, got shape {x.shape}")
        return F.relu(x) - self.alpha * F.relu(-x)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "shared_axes": None if self.shared_axes is None else list(self.shared_axes)}


def _shared_axes(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values or any(isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)) or a < 1
                         for a in values):
        raise ValueError(f"PReLU shared_axes must be positive ints (axis 1 is the first axis after "
                         f"the batch), got {value!r}")
    return tuple(int(a) for a in values)
