"""Numba CPU kernels (placeholder: re-exports the reference until the compiled versions land)."""

from minidl.kernels.reference import (  # noqa: F401
    avgpool2d_backward,
    avgpool2d_forward,
    bias_grad,
    col2im,
    conv2d_backward,
    conv2d_forward,
    im2col,
    maxpool2d_backward,
    maxpool2d_forward,
    pad_amounts,
    relu_backward,
    relu_forward,
    softmax_cross_entropy,
)
