"""Keras ``Conv2DTranspose``: the learnable upsampling of autoencoders, U-Nets and GAN generators.

Channels last; kernel (kh, kw, filters, in_channels) as Keras 3.  The maths is that of
:mod:`minidl.ops.conv_transpose` (the gradient of a convolution with respect to its input,
run on the convolution's im2col/col2im kernels).
"""

from __future__ import annotations

from typing import Any

from ... import functional as F
from ...autograd import Tensor
from ...errors import ShapeError
from ...ops.conv import pair
from ...ops.conv_transpose import output_padding_pair
from .base import Layer, check_positive_int
from .conv import _check_image, _padding
from .kernel_options import kernel_options_config, set_kernel_options


class Conv2DTranspose(Layer):
    """Transposed 2-D convolution: (N, H, W, C) -> (N, H', W', filters).

    ``padding="valid"``: H' = (H - 1)·s + k (H·s when s > k); ``"same"``: H' = H·s.  With
    ``output_padding`` p (each value smaller than the stride): H' = (H - 1)·s + k + p for
    "valid" and (H - 1)·s + k - 2·(k // 2) + p for "same", as Keras 3.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 output_padding: Any = None, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any) -> None:
        filters = check_positive_int("Conv2DTranspose", "filters", filters)
        kernel_size = pair(kernel_size, "kernel_size")
        strides = pair(strides, "strides")
        padding = _padding(padding)
        output_padding = output_padding_pair(output_padding, strides, "Conv2DTranspose")
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides, self.padding = filters, kernel_size, strides, padding
        self.output_padding = None if output_padding == (None, None) else output_padding
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer,
                           kernel_regularizer, bias_regularizer)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ShapeError(f"Conv2DTranspose layer {self.name!r} expected 4-D input (batch, height, width, "
                             f"channels), got shape {input_shape}")
        shape = (*self.kernel_size, self.filters, input_shape[-1])
        self.add_weight("kernel", shape, self.kernel_initializer, self.kernel_regularizer)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self.bias_initializer, self.bias_regularizer)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x, self.kernel.shape[3])
        bias = self.bias if self.use_bias else None
        y = F.conv_transpose2d(x, self.kernel, bias, self.strides, self.padding, self.output_padding)
        return self.activation(y)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "output_padding": None if self.output_padding is None else list(self.output_padding),
                **kernel_options_config(self)}
