"""Activation functions and (log-)softmax.

sigmoid and tanh live in :mod:`minidl.ops.elementwise`; here are the ReLU family,
GELU and the softmax pair, each with its derivative in the docstring.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function, Tensor
from ..backend import get_array_module
from .common import normalize_axes
from .elementwise import _floating


class ReLU(Function):
    """z = max(a, 0);  dz/da = 0 where z <= 0, else 1 (a NaN input passes the gradient, as in PyTorch)."""

    def forward(self, a):
        self.z = kernels.get_kernels(get_array_module(a)).relu_forward(a)
        return self.z

    def backward(self, g):
        return (kernels.get_kernels(get_array_module(g)).relu_backward(g, self.z),)


class LeakyReLU(Function):
    """z = a if a > 0 else s·a;  dz/da = 1 or s."""

    def forward(self, a):
        self.positive = a > 0
        return get_array_module(a).where(self.positive, a, a * self.slope)

    def backward(self, g):
        return (get_array_module(g).where(self.positive, g, g * self.slope),)


class ELU(Function):
    """z = a if a > 0 else α(eᵃ - 1);  dz/da = 1 or z + α."""

    def forward(self, a):
        xp = get_array_module(a)
        self.positive = a > 0
        self.z = xp.where(self.positive, a, self.alpha * xp.expm1(xp.minimum(a, 0)))
        return self.z

    def backward(self, g):
        return (get_array_module(g).where(self.positive, g, g * (self.z + self.alpha)),)


class GELU(Function):
    """z = a·Φ(a) with Φ the standard normal CDF (exact, erf form);
    dz/da = Φ(a) + a·φ(a), φ the normal density."""

    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        erf = _erf(xp)
        self.cdf = 0.5 * (1 + erf(a / math.sqrt(2)))
        return (a * self.cdf).astype(a.dtype, copy=False)

    def backward(self, g):
        xp = get_array_module(g)
        pdf = xp.exp(-0.5 * self.a * self.a) / math.sqrt(2 * math.pi)
        return ((g * (self.cdf + self.a * pdf)).astype(g.dtype, copy=False),)


class GELUTanh(Function):
    """The tanh approximation of GELU (Hendrycks & Gimpel), PyTorch's ``approximate="tanh"``:
    z = ½a(1 + t), t = tanh(u), u = √(2/π)(a + 0.044715a³);
    dz/da = ½(1 + t) + ½a(1 - t²)·√(2/π)(1 + 3·0.044715a²)."""

    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        self.t = xp.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a * a * a))
        return (0.5 * a * (1 + self.t)).astype(a.dtype, copy=False)

    def backward(self, g):
        a, t = self.a, self.t
        du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * a * a)
        return ((g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * du)).astype(g.dtype, copy=False),)


class Softplus(Function):
    """z = ln(1 + eᵃ) (computed stably);  dz/da = σ(a)."""

    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        return xp.maximum(a, 0) + xp.log1p(xp.exp(-abs(a)))

    def backward(self, g):
        xp = get_array_module(g)
        return (g * 0.5 * (1 + xp.tanh(0.5 * self.a)),)


class Softmax(Function):
    """s = e^(a - max a) / Σ e^(a - max a);  dL/da = s ⊙ (G - Σ(G ⊙ s))."""

    def forward(self, a):
        xp = get_array_module(a)
        if self.axis == a.ndim - 1:  # the usual case (class scores): one compiled pass per row
            self.s = kernels.get_kernels(xp).softmax(a)
            return self.s
        e = xp.exp(a - a.max(axis=self.axis, keepdims=True))
        self.s = e / e.sum(axis=self.axis, keepdims=True)
        return self.s

    def backward(self, g):
        s = self.s
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """z = a - logsumexp(a);  dL/da = G - softmax(a) Σ G."""

    def forward(self, a):
        xp = get_array_module(a)
        shifted = a - a.max(axis=self.axis, keepdims=True)
        self.z = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.z

    def backward(self, g):
        xp = get_array_module(g)
        return (g - xp.exp(self.z) * g.sum(axis=self.axis, keepdims=True),)


def _erf(xp: Any):
    """A vectorized erf for the array module: SciPy's or CuPy's, else ``math.erf`` per element.

    SciPy is optional and slow to import, so it is imported on first use, not with minidl.
    """
    if xp.__name__ == "numpy":
        try:
            from scipy.special import erf  # noqa: PLC0415

            return erf
        except ImportError:  # pragma: no cover
            import numpy as np  # noqa: PLC0415

            return np.vectorize(math.erf, otypes=[np.float64])
    import cupyx.scipy.special  # noqa: PLC0415

    return cupyx.scipy.special.erf


# ---------------------------------------------------------------- user functions


def relu(a: Tensor) -> Tensor:
    return ReLU.apply(_floating(a))


def leaky_relu(a: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU.apply(_floating(a), slope=_number(negative_slope, "negative_slope"))


def elu(a: Tensor, alpha: float = 1.0) -> Tensor:
    return ELU.apply(_floating(a), alpha=_number(alpha, "alpha"))


def gelu(a: Tensor, approximate: str = "none") -> Tensor:
    """a·Φ(a); ``approximate="tanh"`` uses the tanh formula instead of erf (as PyTorch)."""
    if approximate == "none":
        return GELU.apply(_floating(a))
    if approximate == "tanh":
        return GELUTanh.apply(_floating(a))
    raise ValueError(f"gelu approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(a: Tensor) -> Tensor:
    return Softplus.apply(_floating(a))


def softmax(a: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """softmax over ``axis`` (``dim=`` as PyTorch spells it; its default here is the last axis)."""
    a = _floating(a)
    return Softmax.apply(a, axis=_one_axis(_axis_or_dim(axis, dim, "softmax"), a.ndim, "softmax"))


def log_softmax(a: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    a = _floating(a)
    return LogSoftmax.apply(a, axis=_one_axis(_axis_or_dim(axis, dim, "log_softmax"), a.ndim, "log_softmax"))


def _axis_or_dim(axis: Any, dim: Any, name: str) -> Any:
    if dim is None:
        return axis
    if axis != -1:
        raise TypeError(f"{name} got both axis={axis!r} and dim={dim!r}; they are the same argument, give one")
    return dim


def _one_axis(axis: Any, ndim: int, name: str) -> int | None:
    """The one axis (>= 0) a softmax normalises over; None for a 0-d tensor."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} needs one int axis, got {axis!r}")
    return normalize_axes(axis, ndim)[0] if ndim else None


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return float(value)
