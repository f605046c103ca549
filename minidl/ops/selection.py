"""Elementwise selection: maximum, minimum, clip, where, and the comparisons.

Each op picks, for every element, one of its inputs (or a bound); its derivative
routes the gradient to whichever input was picked.  The comparisons (``x > 0``)
give bool tensors and carry no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import default_dtype, device_of, to_device
from ..errors import DeviceMismatchError, ShapeError
from .common import as_tensor
from .elementwise import _pair, _xp, astype

# ---------------------------------------------------------------- selection


class Maximum(Function):
    """z = max(a, b);  dz/da = 1 where a > b, 0 where a < b, 1/2 on ties (a = b), and
    likewise for b.  As PyTorch: where a or b is nan (z is nan) both get the full gradient."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return _xp(a).maximum(a, b)

    def backward(self, g):
        return _pick(g, self.a < self.b, self.a > self.b, self.a == self.b)


class Minimum(Function):
    """z = min(a, b);  dz/da = 1 where a < b, 0 where a > b, 1/2 on ties, likewise for b
    (both get the full gradient where one of them is nan, as PyTorch)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return _xp(a).minimum(a, b)

    def backward(self, g):
        return _pick(g, self.a > self.b, self.a < self.b, self.a == self.b)


def _pick(g, a_loses, b_loses, tie):
    """Route ``g`` to the winner of an elementwise max/min: all of it to a winner, none to a
    loser, half each on a tie (every comparison with nan is False: both take all of it)."""
    half = 0.5 * tie
    return g * (1 - a_loses - half).astype(g.dtype), g * (1 - b_loses - half).astype(g.dtype)


class Clip(Function):
    """z = clip(a, lo, hi);  dz/da = 1 where lo <= a <= hi, else 0."""

    def forward(self, a):
        self.a = a
        return _xp(a).clip(a, self.lo, self.hi)

    def backward(self, g):
        inside = 1
        if self.lo is not None:
            inside = inside * (self.a >= self.lo)
        if self.hi is not None:
            inside = inside * (self.a <= self.hi)
        return (g * inside,)


class Where(Function):
    """z = cond ? a : b;  the gradient flows to a where cond holds, to b elsewhere."""

    def forward(self, a, b):
        return _xp(a).where(self.cond, a, b)

    def backward(self, g):
        zero = _xp(g).zeros((), g.dtype)
        ga = _xp(g).where(self.cond, g, zero) if self.needs_grad[0] else None
        gb = _xp(g).where(self.cond, zero, g) if self.needs_grad[1] else None
        return ga, gb



# ---------------------------------------------------------------- user functions


def maximum(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b, "maximum")
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b, "minimum")
    return Minimum.apply(a, b)


def clip(a: Tensor, lo: float | None = None, hi: float | None = None) -> Tensor:
    """Limit the values to [lo, hi]; either bound may be None (no limit on that side)."""
    a = as_tensor(a)
    for name, bound in (("lo", lo), ("hi", hi)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float, np.number))):
            raise TypeError(f"clip bound {name} must be a number or None, got {type(bound).__name__}; "
                            "for tensor bounds use mdl.maximum / mdl.minimum")
    if lo is None and hi is None:
        raise ValueError("clip needs at least one of lo and hi")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip needs lo <= hi, got lo={lo} and hi={hi}")
    if a.dtype.kind != "f" and any(isinstance(v, (float, np.floating)) for v in (lo, hi)):
        a = astype(a, default_dtype())  # an int tensor clipped to 0.5 becomes float, not float64
    # Python numbers take the tensor's dtype (a NumPy float64 bound would promote float32)
    kind = float if a.dtype.kind == "f" else int
    lo, hi = (None if v is None else kind(v) for v in (lo, hi))
    return Clip.apply(a, lo=lo, hi=hi)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if cond else b``; ``cond`` is a bool tensor or array (no gradient).

    ``a`` and ``b`` broadcast against ``cond`` and take one dtype as in arithmetic
    (Python numbers take the tensor's dtype)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    a, b = _pair(a, b)
    if isinstance(cond, Tensor):
        if cond.device != a.device:
            raise DeviceMismatchError(f"where got the condition on {cond.device} and the values on {a.device}; "
                                      "move them with .to(device) first")
        cond_data = cond.data
    else:  # an array or a list: checked on the host, then copied to the values' device
        cond_data = cond if device_of(cond) == "cuda" else np.asarray(cond)
    if cond_data.dtype.kind not in "biu":
        raise TypeError(f"where needs a bool condition (e.g. x > 0), got {type(cond).__name__} of "
                        f"dtype {cond_data.dtype}")
    try:
        np.broadcast_shapes(cond_data.shape, a.shape, b.shape)
    except ValueError:
        raise ShapeError(
            f"where: condition shape {tuple(cond_data.shape)} and value shapes {a.shape} and "
            f"{b.shape} do not broadcast"
        ) from None
    return Where.apply(a, b, cond=to_device(cond_data.astype(bool, copy=False), a.device))


# ---------------------------------------------------------------- comparisons (no gradient)


def _compare(name: str):
    def compare(a: Any, b: Any) -> Tensor:
        try:
            a, b = _pair(a, b, compare.__name__)
        except TypeError:
            if name in ("__eq__", "__ne__"):  # x == None is False, as PyTorch and Python
                return NotImplemented
            raise
        out = getattr(a.data, name)(b.data)
        return Tensor._wrap(out if type(out) is not np.bool_ else np.asarray(out))  # 0-d: an array

    compare.__name__ = name.strip("_")
    return compare


equal, not_equal = _compare("__eq__"), _compare("__ne__")
less, less_equal = _compare("__lt__"), _compare("__le__")
greater, greater_equal = _compare("__gt__"), _compare("__ge__")
