"""Elementwise operations: arithmetic, exp/log, sqrt, tanh, sigmoid, astype.

(maximum, minimum, clip, where and the comparisons: :mod:`minidl.ops.selection`.)

Each class holds the forward computation and its derivative.  Gradients are given
for the broadcast shape; the autograd engine sums them back (``unbroadcast``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import default_dtype, result_dtype
from ..errors import ShapeError
from .common import _constant, as_tensor

# ---------------------------------------------------------------- arithmetic


class Add(Function):
    """z = a + b;  dz/da = 1, dz/db = 1."""

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    """z = a - b;  dz/da = 1, dz/db = -1."""

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_grad[1] else None)


class Mul(Function):
    """z = a * b;  dz/da = b, dz/db = a."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        ga = g * self.b if self.needs_grad[0] else None
        gb = g * self.a if self.needs_grad[1] else None
        return ga, gb


class Div(Function):
    """z = a / b;  dz/da = 1/b, dz/db = -a/b².  x/0 gives ±inf or nan, as IEEE (no warning)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        with _quiet():
            return a / b

    def backward(self, g):
        with _quiet():
            ga = g / self.b if self.needs_grad[0] else None
            gb = -g * self.a / (self.b * self.b) if self.needs_grad[1] else None
        return ga, gb


class Pow(Function):
    """z = a ** b;  dz/da = b·a^(b-1),  dz/db = a^b · ln a.

    As PyTorch: dz/da = 0 where b = 0 (a^0 = 1 for every a, even 0), and dz/db = 0
    where a = 0 and b >= 0 (0^b is flat in b there); a negative base gives nan for
    dz/db (ln a is not real) and a^b itself is nan for a fractional b.
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        with _quiet():
            self.z = a**b
        return self.z

    def backward(self, g):
        xp = _xp(self.a)
        ga = gb = None
        with _quiet():
            if self.needs_grad[0]:
                ga = xp.where(self.b == 0, 0, g * self.b * self.a ** (self.b - 1))
            if self.needs_grad[1]:
                flat = (self.a == 0) & (self.b >= 0)
                gb = xp.where(flat, 0, g * self.z * xp.log(self.a))
        return ga, gb


class Neg(Function):
    """z = -a;  dz/da = -1."""

    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


class Abs(Function):
    """z = |a|;  dz/da = sign(a): 1 for a > 0, -1 for a < 0, 0 at a = 0 (and at nan), as PyTorch."""

    def forward(self, a):
        self.a = a
        return _xp(a).abs(a)  # not ``abs``: this module's abs() is the Tensor op

    def backward(self, g):
        return (g * ((self.a > 0).astype(g.dtype) - (self.a < 0).astype(g.dtype)),)


# ---------------------------------------------------------------- transcendental


class Exp(Function):
    """z = e^a;  dz/da = e^a = z.  Overflows to +inf (e^100 in float32), as PyTorch."""

    def forward(self, a):
        with _quiet():
            self.z = _xp(a).exp(a)
        return self.z

    def backward(self, g):
        with _quiet():
            return (g * self.z,)


class Log(Function):
    """z = ln a;  dz/da = 1/a.  ln 0 = -inf and ln of a negative number is nan, as IEEE
    (and PyTorch) say, without a warning."""

    def forward(self, a):
        self.a = a
        with _quiet():
            return _xp(a).log(a)

    def backward(self, g):
        with _quiet():
            return (g / self.a,)


class Sqrt(Function):
    """z = √a;  dz/da = 1 / (2√a), which is +inf at a = 0 (as PyTorch)."""

    def forward(self, a):
        with _quiet():
            self.z = _xp(a).sqrt(a)
        return self.z

    def backward(self, g):
        with _quiet():
            return (g / (2 * self.z),)


class Tanh(Function):
    """z = tanh a;  dz/da = 1 - tanh² a = 1 - z²."""

    def forward(self, a):
        self.z = _xp(a).tanh(a)
        return self.z

    def backward(self, g):
        return (g * (1 - self.z * self.z),)


class Sin(Function):
    """z = sin a;  dz/da = cos a."""

    def forward(self, a):
        self.a = a
        return _xp(a).sin(a)

    def backward(self, g):
        return (g * _xp(g).cos(self.a),)


class Cos(Function):
    """z = cos a;  dz/da = -sin a."""

    def forward(self, a):
        self.a = a
        return _xp(a).cos(a)

    def backward(self, g):
        return (-g * _xp(g).sin(self.a),)


