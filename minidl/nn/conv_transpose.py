"""PyTorch-style transposed 2-D convolution on NHWC images (``nn.ConvTranspose2d``).

PyTorch takes NCHW input and stores the weight as (in, out, kh, kw); minidl keeps channels
last and stores it as (kh, kw, out, in), Keras's Conv2DTranspose layout (see
:mod:`minidl.ops.conv_transpose`).  A PyTorch input ``x_nchw`` is ``x_nchw.transpose(0, 2, 3,
1)`` here, and a PyTorch weight ``w_iohw`` is ``w_iohw.transpose(2, 3, 1, 0)``.
"""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..autograd import Tensor
from ..ops.conv import pair
from ..ops.conv_transpose import output_padding_pair, transpose_padding
from .conv import kernel_and_bias
from .layers import _check_positive
from .module import Module


class ConvTranspose2d(Module):
    """Transposed convolution: input (N, H, W, in_channels) -> (N, H', W', out_channels),
    H' = (H - 1)·stride - 2·padding + kernel_size + output_padding, as PyTorch.

    ``padding``: an int or a pair (rows, columns) cropped from each side of the output;
    ``output_padding`` (smaller than the stride) adds rows/columns at the bottom/right.
    Weight shape (kh, kw, out, in), PyTorch's is (in, out, kh, kw); initialised as PyTorch:
    U(-1/√fan_in, 1/√fan_in) with PyTorch's fan_in of that weight, out·kh·kw.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, bias: bool = True) -> None:
        super().__init__()
        self.in_channels = _check_positive("in_channels", in_channels)
        self.out_channels = _check_positive("out_channels", out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        if isinstance(padding, str):  # PyTorch's ConvTranspose2d takes no padding names either
            raise ValueError(f"ConvTranspose2d padding must be a non-negative int or a pair of them, got "
                             f"{padding!r} (for Keras's 'same'/'valid' use F.conv_transpose2d or "
                             "keras.layers.Conv2DTranspose)")
        self.padding = transpose_padding(padding, "ConvTranspose2d")
        self.output_padding = output_padding_pair(output_padding, self.stride, "ConvTranspose2d")
        kh, kw = self.kernel_size
        # PyTorch's fan-in here is the kernel's second axis (out_channels), not the input's
        self.weight, self.bias = kernel_and_bias((kh, kw, out_channels, in_channels), kh * kw * out_channels,
                                                 bias, out_channels)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, output_padding={self.output_padding}")
