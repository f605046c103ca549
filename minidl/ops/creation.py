"""Functions that make new tensors: zeros, ones, randn, rand, arange, *_like, dropout."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, random
from ..autograd import Function, Tensor


def _make(array: np.ndarray, dtype: Any, device: str | None, requires_grad: bool) -> Tensor:
    return Tensor(array, requires_grad=requires_grad, dtype=dtype, device=device)


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])
    if any(not isinstance(n, (int, np.integer)) or n < 0 for n in shape):
        raise ValueError(f"shape must be non-negative ints, got {shape}")
    return tuple(int(n) for n in shape)


def zeros(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    return _make(
        np.zeros(_shape(shape), dtype=dtype or backend.default_dtype()), dtype, device, requires_grad
    )


def ones(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape(shape), dtype=dtype or backend.default_dtype()), dtype, device, requires_grad)


def full(shape: Any, value: float, dtype: Any = None, device: str | None = None) -> Tensor:
    return _make(
        np.full(_shape((shape,)), value, dtype=dtype or backend.default_dtype()), dtype, device, False
    )


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = dtype or t.dtype  # passed on, or the float policy would turn float64 into float32
    return Tensor(t.xp.zeros(t.shape, dtype=dtype), requires_grad, dtype, t.device)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    dtype = dtype or t.dtype
    return Tensor(t.xp.ones(t.shape, dtype=dtype), requires_grad, dtype, t.device)


def randn(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator seeded by ``mdl.manual_seed``."""
    return _make(random.normal(_shape(shape), dtype or backend.default_dtype()), dtype, device, requires_grad)


def rand(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples from the generator seeded by ``mdl.manual_seed``."""
    data = random.generator().random(_shape(shape))
    return _make(data, dtype, device, requires_grad)


def arange(
    start: float, stop: float | None = None, step: float = 1, dtype: Any = None, device: str | None = None
) -> Tensor:
    """Evenly spaced values as NumPy's arange (integers stay int64)."""
    return _make(np.arange(start, stop, step) if stop is not None else np.arange(start), dtype, device, False)


class Dropout(Function):
    """Inverted dropout: z = a · m / (1 - p) with m ~ Bernoulli(1 - p);  dz/da = m / (1 - p).

    Scaling at training time keeps E[z] = a, so nothing changes at inference.
    """

    def forward(self, a):
        xp = backend.get_array_module(a)
        keep = random.uniform(a.shape, a.dtype, xp) >= self.p
        self.scale = keep.astype(a.dtype) * a.dtype.type(1.0 / (1.0 - self.p))
        return a * self.scale

    def backward(self, g):
        return (g * self.scale,)


def dropout(a: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` during training; identity otherwise."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if not training or p == 0:
        return a
    return Dropout.apply(a, p=float(p))
