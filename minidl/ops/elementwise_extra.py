"""More elementwise functions as PyTorch spells them: log1p, expm1, log2, log10, exp2,
reciprocal, rsqrt and nan_to_num (``square`` is the TensorFlow spelling's
:func:`minidl.tf_compat.square`, bound here as a Tensor method too).

log1p and expm1 exist for accuracy near 0: ``log(1 + 1e-10)`` loses the 1e-10 to
rounding in ``1 + x``, while ``log1p(1e-10)`` keeps it.  Integer and bool inputs
become the default float dtype, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from .common import as_tensor
from .elementwise import _floating, _quiet, _xp


class Log1p(Function):
    """z = ln(1 + a);  dz/da = 1 / (1 + a)."""

    def forward(self, a):
        self.a = a
        with _quiet():
            return _xp(a).log1p(a)

    def backward(self, g):
        with _quiet():
            return (g / (1 + self.a),)


class Expm1(Function):
    """z = eᵃ - 1;  dz/da = eᵃ = z + 1."""

    def forward(self, a):
        with _quiet():
            self.z = _xp(a).expm1(a)
        return self.z

    def backward(self, g):
        with _quiet():
            return (g * (self.z + 1),)


class Log2(Function):
    """z = log₂ a = ln a / ln 2;  dz/da = 1 / (a ln 2)."""

    def forward(self, a):
        self.a = a
        with _quiet():
            return _xp(a).log2(a)

    def backward(self, g):
        with _quiet():
            return (g / (self.a * math.log(2.0)),)


class Log10(Function):
    """z = log₁₀ a;  dz/da = 1 / (a ln 10)."""

    def forward(self, a):
        self.a = a
        with _quiet():
            return _xp(a).log10(a)

    def backward(self, g):
        with _quiet():
            return (g / (self.a * math.log(10.0)),)


class Exp2(Function):
    """z = 2ᵃ;  dz/da = 2ᵃ ln 2 = z ln 2."""

    def forward(self, a):
        with _quiet():
            self.z = _xp(a).exp2(a)
        return self.z

    def backward(self, g):
        with _quiet():
            return (g * self.z * math.log(2.0),)


class Reciprocal(Function):
    """z = 1 / a;  dz/da = -1 / a² = -z².  1/0 = inf (IEEE, as PyTorch)."""

    def forward(self, a):
        with _quiet():
            self.z = 1 / a
        return self.z.astype(a.dtype, copy=False)

    def backward(self, g):
        with _quiet():
            return (-g * self.z * self.z,)


class Rsqrt(Function):
    """z = 1 / √a = a^(-1/2);  dz/da = -a^(-3/2) / 2 = -z³ / 2."""

    def forward(self, a):
        with _quiet():
            self.z = (1 / _xp(a).sqrt(a)).astype(a.dtype, copy=False)
        return self.z

    def backward(self, g):
        with _quiet():
            return (-0.5 * g * self.z * self.z * self.z,)


class NanToNum(Function):
    """z = a with nan, +inf and -inf replaced by numbers;  dz/da = 1 where a is finite
    and 0 where it was replaced (a constant there), as PyTorch."""

    def forward(self, a):
        self.finite = _xp(a).isfinite(a)
        return _xp(a).nan_to_num(a, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, g):
        return (g * self.finite,)


# ---------------------------------------------------------------- user functions


def log1p(a: Any) -> Tensor:
    """ln(1 + a), accurate for small a."""
    return Log1p.apply(_floating(a))


def expm1(a: Any) -> Tensor:
    """eᵃ - 1, accurate for small a."""
    return Expm1.apply(_floating(a))


def log2(a: Any) -> Tensor:
    """The base-2 logarithm."""
    return Log2.apply(_floating(a))


def log10(a: Any) -> Tensor:
    """The base-10 logarithm."""
    return Log10.apply(_floating(a))


def exp2(a: Any) -> Tensor:
    """2 to the power a."""
    return Exp2.apply(_floating(a))


def reciprocal(a: Any) -> Tensor:
    """1 / a elementwise (integers give floats, as PyTorch)."""
    return Reciprocal.apply(_floating(a))


def rsqrt(a: Any) -> Tensor:
    """1 / √a elementwise (the normalisation step of layer and RMS norms)."""
    return Rsqrt.apply(_floating(a))


def _replacement(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"nan_to_num {name} must be a number or None, got {value!r}")
    return float(value)


def nan_to_num(a: Any, nan: float | None = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """``a`` with nan replaced by ``nan`` (0; None means 0 too, as torch 2.13 reads it), +inf by
    ``posinf`` and -inf by ``neginf`` (by default the largest and smallest finite numbers of the
    dtype), as ``torch.nan_to_num``.  Integer and bool tensors have none of them: a copy."""
    a = as_tensor(a)
    replacements = {name: _replacement(v, name) for name, v in (("nan", nan), ("posinf", posinf),
                                                               ("neginf", neginf))}
    replacements["nan"] = 0.0 if replacements["nan"] is None else replacements["nan"]
    if a.dtype.kind != "f":
        return Tensor._wrap(a.data.copy())
    return NanToNum.apply(a, **replacements)


def square(a: Any) -> Tensor:
    """a² elementwise, ``x.square()`` (one function with ``mdl.square``, the TensorFlow spelling)."""
    from ..tf_compat import square as tf_square

    return tf_square(a)


METHODS = {"log1p": log1p, "expm1": expm1, "log2": log2, "log10": log10, "exp2": exp2,
           "reciprocal": reciprocal, "rsqrt": rsqrt, "nan_to_num": nan_to_num, "square": square}
