"""Layers that apply a fixed function: Rescaling (x·scale + offset) and Lambda (any function)."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ...autograd import Tensor
from ...errors import MinidlError
from .activation_layers import as_float
from .base import Layer


class LambdaNotSerializableError(MinidlError, NotImplementedError):
    """A model holding a Lambda layer was saved: its function is Python code, which minidl does not store."""


def _scale_value(name: str, value: Any) -> float | tuple[float, ...]:
    """A number, or a sequence of numbers (one per channel, broadcast over the last axis)."""
    def is_number(v: Any) -> bool:
        return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))

    if is_number(value):
        return float(value)
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) and all(is_number(v) for v in value):
        return tuple(float(v) for v in value)
    raise ValueError(f"Rescaling {name} must be a number or a list of numbers (one per channel), got {value!r}")


class Rescaling(Layer):
    """y = x·scale + offset, e.g. ``Rescaling(1./255)`` maps uint8 pixels to [0, 1]
    (``Rescaling(1./127.5, offset=-1)`` to [-1, 1]).  Integer input becomes float first."""

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        scale, offset = _scale_value("scale", scale), _scale_value("offset", offset)
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        x = as_float(x)
        for name, value in (("scale", self.scale), ("offset", self.offset)):
            if isinstance(value, tuple) and (x.ndim == 0 or x.shape[-1] != len(value)):
                raise ValueError(f"Rescaling layer {self.name!r}: {name} has {len(value)} values (one per "
                                 f"channel) but the input has shape {x.shape}")
        scale = self.scale if isinstance(self.scale, float) else np.asarray(self.scale, dtype=x.dtype)
        offset = self.offset if isinstance(self.offset, float) else np.asarray(self.offset, dtype=x.dtype)
        return x * scale + offset

    def get_config(self) -> dict:
        def plain(v: Any) -> Any:
            return list(v) if isinstance(v, tuple) else v

        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}


class Lambda(Layer):
    """Wrap a function of the input as a layer: ``Lambda(lambda x: x ** 2)``.

    The function receives a minidl Tensor and must compute with minidl ops (``x.exp()``,
    ``mdl.concatenate``, ...) so that gradients flow.  ``arguments`` are extra keyword
    arguments for it; when it accepts ``training`` it gets the training flag too.
    The output shape is found by running the function (``output_shape`` is accepted for
    Keras compatibility and not needed).  Saving a model with a Lambda raises
    :class:`LambdaNotSerializableError`: a Python function cannot be stored safely
    (loading a model never executes code from the file).
    """

    def __init__(self, function: Callable, output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs: Any) -> None:
        if not callable(function):
            raise TypeError(f"Lambda needs a callable function, got {function!r}")
        if mask is not None:
            raise ValueError(f"Lambda: mask={mask!r} is not supported by minidl; expected None")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda arguments must be a dict of keyword arguments, got {arguments!r}")
        if output_shape is not None and not (callable(output_shape) or isinstance(output_shape, (list, tuple))):
            raise TypeError(f"Lambda output_shape must be a tuple, a function or None, got {output_shape!r}")
        super().__init__(**kwargs)
        self.function, self.output_shape_arg = function, output_shape
        self.arguments = dict(arguments or {})
        try:
            parameters = inspect.signature(function).parameters
            self._passes_training = "training" in parameters
        except (TypeError, ValueError):  # builtins without a signature
            self._passes_training = False

    def call(self, x: Any, training: bool | None = None) -> Any:
        extra = {"training": training} if self._passes_training else {}
        return self.function(x, **self.arguments, **extra)

    def get_config(self) -> dict:
        name = getattr(self.function, "__name__", repr(self.function))
        raise LambdaNotSerializableError(
            f"Lambda layer {self.name!r} (function {name}) cannot be saved: a Python function cannot "
            "be stored safely (loading a model never executes code from the file). Save the weights "
            "with model.save_weights(path) and rebuild the model in code, or write the computation as "
            "a Layer subclass and pass it to load_model(..., custom_objects={'Name': Class})"
        )