class Sigmoid(Function):
    """z = σ(a) = 1 / (1 + e^-a);  dz/da = σ(a)(1 - σ(a)) = z(1 - z).

    Computed as (1 + tanh(a/2)) / 2, which never overflows.
    """

    def forward(self, a):
        xp = _xp(a)
        self.z = 0.5 * (1 + xp.tanh(0.5 * a))
        return self.z.astype(a.dtype, copy=False)

    def backward(self, g):
        return (g * self.z * (1 - self.z),)


class AsType(Function):
    """z = a converted to another dtype;  the gradient is converted back."""

    def forward(self, a):
        self.source = a.dtype
        return a.astype(self.dtype)

    def backward(self, g):
        return (g.astype(self.source),)


def _xp(array: Any) -> Any:
    from ..backend import get_array_module

    return get_array_module(array)


def _quiet() -> np.errstate:
    """No RuntimeWarning for the IEEE results of special inputs (log 0 = -inf, 1/0 = inf,
    e^1000 = inf, sqrt(-1) = nan): they are the answers, as in PyTorch."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


# ---------------------------------------------------------------- user functions


def add(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b, "add")
    return Add.apply(a, b)


def sub(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b, "sub")
    if a.dtype.kind == "b":
        raise TypeError("cannot subtract bool tensors; convert them first with .astype('int64')")
    return Sub.apply(a, b)


def mul(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b, "mul")
    return Mul.apply(a, b)


def div(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b, "div")
    if a.dtype.kind != "f":  # true division, as Python and NumPy
        a, b = astype(a, default_dtype()), astype(b, default_dtype())
    return Div.apply(a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 (mirrors the operator name)
    a, b = _pair(a, b, "pow")
    return Pow.apply(a, b)


def neg(a: Tensor) -> Tensor:
    a = as_tensor(a)
    if a.dtype.kind == "b":
        raise TypeError("cannot negate a bool tensor (for a logical not use x == False); "
                        "convert it first with .astype('int64')")
    return Neg.apply(a)


def abs(a: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(as_tensor(a))


def exp(a: Tensor) -> Tensor:
    return Exp.apply(_floating(a))


def log(a: Tensor) -> Tensor:
    return Log.apply(_floating(a))


def sqrt(a: Tensor) -> Tensor:
    return Sqrt.apply(_floating(a))


def tanh(a: Tensor) -> Tensor:
    return Tanh.apply(_floating(a))


def sigmoid(a: Tensor) -> Tensor:
    return Sigmoid.apply(_floating(a))


def sin(a: Tensor) -> Tensor:
    return Sin.apply(_floating(a))


def cos(a: Tensor) -> Tensor:
    return Cos.apply(_floating(a))


def astype(a: Tensor, dtype: Any) -> Tensor:
    from ..backend import as_dtype

    if dtype is None:  # np.dtype(None) would silently mean float64
        raise TypeError("astype needs a dtype, e.g. 'float32' or mdl.float64; got None")
    dtype = as_dtype(dtype)
    if a.dtype == dtype:
        return a
    if dtype.kind not in "fiub":
        raise TypeError(f"cannot convert a tensor to dtype {dtype}")
    out = AsType.apply(a, dtype=dtype)
    if dtype.kind != "f" and out.requires_grad:  # integer results carry no gradient
        out.requires_grad, out.creator = False, None
    return out


def _pair(a: Any, b: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one dtype (the design's promotion rule, not NumPy's:
    an integer tensor with a float32 tensor gives float32, not float64).  With the op's
    ``name``, also check that the shapes broadcast, so the error names the op."""
    if type(b) is float and isinstance(a, Tensor) and type(a.data) is np.ndarray and a.data.dtype.kind == "f":
        return a, _constant(b, a.data.dtype)  # ``x * 0.5``, as_tensor's fast path without the detour
    if isinstance(a, Tensor):
        b = as_tensor(b, a)
    elif isinstance(b, Tensor):
        a = as_tensor(a, b)
    else:
        a, b = Tensor(a), Tensor(b)
    a_shape, b_shape = a.data.shape, b.data.shape
    if name is not None and a_shape != b_shape and a_shape and b_shape:  # () goes with any shape
        try:
            np.broadcast_shapes(a_shape, b_shape)
        except ValueError:
            raise ShapeError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") from None
    if a.data.dtype != b.data.dtype:
        dtype = result_dtype(a.dtype, b.dtype)
        a, b = astype(a, dtype), astype(b, dtype)
    return a, b


def _floating(a: Any) -> Tensor:
    a = as_tensor(a)
    return a if a.dtype.kind == "f" else astype(a, "float32")
