"""Keras layers for sequences (N, steps, channels): Conv1D, MaxPooling1D, AveragePooling1D,
UpSampling1D, ZeroPadding1D, Cropping1D.

Channels last, as Keras's default ``data_format="channels_last"``.  The maths is that of
:mod:`minidl.conv1d` (the 2-D kernels on sequences seen as height-1 images); the shape
layers are shape ops (``pad``, slicing, ``broadcast_to``) whose gradients send every value
back where it came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import functional as F
from ...autograd import Tensor
from ...conv1d import check_padding_1d, single
from ...errors import ShapeError
from ...ops.shape import broadcast_to, pad
from .base import Layer, check_positive_int
from .kernel_options import kernel_options_config, set_kernel_options


def _check_sequence(layer: Layer, x: Tensor, channels: int | None = None) -> None:
    if x.ndim != 3:
        raise ShapeError(f"{type(layer).__name__} layer {layer.name!r} expected 3-D input "
                         f"(batch, steps, channels), got shape {x.shape}")
    if channels is not None and x.shape[-1] != channels:
        raise ShapeError(f"{type(layer).__name__} layer {layer.name!r} expected input with {channels} "
                         f"channels (last axis), got shape {x.shape}")


def _keras_padding(owner: str, value: Any, allow_causal: bool) -> str:
    """The padding name, lower-cased; Keras layers take names only (an int padding is PyTorch's)."""
    return check_padding_1d(value, owner, allow_int=False, allow_causal=allow_causal)


class Conv1D(Layer):
    """1-D convolution over steps: (N, steps, C) -> (N, steps', filters); kernel (k, C, filters).

    ``padding="causal"`` puts (k - 1)·dilation_rate zeros before the sequence only, so the
    output at step t depends on steps <= t (WaveNet-style time series models).
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 dilation_rate: Any = 1, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any) -> None:
        filters = check_positive_int("Conv1D", "filters", filters)
        kernel_size = single(kernel_size, "kernel_size", "Conv1D")
        strides = single(strides, "strides", "Conv1D")
        dilation_rate = single(dilation_rate, "dilation_rate", "Conv1D")
        if strides > 1 and dilation_rate > 1:  # Keras refuses the combination too
            raise ValueError(f"Conv1D: strides > 1 is not supported together with dilation_rate > 1, got "
                             f"strides={strides} and dilation_rate={dilation_rate}")
        padding = _keras_padding("Conv1D", padding, allow_causal=True)
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = filters, (kernel_size,), (strides,)
        self.padding, self.dilation_rate = padding, (dilation_rate,)
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ShapeError(f"Conv1D layer {self.name!r} expected 3-D input (batch, steps, channels), "
                             f"got shape {input_shape}")
        shape = (self.kernel_size[0], input_shape[-1], self.filters)
        self.add_weight("kernel", shape, self.kernel_initializer, self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, self.bias_regularizer)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_sequence(self, x, self.kernel.shape[1])
        bias = self.bias if self.use_bias else None
        y = F.conv1d(x, self.kernel, bias, self.strides[0], self.padding, self.dilation_rate[0])
        return self.activation(y)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "dilation_rate": list(self.dilation_rate),
                **kernel_options_config(self)}


class MaxPooling1D(Layer):
    """Maximum over windows of ``pool_size`` steps; ``strides=None`` means the pool size."""

    pool = staticmethod(F.max_pool1d)

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid", **kwargs: Any) -> None:
        owner = type(self).__name__
        pool_size = single(pool_size, "pool_size", owner)
        strides = pool_size if strides is None else single(strides, "strides", owner)
        padding = _keras_padding(owner, padding, allow_causal=False)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = (pool_size,), (strides,), padding

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_sequence(self, x)
        return type(self).pool(x, self.pool_size[0], self.strides[0], self.padding)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding}


class AveragePooling1D(MaxPooling1D):
    """Mean over windows of steps (with "same", border windows average the real steps only).

    ``pool_size`` has no default, as in Keras 3."""

    pool = staticmethod(F.avg_pool1d)

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid", **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, **kwargs)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _ends(owner: str, name: str, value: Any) -> tuple[int, int]:
    """Keras's ``n`` or ``(start, end)`` as a pair of non-negative ints."""
    pair = (value, value) if _is_int(value) else value
    if isinstance(pair, (tuple, list)) and len(pair) == 2 and all(_is_int(v) and v >= 0 for v in pair):
        return int(pair[0]), int(pair[1])
    raise ValueError(f"{owner} {name} must be a non-negative int or a pair (start, end) of them, got {value!r}")


class ZeroPadding1D(Layer):
    """Add zero steps at both ends of each sequence: (N, L, C) -> (N, start + L + end, C)."""

    def __init__(self, padding: Any = 1, **kwargs: Any) -> None:
        ends = _ends("ZeroPadding1D", "padding", padding)
        super().__init__(**kwargs)
        self.padding = ends

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_sequence(self, x)
        return pad(x, ((0, 0), self.padding, (0, 0)))

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": list(self.padding)}


class Cropping1D(Layer):
    """Remove steps at both ends of each sequence: (N, L, C) -> (N, L - start - end, C)."""

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        ends = _ends("Cropping1D", "cropping", cropping)
        super().__init__(**kwargs)
        self.cropping = ends

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_sequence(self, x)
        start, end = self.cropping
        if start + end >= x.shape[1]:
            raise ShapeError(f"Cropping1D layer {self.name!r}: cropping {self.cropping} leaves nothing of "
                             f"sequences of {x.shape[1]} steps (input shape {x.shape})")
        return x[:, start:x.shape[1] - end, :]

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": list(self.cropping)}


class UpSampling1D(Layer):
    """Repeat each step ``size`` times: (N, L, C) -> (N, L·size, C).

    As shape ops: (N, L, 1, C) broadcast to (N, L, size, C), merged into (N, L·size, C); the
    gradient of the broadcast sums the ``size`` copies back onto their step.
    """

    def __init__(self, size: Any = 2, **kwargs: Any) -> None:
        size = check_positive_int("UpSampling1D", "size", size)
        super().__init__(**kwargs)
        self.size = size

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_sequence(self, x)
        n, length, c = x.shape
        return broadcast_to(x.reshape(n, length, 1, c), (n, length, self.size, c)).reshape(n, length * self.size, c)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}
