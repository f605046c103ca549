"""Elementwise selection: maximum, minimum, clip/clamp, where, masked_fill, tril/triu,
and the comparisons.

Each op picks, for every element, one of its inputs (or a bound); its derivative
routes the gradient to whichever input was picked.  The comparisons (``x > 0``)
give bool tensors and carry no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import default_dtype, device_of, result_dtype, to_device
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


class Clamp(Function):
    """z = min(max(a, lo), hi) with tensor bounds (either may be absent), as PyTorch's clamp:

    dz/da  = 1 where lo <= a and max(a, lo) <= hi (the bounds themselves included),
    dz/dlo = 1 where a < lo <= hi,
    dz/dhi = 1 where max(a, lo) > hi,
    and 0 elsewhere, so exactly one input gets each element's gradient, none where a
    nan is involved (every comparison with nan is False).  With lo > hi, z = hi.
    """

    def forward(self, a, *bounds):
        xp = _xp(a)
        self.a, self.lo = a, (bounds[0] if self.has_lo else None)
        self.low = a if self.lo is None else xp.maximum(a, self.lo)  # maximum keeps nan
        self.hi = bounds[-1] if self.has_hi else None
        return self.low if self.hi is None else xp.minimum(self.low, self.hi)

    def backward(self, g):
        zero = g.dtype.type(0)
        below_hi = True if self.hi is None else self.low <= self.hi
        take_a = below_hi if self.lo is None else (self.a >= self.lo) & below_hi
        grads = [_xp(g).where(take_a, g, zero)]
        if self.lo is not None:
            grads.append(_xp(g).where((self.a < self.lo) & below_hi, g, zero))
        if self.hi is not None:
            grads.append(_xp(g).where(self.low > self.hi, g, zero))
        return tuple(grads)


class Where(Function):
    """z = cond ? a : b;  the gradient flows to a where cond holds, to b elsewhere."""

    def forward(self, a, b):
        return _xp(a).where(self.cond, a, b)

    def backward(self, g):
        zero = _xp(g).zeros((), g.dtype)
        ga = _xp(g).where(self.cond, g, zero) if self.needs_grad[0] else None
        gb = _xp(g).where(self.cond, zero, g) if self.needs_grad[1] else None
        return ga, gb


class Triangle(Function):
    """z = the lower (tril) or upper (triu) triangle of the last two axes, the rest zeroed:
    z = a · M with M[i, j] = 1 where j - i <= k (tril) or j - i >= k (triu);  dz/da = M."""

    def forward(self, a):
        return self._part(a)

    def backward(self, g):
        return (self._part(g),)

    def _part(self, array):
        xp = _xp(array)
        return xp.tril(array, self.diagonal) if self.lower else xp.triu(array, self.diagonal)

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
                            "for tensor bounds use mdl.clamp (or mdl.maximum / mdl.minimum)")
    if lo is None and hi is None:
        raise ValueError("clip needs at least one of lo and hi")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip needs lo <= hi, got lo={lo} and hi={hi}")
    return _clip_numbers(a, lo, hi)


def _clip_numbers(a: Tensor, lo: Any, hi: Any) -> Tensor:
    """clip/clamp with number bounds (or None), checked by the caller."""
    if a.dtype.kind != "f" and any(isinstance(v, (float, np.floating)) for v in (lo, hi)):
        a = astype(a, default_dtype())  # an int tensor clipped to 0.5 becomes float, not float64
    # Python numbers take the tensor's dtype (a NumPy float64 bound would promote float32)
    kind = float if a.dtype.kind == "f" else int
    lo, hi = (None if v is None else kind(v) for v in (lo, hi))
    return Clip.apply(a, lo=lo, hi=hi)


def clamp(a: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's names)
    """Limit the values to [min, max], as ``torch.clamp``: bounds are numbers, tensors or
    None (no limit on that side), and broadcast against ``a``.  With min > max every
    element becomes max.  The gradient goes to ``a`` inside [min, max] (bounds included)
    and to the bound that was picked outside.

    ``mdl.clip`` is the NumPy-style sibling: number bounds only, and min <= max."""
    a = as_tensor(a)
    if min is None and max is None:
        raise ValueError("clamp needs at least one of min and max (both are None)")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and (isinstance(bound, (bool, np.bool_)) or not isinstance(
                bound, (int, float, np.number, Tensor, np.ndarray, list))):
            raise TypeError(f"clamp {name} must be a number, a tensor or None, got {type(bound).__name__}")
    if not isinstance(min, (Tensor, np.ndarray, list)) and not isinstance(max, (Tensor, np.ndarray, list)):
        return _clip_numbers(a, min, max)
    bounds = [as_tensor(b, a) for b in (min, max) if b is not None]
    if bounds[-1].dtype.kind == "b" or (len(bounds) == 2 and bounds[0].dtype.kind == "b"):
        raise TypeError("clamp bounds must be numbers, not bool tensors")
    tensors = [a, *bounds]
    dtype = a.dtype
    for t in bounds:
        dtype = result_dtype(dtype, t.dtype)
    try:
        np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        raise ShapeError(f"clamp: shapes {[t.shape for t in tensors]} of the input and bounds "
                         "do not broadcast") from None
    tensors = [t if t.dtype == dtype else astype(t, dtype) for t in tensors]
    return Clamp.apply(*tensors, has_lo=min is not None, has_hi=max is not None)


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


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``a`` elsewhere, as ``torch.Tensor.masked_fill``.

    ``mask`` is a bool tensor or array that broadcasts with ``a``; ``value`` a number
    (a bool too, e.g. on a bool tensor) or a 0-d tensor (which then receives the gradient
    of the filled places); it takes ``a``'s dtype, as in PyTorch.  The result has the
    broadcast shape of ``a`` and ``mask`` (as PyTorch's out-of-place ``masked_fill``: a
    (3, 4) mask on a (4,) tensor gives (3, 4)).  It is ``where(mask, value, a)``:
    dz/da = 1 where the mask is False, 0 where it is True, summed over the broadcast copies."""
    a = as_tensor(a)
    mask_data = mask.data if isinstance(mask, Tensor) else mask
    mask_data = mask_data if hasattr(mask_data, "dtype") else np.asarray(mask_data)
    if mask_data.dtype.kind != "b":
        raise TypeError(f"masked_fill needs a bool mask (e.g. x > 0), got dtype {mask_data.dtype}")
    try:
        np.broadcast_shapes(tuple(mask_data.shape), a.shape)
    except ValueError:
        raise ShapeError(f"masked_fill: mask of shape {tuple(mask_data.shape)} does not broadcast with the "
                         f"tensor's shape {a.shape}") from None
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill value must be a number or a 0-d tensor, got shape {value.shape}")
        value = value if value.dtype == a.dtype else astype(value, a.dtype)
    elif not isinstance(value, (bool, int, float, np.number, np.bool_)):
        raise TypeError(f"masked_fill value must be a number, a bool or a 0-d tensor, got {type(value).__name__}")
    elif a.dtype.kind != "f" or isinstance(value, (bool, np.bool_)):
        value = as_tensor(np.asarray(value).astype(a.dtype), a)  # as PyTorch: the value takes a's dtype
    return where(mask, value, a)


def tril(a: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (j - i <= diagonal kept), zeros above."""
    return _triangle(a, diagonal, lower=True)


def triu(a: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (j - i >= diagonal kept), zeros below."""
    return _triangle(a, diagonal, lower=False)


def _triangle(a: Any, diagonal: int, lower: bool) -> Tensor:
    a = as_tensor(a)
    name = "tril" if lower else "triu"
    if a.ndim < 2:
        raise ValueError(f"{name} needs a tensor with at least 2 dimensions, got shape {a.shape}")
    if isinstance(diagonal, (bool, np.bool_)) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{name} diagonal must be an int, got {diagonal!r}")
    return Triangle.apply(a, diagonal=int(diagonal), lower=lower)


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
