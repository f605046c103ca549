"""Keras merge layers: combine a LIST of tensors into one (the functional API's joins).

    Add: Σ xₖ    Subtract: x₀ - x₁    Multiply: Π xₖ    Average: (1/K)·Σ xₖ
    Maximum / Minimum: elementwise max / min    Concatenate: join along ``axis``

Gradients come from the elementwise and shape ops (add, mul, maximum, concatenate),
so each layer is a few lines.  The lowercase functions (``layers.add([a, b])``, ...)
build the layer and call it, as in Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import Tensor
from ...errors import ShapeError
from ...ops import concatenate as concat_op
from ...ops import maximum as maximum_op
from ...ops import minimum as minimum_op
from .base import Layer


class _Merge(Layer):
    """Checks that the input is a list of tensors whose shapes can be combined."""

    takes_list = True  # the functional API passes a list even for one input
    min_inputs = 1
    max_inputs: int | None = None

    def _check_count(self, shapes: Any) -> None:
        name = type(self).__name__
        if not isinstance(shapes, list):
            raise TypeError(f"{name} layer {self.name!r} must be called on a list of tensors, "
                            f"e.g. {name}()([a, b]); got a single input of shape {shapes}")
        n = len(shapes)
        if n < self.min_inputs or (self.max_inputs is not None and n > self.max_inputs):
            expected = self.min_inputs if self.max_inputs == self.min_inputs else f"at least {self.min_inputs}"
            raise ValueError(f"{name} layer {self.name!r} expects {expected} inputs, got {n}")

    def _check_shapes(self, shapes: list[tuple]) -> None:
        """Shapes must agree; a size 1 may broadcast against a larger size (as Keras allows)."""
        layer = f"{type(self).__name__} layer {self.name!r}"
        if len({len(s) for s in shapes}) > 1:
            raise ShapeError(f"{layer} expected inputs of the same rank, got shapes {list(shapes)}")
        if len({s[0] if s else None for s in shapes}) > 1:  # sizes are concrete when called on data
            raise ShapeError(f"{layer} expected inputs with the same batch size, got shapes {list(shapes)}")
        try:
            np.broadcast_shapes(*[tuple(1 if n is None else n for n in s) for s in shapes])
        except ValueError:
            raise ShapeError(f"{layer} expected inputs of the same shape, got shapes {list(shapes)}") from None

    def build(self, input_shape: Any) -> None:
        self._check_count(input_shape)
        self._check_shapes(input_shape)

    def call(self, inputs: Any, training: bool | None = None) -> Tensor:
        shapes = [t.shape for t in inputs] if isinstance(inputs, list) else inputs.shape
        self._check_count(shapes)
        self._check_shapes(shapes)
        return self._merge(inputs)

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        raise NotImplementedError


def _fold(fn: Any, inputs: list[Tensor]) -> Tensor:
    out = inputs[0]
    for t in inputs[1:]:
        out = fn(out, t)
    return out


class Add(_Merge):
    """y = x₀ + x₁ + ... (e.g. a residual connection)."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return _fold(lambda a, b: a + b, inputs)


class Subtract(_Merge):
    """y = x₀ - x₁ (exactly two inputs)."""

    min_inputs = max_inputs = 2

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """y = x₀ ⊙ x₁ ⊙ ... (elementwise product, e.g. a gate)."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return _fold(lambda a, b: a * b, inputs)


class Average(_Merge):
    """y = (x₀ + x₁ + ...) / K."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return _fold(lambda a, b: a + b, inputs) * (1.0 / len(inputs))


class Maximum(_Merge):
    """y = max(x₀, x₁, ...) elementwise (the gradient goes to the largest input)."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return _fold(maximum_op, inputs)


class Minimum(_Merge):
    """y = min(x₀, x₁, ...) elementwise."""

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return _fold(minimum_op, inputs)


class Concatenate(_Merge):
    """Join along ``axis`` (default -1, the features); all other sizes must agree."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Concatenate axis must be an int, got {axis!r}")
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, shapes: list[tuple]) -> None:
        rank = len(shapes[0])
        bad = any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank
        if not bad:
            axis = self.axis % rank
            rest = {tuple(n for i, n in enumerate(s) if i != axis) for s in shapes}
            bad = len(rest) > 1
        if bad:
            raise ShapeError(f"Concatenate layer {self.name!r} expected inputs of the same shape except "
                             f"on axis {self.axis}, got shapes {list(shapes)}")

    def _merge(self, inputs: list[Tensor]) -> Tensor:
        return concat_op(inputs, axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """``layers.add([a, b])`` = ``layers.Add()([a, b])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    return Multiply(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    return Average(**kwargs)(inputs)


def maximum(inputs: list[Any], **kwargs: Any) -> Any:
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list[Any], **kwargs: Any) -> Any:
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    return Concatenate(axis=axis, **kwargs)(inputs)
