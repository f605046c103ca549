"""Rounding: floor, ceil, trunc, round and sign; floor division and remainder, ``a // b``
and ``a % b``, with PyTorch's semantics.

floor, ceil, trunc, round and sign are step functions: their derivative is 0 between
the steps (and undefined on them), and PyTorch gives 0 everywhere, so a float input
that requires grad gives a zero gradient (not an error).  Integer tensors are returned
unchanged in value (their sign is -1, 0 or 1).

Floor division and the remainder:

Both round the quotient toward -inf, as Python and NumPy do, so the remainder takes
the sign of the divisor: ``-7 // 2 == -4`` and ``-7 % 2 == 1``.  They are tied by

    a = b · (a // b) + a % b.

``a // b`` is piecewise constant, so its derivative is zero wherever it exists and
undefined at the jumps; PyTorch refuses to differentiate it and so does minidl.
``a % b = a - b · floor(a / b)`` is differentiable between the jumps.

Division by zero follows IEEE for floats (``x // 0`` is ±inf or nan, ``x % 0`` is
nan, without a warning) and raises for integer tensors, as PyTorch does (NumPy
would silently give 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..errors import DivisionByZeroError, GraphError
from .common import as_tensor
from .elementwise import _pair, _quiet, _xp


class FloorDivide(Function):
    """z = floor(a / b), rounded toward -inf.  No derivative: z is a step function of a and
    b (dz/da = dz/db = 0 between the steps, undefined on them); PyTorch raises as well."""

    def forward(self, a, b):
        with _quiet():
            return _xp(a).floor_divide(a, b)

    def backward(self, g):
        raise GraphError("floor_divide (a // b) has no gradient: it is a step function, so its derivative "
                         "is zero or undefined everywhere (PyTorch raises too); compute it on detached "
                         "tensors (x.detach() // y) or inside mdl.no_grad()")


class Remainder(Function):
    """z = a - b · floor(a / b), with the sign of b;  dz/da = 1, dz/db = -floor(a / b).

    (Between the jumps of floor(a / b), which is constant there.)  As PyTorch's
    ``remainder``; where b = 0 the result and dz/db are nan or ±inf (IEEE)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        with _quiet():
            return _xp(a).remainder(a, b)

    def backward(self, g):
        gb = None
        if self.needs_grad[1]:
            with _quiet():
                gb = -g * _xp(g).floor_divide(self.a, self.b)
        return (g if self.needs_grad[0] else None), gb


class Step(Function):
    """z = step(a) for a piecewise-constant ``step`` (floor, ceil, trunc, round, sign);
    dz/da = 0 between the steps, which PyTorch uses everywhere (also on them)."""

    def forward(self, a):
        return self.step(a)

    def backward(self, g):
        return (_xp(g).zeros_like(g),)


# ---------------------------------------------------------------- user functions


def _stepped(a: Any, name: str, step: Any) -> Tensor:
    a = as_tensor(a)
    if a.dtype.kind == "b" and name == "sign":  # True is 1 and False 0: their own signs, as PyTorch
        return Tensor._wrap(a.data.copy())
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{name} is not defined for {a.dtype} tensors; convert them first with .astype('float32')")
    if a.dtype.kind != "f" and name != "sign":  # integers are already whole: a copy, as PyTorch
        return Tensor._wrap(a.data.copy())
    return Step.apply(a, step=step)


def floor(a: Any) -> Tensor:
    """The largest integer <= a, elementwise (a float tensor stays float); gradient 0."""
    return _stepped(a, "floor", lambda x: _xp(x).floor(x))


def ceil(a: Any) -> Tensor:
    """The smallest integer >= a, elementwise; gradient 0."""
    return _stepped(a, "ceil", lambda x: _xp(x).ceil(x))


def trunc(a: Any) -> Tensor:
    """a rounded toward zero (its integer part), elementwise; gradient 0."""
    return _stepped(a, "trunc", lambda x: _xp(x).trunc(x))


def round(a: Any, decimals: int = 0) -> Tensor:  # noqa: A001 (PyTorch's name)
    """a rounded to ``decimals`` decimal places (a whole number by default), halves to the
    even neighbour as PyTorch and NumPy (0.5 -> 0, 1.5 -> 2, 2.5 -> 2); gradient 0."""
    if isinstance(decimals, (bool, np.bool_)) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round decimals must be an int, got {decimals!r}")
    return _stepped(a, "round", lambda x: _xp(x).round(x, int(decimals)))


def sign(a: Any) -> Tensor:
    """-1, 0 or 1 as a is negative, zero or positive, in a's dtype; gradient 0.
    A nan stays nan (as NumPy and JAX; PyTorch gives 0, hiding it); a bool tensor is its own sign."""
    return _stepped(a, "sign", lambda x: _xp(x).sign(x))



def floor_divide(a: Any, b: Any) -> Tensor:
    """``a // b`` elementwise, rounded toward -inf (as ``torch.floor_divide``, Python and NumPy).

    Integer tensors give integers; a float on either side gives a float.  An integer
    division by zero raises ``DivisionByZeroError`` (a ``ZeroDivisionError``)."""
    a, b = _operands(a, b, "floor_divide")
    return FloorDivide.apply(a, b)


def remainder(a: Any, b: Any) -> Tensor:
    """``a % b`` elementwise, with the sign of the divisor (as ``torch.remainder``, Python
    and NumPy; C's ``fmod`` takes the sign of the dividend instead)."""
    a, b = _operands(a, b, "remainder")
    return Remainder.apply(a, b)


def _operands(a: Any, b: Any, name: str) -> tuple[Tensor, Tensor]:
    """Both operands in one dtype (the arithmetic promotion rule), checked for the two cases
    NumPy gets differently from PyTorch: bool operands and integer division by zero."""
    a, b = _pair(a, b, name)
    kind = a.dtype.kind
    if kind == "b":
        raise TypeError(f"{name} is not defined for bool tensors; convert them first with .astype('int64')")
    if kind in "iu" and bool((b.data == 0).any()):
        raise DivisionByZeroError(f"{name}: integer division by zero (the divisor has a 0); PyTorch raises "
                                  "too. Convert to float first to get inf/nan instead")
    return a, b
