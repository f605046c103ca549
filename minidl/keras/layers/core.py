"""Core Keras layers: Input, Dense, Activation, Flatten, Reshape (Dropout: noise.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import functional as F
from ...autograd import Tensor
from ...backend import as_dtype
from ...errors import ShapeError
from ...ops.linalg import linear_relu
from .. import activations
from .base import KerasTensor, Layer, check_last_dim, check_shape, unique_name
from .kernel_options import kernel_options_config, set_kernel_options


class InputLayer(Layer):
    """Marks the model input; ``shape`` excludes the batch dimension."""

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = "float32",
                 name: str | None = None, input_shape: Any = None, batch_shape: Any = None,
                 **kwargs: Any) -> None:
        shape = shape if shape is not None else input_shape
        shape = _shape_from_batch_shape(shape, batch_shape)
        if shape is None:
            raise ValueError("Input needs shape=, e.g. Input(shape=(28, 28, 1))")
        shape = check_shape("Input shape", shape)
        super().__init__(name=name or unique_name("input_layer"), input_shape=shape, **kwargs)
        object.__setattr__(self, "dtype_", as_dtype(dtype))
        object.__setattr__(self, "output_shape_", (None, *shape))
        tensor = KerasTensor((None, *shape), dtype, history=(self, [], None), name=self.name)
        object.__setattr__(self, "_symbolic", (tensor, tensor))
        object.__setattr__(self, "built", True)

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        return inputs

    def get_config(self) -> dict:
        return {"name": self.name, "shape": list(self.batch_input_shape[1:]), "dtype": str(self.dtype_)}


def _shape_from_batch_shape(shape: Any, batch_shape: Any) -> Any:
    """Keras's ``batch_shape=(batch, *shape)``: the shape without its batch size (the
    batch dimension of a minidl model is always free)."""
    if batch_shape is None:
        return shape
    if shape is not None:
        raise ValueError(f"Input takes shape= or batch_shape=, not both (got shape={shape!r} and "
                         f"batch_shape={batch_shape!r})")
    if not isinstance(batch_shape, (list, tuple)) or len(batch_shape) < 1:
        raise ValueError(f"Input batch_shape must be a tuple (batch size or None, *shape), got {batch_shape!r}")
    return tuple(batch_shape[1:])


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = "float32",
          name: str | None = None, batch_shape: Any = None) -> KerasTensor:
    """A symbolic input for the functional API: ``x = Input(shape=(784,))``
    (or ``batch_shape=(None, 784)``)."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                      batch_shape=batch_shape).output


class Dense(Layer):
    """y = activation(x W + b), W of shape (input_dim, units)."""

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any) -> None:
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense units must be a positive int, got {units!r}")
        super().__init__(**kwargs)
        self.units = int(units)
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer)

    def build(self, input_shape: tuple) -> None:
        if input_shape[-1] is None:
            raise ShapeError(f"Dense layer {self.name!r} needs a known last input dimension, got {input_shape}")
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                        self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer, self.bias_regularizer)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        check_last_dim(self, x, self.kernel.shape[0])
        bias = self.bias if self.use_bias else None
        if self.activation is F.relu:  # one fused node: ReLU applied in place on the product
            return linear_relu(x, self.kernel, bias)
        return self.activation(F.linear(x, self.kernel, bias))

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                **kernel_options_config(self)}


class Activation(Layer):
    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        return self.activation(x)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1·d2·...)."""

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        return x.reshape(x.shape[0], -1)


class Reshape(Layer):
    """Reshape each example to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        target_shape = _target_shape(target_shape)
        super().__init__(**kwargs)
        self.target_shape = target_shape

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        per_example = int(np.prod(x.shape[1:]))
        known = int(np.prod([n for n in self.target_shape if n != -1]))
        if (-1 not in self.target_shape and known != per_example) or (known == 0 or per_example % known):
            raise ShapeError(f"Reshape layer {self.name!r} cannot reshape examples of shape "
                             f"{x.shape[1:]} into {self.target_shape}")
        return x.reshape(x.shape[0], *self.target_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


def _target_shape(value: Any) -> tuple[int, ...]:
    """Reshape's ``target_shape`` checked at once: positive ints, at most one -1 (inferred)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"Reshape target_shape must be a tuple of ints (without the batch size), "
                        f"e.g. (28, 28, 1) or ({value!r},); got {value!r}")
    ok = all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and (n >= 1 or n == -1)
             for n in value)
    if not ok or list(value).count(-1) > 1:
        raise ValueError(f"Reshape target_shape must hold positive ints and at most one -1 "
                         f"(a size to infer), got {tuple(value)!r}")
    return tuple(int(n) for n in value)
