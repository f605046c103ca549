"""Layer normalisation: each sample normalised over its last axes, with no batch statistics.

Used by ``nn.LayerNorm`` (PyTorch) and available as ``F.layer_norm``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import get_array_module
from ..errors import ShapeError
from .common import as_tensor
from .elementwise import _floating


class LayerNorm(Function):
    """y = γ·x̂ + β,  x̂ = (x - μ)/σ,  σ = √(var + ε),  μ and var (biased) over the last D axes.

    With ĝ = G·γ and means taken over the same D axes (M values each):

        dL/dx = (1/σ)·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))    (μ and σ depend on x)
        dL/dγ = Σ G·x̂,   dL/dβ = Σ G                  (summed over the leading axes)
    """

    def forward(self, x, gamma, beta):
        axes = self.axes
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        self.inv_std = 1.0 / get_array_module(x).sqrt(var + self.eps)
        self.xhat = centred * self.inv_std
        self.gamma = gamma
        return self.xhat * gamma + beta

    def backward(self, g):
        axes, xhat = self.axes, self.xhat
        dx = None
        if self.needs_grad[0]:
            ghat = g * self.gamma
            ghat = ghat - ghat.mean(axis=axes, keepdims=True) - xhat * (ghat * xhat).mean(axis=axes, keepdims=True)
            dx = ghat * self.inv_std
        dgamma = g * xhat if self.needs_grad[1] else None  # summed to γ's shape by the engine
        dbeta = g if self.needs_grad[2] else None
        return dx, dgamma, dbeta


def layer_norm(
    x: Any, normalized_shape: Any, weight: Tensor | None = None, bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:  # fmt: skip
    """Normalise ``x`` over its last ``len(normalized_shape)`` axes, which must have that
    shape (as ``torch.nn.functional.layer_norm``); then scale by ``weight`` and shift by
    ``bias`` (both of shape ``normalized_shape``) when given."""
    shape = normalized_shape_tuple(normalized_shape)
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) or not eps > 0:
        raise ValueError(f"layer_norm eps must be a positive number, got {eps!r}")
    x = _floating(as_tensor(x, weight))
    d = len(shape)
    if x.ndim < d or x.shape[x.ndim - d:] != shape:
        raise ShapeError(f"layer_norm expected input whose last {d} dimension(s) are {shape}, "
                         f"got shape {x.shape}")
    params = []
    for name, value, fill in (("weight", weight, 1.0), ("bias", bias, 0.0)):
        if value is None:
            value = Tensor._wrap(x.xp.full(shape, fill, dtype=x.dtype))
        elif not isinstance(value, Tensor):
            raise TypeError(f"layer_norm {name} must be a Tensor or None, got {type(value).__name__}")
        elif value.shape != shape:
            raise ShapeError(f"layer_norm {name} must have shape {shape}, got {value.shape}")
        params.append(value)
    axes = tuple(range(x.ndim - d, x.ndim))
    return LayerNorm.apply(x, *params, axes=axes, eps=float(eps))


def normalized_shape_tuple(normalized_shape: Any) -> tuple[int, ...]:
    """An int or a sequence of positive ints as a non-empty tuple (PyTorch's ``normalized_shape``)."""
    def is_int(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

    shape = (normalized_shape,) if is_int(normalized_shape) else normalized_shape
    ok = isinstance(shape, (tuple, list)) and len(shape) > 0 and all(is_int(v) and v > 0 for v in shape)
    if not ok:
        raise ValueError(f"normalized_shape must be a positive int or a non-empty sequence of positive "
                         f"ints, got {normalized_shape!r}")
    return tuple(int(v) for v in shape)
