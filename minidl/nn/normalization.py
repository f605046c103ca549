"""Batch normalisation over the last (channel) axis, for (N, C) and (N, H, W, C) input.

Training:   x̂ = (x - μ_B) / √(σ²_B + ε),  y = γ x̂ + β,  with batch statistics μ_B, σ²_B,
            and the running statistics updated as an exponential moving average.
Inference:  the running statistics replace the batch ones.

PyTorch and Keras differ only in conventions, given here as parameters:
PyTorch ``momentum=0.1`` weighs the *new* batch (running = 0.9·running + 0.1·batch)
and stores the unbiased variance; Keras ``momentum=0.99`` weighs the *old* value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import default_device, default_dtype, get_array_module, to_device
from ..errors import ShapeError
from ..ops.normalization import layer_norm, normalized_shape_tuple
from .layers import _check_positive
from .module import Module
from .parameter import Parameter


class BatchNormFunction(Function):
    """Gradients (m = number of values per channel, ĝ = dL/dx̂ = G·γ):

    dL/dγ = Σ G·x̂,   dL/dβ = Σ G,
    training:   dL/dx = (1/σ)·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))    (μ and σ depend on x)
    inference:  dL/dx = ĝ / σ                                    (fixed statistics)
    """

    def forward(self, x, gamma, beta):
        axes = tuple(range(x.ndim - 1))
        xp = get_array_module(x)
        if self.training:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            self.update(mean, var, x.size // x.shape[-1])
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype)
        self.xhat = (x - mean.astype(x.dtype)) * self.inv_std
        self.gamma, self.axes = gamma, axes
        return self.xhat * gamma + beta

    def backward(self, g):
        axes, xhat = self.axes, self.xhat
        dgamma = (g * xhat).sum(axis=axes) if self.needs_grad[1] else None
        dbeta = g.sum(axis=axes) if self.needs_grad[2] else None
        dx = None
        if self.needs_grad[0]:
            ghat = g * self.gamma
            if self.training:
                ghat = ghat - ghat.mean(axis=axes) - xhat * (ghat * xhat).mean(axis=axes)
            dx = ghat * self.inv_std
        return dx, dgamma, dbeta


def batch_norm(x: Tensor, gamma: Tensor, beta: Tensor, running_mean: Any, running_var: Any,
               training: bool, momentum: float, eps: float, new_weight: bool = True,
               unbiased_running_var: bool = True, check_batch: bool = True) -> Tensor:
    """Normalise ``x`` over all axes but the last; update the running arrays in place.

    ``new_weight=True``: running = (1-m)·running + m·batch (PyTorch);
    ``False``: running = m·running + (1-m)·batch (Keras).  ``check_batch=False`` allows a
    batch with one value per channel (Keras accepts it: the output is then β).
    """
    if x.ndim < 2 or x.shape[-1] != gamma.shape[0]:
        raise ShapeError(
            f"BatchNorm expected input with {gamma.shape[0]} channels in the last axis, got shape {x.shape}"
        )
    if check_batch and training and x.size // x.shape[-1] < 2:
        raise ValueError(f"BatchNorm needs more than one value per channel in training, got shape {x.shape}")

    def update(mean: Any, var: Any, m: int) -> None:
        if unbiased_running_var:
            var = var * (m / max(m - 1, 1))
        w = momentum if new_weight else 1 - momentum
        running_mean[...] = (1 - w) * running_mean + w * mean
        running_var[...] = (1 - w) * running_var + w * var

    return BatchNormFunction.apply(x, gamma, beta, training=training, eps=eps, update=update,
                                   running_mean=running_mean, running_var=running_var)


class BatchNorm(Module):
    """Batch normalisation of the channel (last) axis; PyTorch defaults (momentum 0.1, eps 1e-5).

    ``momentum=None`` makes the running statistics a plain (cumulative) average of all
    batches seen: the weight of the n-th batch is 1/n, n = ``num_batches_tracked``.
    ``affine=False`` drops the learned γ and β (γ = 1, β = 0).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True) -> None:  # fmt: skip
        super().__init__()
        n = _check_positive("num_features", num_features)
        if momentum is not None and (_not_number(momentum) or not 0 <= momentum <= 1):
            raise ValueError(f"BatchNorm momentum must be in [0, 1] or None, got {momentum!r}")
        if _not_number(eps) or not eps > 0:
            raise ValueError(f"BatchNorm eps must be a positive number, got {eps!r}")
        self.num_features, self.eps, self.affine = n, float(eps), bool(affine)
        self.momentum = None if momentum is None else float(momentum)
        if affine:
            self.weight = Parameter(np.ones(n, dtype=default_dtype()))
            self.bias = Parameter(np.zeros(n, dtype=default_dtype()))
        else:  # constants: γ = 1, β = 0 (not parameters, not saved)
            self.weight = Tensor(np.ones(n, dtype=default_dtype()))
            self.bias = Tensor(np.zeros(n, dtype=default_dtype()))
        device = default_device()  # the buffers live with the parameters (MINIDL_DEVICE)
        self.register_buffer("running_mean", to_device(np.zeros(n, dtype=default_dtype()), device))
        self.register_buffer("running_var", to_device(np.ones(n, dtype=default_dtype()), device))
        self.register_buffer("num_batches_tracked", to_device(np.zeros((), dtype=np.int64), device))

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.dtype.kind != "f":  # integer input (e.g. pixels) takes the parameters' dtype
            x = x.astype(self.weight.dtype)
        momentum = self.momentum
        if self.training:
            self.num_batches_tracked += 1  # a 0-d array, updated in place
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        return batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,
                          self.training, momentum, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class LayerNorm(Module):
    """Normalise each sample over its last ``len(normalized_shape)`` axes, as
    ``torch.nn.LayerNorm``:  y = (x - μ)/√(σ² + ε)·weight + bias  (no running statistics,
    the same in training and evaluation).  ``weight`` starts at 1, ``bias`` at 0; both
    have shape ``normalized_shape`` (``elementwise_affine=False`` drops both,
    ``bias=False`` only the bias).
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.normalized_shape = normalized_shape_tuple(normalized_shape)
        if _not_number(eps) or not eps > 0:
            raise ValueError(f"LayerNorm eps must be a positive number, got {eps!r}")
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        self.weight = self.bias = None
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=default_dtype()))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


def _not_number(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))


BatchNorm1d = BatchNorm2d = BatchNorm
