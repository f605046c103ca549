"""Matrix products: ``matmul`` (batched, as NumPy's ``@``) and the fused ``linear`` layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ShapeError
from .common import as_tensor
from .elementwise import _pair, astype


def _mm(a: Any, b: Any) -> Any:
    """``a @ b`` on raw arrays; large 2-D products on the CPU use every core (kernels.matmul)."""
    if a.ndim == 2 and b.ndim == 2 and type(a) is np.ndarray:
        return kernels.matmul(a, b)
    return a @ b


class MatMul(Function):
    """Z = A @ B;  dL/dA = G @ Bᵀ,  dL/dB = Aᵀ @ G (with ᵀ swapping the last two axes).

    1-D operands are treated as a row (A) or a column (B) vector, as NumPy does, and
    batch axes broadcast; the engine sums broadcast batch axes back.
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        return _mm(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        if b.ndim == 1:  # put back the axes NumPy dropped; b first, so 1-D @ 1-D works too
            b = b.reshape(-1, 1)
            g = g[..., None]
        if a.ndim == 1:
            a = a.reshape(1, -1)
            g = g[..., None, :]
        ga = _mm(g, b.swapaxes(-1, -2)) if self.needs_grad[0] else None
        gb = _mm(a.swapaxes(-1, -2), g) if self.needs_grad[1] else None
        if ga is not None and self.a.ndim == 1:
            ga = ga.reshape(ga.shape[:-2] + (ga.shape[-1],))
        if gb is not None and self.b.ndim == 1:
            gb = gb.reshape(gb.shape[:-2] + (gb.shape[-2],))
        return ga, gb


class Linear(Function):
    """y = x W + b for x of shape (..., in), W (in, out), b (out,) in one node.

    dL/dx = G Wᵀ,  dL/dW = xᵀ G (summed over all leading axes),  dL/db = Σ G.

    With ``relu=True`` the node is relu(x W + b): max(·, 0) is applied in place on
    the product, and the backward pass first masks G where the output is 0 (ReLU's
    derivative, read off the output).  Same values as the two nodes, one array less.
    """

    relu = False

    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        # the product, then bias and ReLU in place on it (large products: block by block, in cache)
        y = kernels.get_kernels(get_array_module(x)).linear_forward(x, w, b, self.relu)
        if self.relu:
            self.y = y
        return y

    def backward(self, g):
        x, w = self.x, self.w
        need_b = len(self.needs_grad) > 2 and self.needs_grad[2]
        gb = None
        if self.relu:  # mask G and sum it for the bias in one pass
            g, gb = kernels.get_kernels(get_array_module(g)).relu_backward_bias(g, self.y, need_b)
        gx = _mm(g, w.T) if self.needs_grad[0] else None
        gw = None
        g2 = g.reshape(-1, g.shape[-1])
        if self.needs_grad[1]:
            gw = _mm(x.reshape(-1, x.shape[-1]).T, g2)
        if need_b and gb is None:  # column sums in one compiled pass (NumPy's axis-0 sum is slow)
            gb = kernels.get_kernels(get_array_module(g2)).bias_grad(g2)
        return gx, gw, gb


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
    """``a @ b`` (NumPy's matmul rules); ``transpose_a``/``transpose_b`` (TensorFlow's spelling)
    swap the last two axes of that operand first."""
    if transpose_a is not False or transpose_b is not False:  # the default path pays no check
        for name, flag in (("transpose_a", transpose_a), ("transpose_b", transpose_b)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"matmul {name} must be True or False, got {flag!r}")
    a, b = _pair(a, b)
    if transpose_a or transpose_b:
        from .shape import swapaxes

        for name, operand, flag in (("transpose_a", a, transpose_a), ("transpose_b", b, transpose_b)):
            if flag and operand.ndim < 2:
                raise ShapeError(f"matmul {name}=True needs at least 2 dimensions, got shape {operand.shape}")
        a = swapaxes(a, -1, -2) if transpose_a else a
        b = swapaxes(b, -1, -2) if transpose_b else b
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul needs tensors with at least 1 dimension, got {a.shape} and {b.shape}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul shapes {a.shape} and {b.shape} are not aligned: the last dimension of the "
            f"first ({inner_a}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} "
            f"dimension of the second ({inner_b})"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(f"matmul batch dimensions of {a.shape} and {b.shape} do not broadcast") from None
    return MatMul.apply(a, b)


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight + bias`` with weight of shape (in, out) (PyTorch stores (out, in))."""
    return _linear(x, weight, bias, relu=False)


def linear_relu(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``relu(x @ weight + bias)`` as one node: the same values and gradients, one array less."""
    return _linear(x, weight, bias, relu=True)


def _linear(x: Any, weight: Tensor, bias: Tensor | None, relu: bool) -> Tensor:
    # The checks read the arrays' own attributes: this runs for every dense layer and step.
    if not isinstance(weight, Tensor) or (bias is not None and not isinstance(bias, Tensor)):
        raise TypeError(f"linear expects the weight and bias as Tensors, got {type(weight).__name__} and "
                        f"{type(bias).__name__}; wrap arrays with minidl.tensor(...)")
    x = as_tensor(x, weight)
    if x.data.dtype.kind != "f":  # integer features take the weight's float dtype
        x = astype(x, weight.dtype)
    x_shape, w_shape = x.data.shape, weight.data.shape
    if len(w_shape) != 2:
        raise ShapeError(f"linear expects a 2-D weight (in, out), got shape {weight.shape}")
    if not x_shape or x_shape[-1] != w_shape[0]:
        raise ShapeError(
            f"linear expected input with last dimension {w_shape[0]}, got shape {x.shape}"
        )
    inputs = (x, weight) if bias is None else (x, weight, bias)
    if bias is not None and bias.data.shape != (w_shape[1],):
        raise ShapeError(f"linear bias must have shape ({w_shape[1]},), got {bias.shape}")
    return Linear.apply(*inputs, relu=True) if relu else Linear.apply(*inputs)
