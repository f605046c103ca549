"""Keras convolution and pooling layers (NHWC, HWIO kernels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import functional as F
from ...autograd import Tensor, is_grad_enabled
from ...errors import ShapeError
from ...ops.conv import conv2d_maxpool, conv2d_relu, pair
from .. import activations
from .base import Layer
from .kernel_options import kernel_options_config, set_kernel_options
from .masking import as_mask, step_weights


def _padding(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {value!r}")
    return value.lower()


def _check_image(layer: Layer, x: Tensor, channels: int | None = None) -> None:
    if x.ndim != 4:
        raise ShapeError(f"{type(layer).__name__} layer {layer.name!r} expected 4-D input "
                         f"(batch, height, width, channels), got shape {x.shape}")
    if channels is not None and x.shape[-1] != channels:
        raise ShapeError(f"{type(layer).__name__} layer {layer.name!r} expected input with {channels} "
                         f"channels (last axis), got shape {x.shape}")


class Conv2D(Layer):
    """2-D convolution: (N, H, W, C) -> (N, H', W', filters)."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any) -> None:
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"Conv2D filters must be a positive int, got {filters!r}")
        self_kernel = pair(kernel_size, "kernel_size")
        self_strides = pair(strides, "strides")
        self_padding = _padding(padding)
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = int(filters), self_kernel, self_strides
        self.padding = self_padding
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ShapeError(f"Conv2D layer {self.name!r} expected 4-D input (batch, height, width, "
                             f"channels), got shape {input_shape}")
        shape = (*self.kernel_size, input_shape[-1], self.filters)
        self.add_weight("kernel", shape, self.kernel_initializer, self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, self.bias_regularizer)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x, self.kernel.shape[2])
        bias = self.bias if self.use_bias else None
        if self.activation is F.relu:  # one fused node: ReLU applied while the output is in cache
            return conv2d_relu(x, self.kernel, bias, self.strides, self.padding)
        return self.activation(F.conv2d(x, self.kernel, bias, self.strides, self.padding))

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                **kernel_options_config(self)}


class MaxPooling2D(Layer):
    """Maximum over windows; ``strides=None`` means the pool size."""

    pool = staticmethod(F.max_pool2d)

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 **kwargs: Any) -> None:
        pool = pair(pool_size, "pool_size")
        strides = None if strides is None else pair(strides, "strides")
        padding = _padding(padding)
        super().__init__(**kwargs)
        self.pool_size, self.strides, self.padding = pool, strides, padding

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x)
        return type(self).pool(x, self.pool_size, self.strides, self.padding)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": None if self.strides is None else list(self.strides), "padding": self.padding}


class AveragePooling2D(MaxPooling2D):
    """Mean over windows (with "same", border windows average the real pixels only)."""

    pool = staticmethod(F.avg_pool2d)


class GlobalAveragePooling2D(Layer):
    """(N, H, W, C) -> (N, C): the mean of each channel over the image."""

    def __init__(self, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keepdims = keepdims

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x)
        return x.mean(axis=(1, 2), keepdims=self.keepdims)

    def get_config(self) -> dict:
        return {**super().get_config(), "keepdims": self.keepdims}


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """(N, H, W, C) -> (N, C): the maximum of each channel over the image."""

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x)
        return x.max(axis=(1, 2), keepdims=self.keepdims)


class GlobalAveragePooling1D(GlobalAveragePooling2D):
    """(N, T, C) -> (N, C): the mean of each feature over the sequence (e.g. after Embedding).

    With a mask (``Embedding(mask_zero=True)``, ``mask=``) the mean of the valid steps only,
    as Keras: y = Σₜ mₜ xₜ / Σₜ mₜ (NaN for a sequence with no valid step, as Keras).
    """

    supports_masking = True
    mask_aware = True  # uses the mask and ends it

    def call(self, x: Tensor, training: bool | None = None, mask: Any = None) -> Tensor:
        _check_sequence(self, x)
        mask = as_mask(mask, x, f"GlobalAveragePooling1D layer {self.name!r}")
        if mask is None:
            return x.mean(axis=1, keepdims=self.keepdims)
        weights = step_weights(mask, x.dtype)
        return (x * weights).sum(axis=1, keepdims=self.keepdims) / weights.sum(axis=1, keepdims=self.keepdims)


class GlobalMaxPooling1D(GlobalAveragePooling2D):
    """(N, T, C) -> (N, C): the maximum of each feature over the sequence."""

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_sequence(self, x)
        return x.max(axis=1, keepdims=self.keepdims)


def _check_sequence(layer: Layer, x: Tensor) -> None:
    if x.ndim != 3:
        raise ShapeError(f"{type(layer).__name__} layer {layer.name!r} expected 3-D input "
                         f"(batch, steps, features), got shape {x.shape}")


def fused_conv_pool(conv: Layer, pool: Layer, x: Tensor) -> Tensor | None:
    """``pool(conv(x))`` in one kernel call for inference, or None when it does not apply.

    Applies to a plain Conv2D with ReLU or no activation followed by a "valid"
    MaxPooling2D, both built, when no graph is recorded (``predict``, ``no_grad``):
    the kernel computes only the conv pixels the pooling reads and pools them in cache.
    """
    if (type(conv) is not Conv2D or type(pool) is not MaxPooling2D or pool.padding != "valid"
            or not (conv.built and pool.built) or is_grad_enabled()
            or conv.activation not in (F.relu, activations.linear)):
        return None
    _check_image(conv, x, conv.kernel.shape[2])
    return conv2d_maxpool(x, conv.kernel, conv.bias if conv.use_bias else None, conv.strides, conv.padding,
                          conv.activation is F.relu, pool.pool_size, pool.strides)
