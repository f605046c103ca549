"""Tests on values and logical connectives: isnan, isinf, isfinite, logical_and/or/xor/not.

They answer yes or no for every element, so they return bool tensors and have no
gradient (as comparisons).  The logical ones read any number as true when it is not
zero, as PyTorch and NumPy do: ``logical_and(x, mask)`` works for float, int and bool.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..errors import ShapeError
from .common import as_tensor


def _bool_result(out: Any) -> Tensor:
    return Tensor._wrap(out if type(out) is not np.bool_ else np.asarray(out))  # 0-d: an array


def _check(a: Any, name: str) -> Tensor:
    a = as_tensor(a)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} expects a numeric tensor, got dtype {a.dtype}")
    return a


def isnan(a: Any) -> Tensor:
    """True where ``a`` is nan (never for integer or bool tensors)."""
    a = _check(a, "isnan")
    return _bool_result(a.xp.isnan(a.data))


def isinf(a: Any) -> Tensor:
    """True where ``a`` is +inf or -inf."""
    a = _check(a, "isinf")
    return _bool_result(a.xp.isinf(a.data))


def isfinite(a: Any) -> Tensor:
    """True where ``a`` is neither nan nor ±inf."""
    a = _check(a, "isfinite")
    return _bool_result(a.xp.isfinite(a.data))


def logical_not(a: Any) -> Tensor:
    """True where ``a`` is zero (False), False elsewhere."""
    a = _check(a, "logical_not")
    return _bool_result(a.xp.logical_not(a.data))


def _connective(name: str) -> Any:
    def connect(a: Any, b: Any) -> Tensor:
        like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
        a, b = _check(as_tensor(a, like), name), _check(as_tensor(b, like), name)  # numbers on like's device
        if a.device != b.device:
            from ..errors import DeviceMismatchError

            raise DeviceMismatchError(f"{name} got tensors on different devices: {a.device} and {b.device}")
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ShapeError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") from None
        return _bool_result(getattr(a.xp, name)(a.data, b.data))

    connect.__name__ = name
    connect.__doc__ = f"Elementwise {name.split('_')[1]} of ``a`` and ``b`` read as booleans (non-zero is " \
                      "true); they broadcast.  A bool tensor, no gradient."
    return connect


logical_and = _connective("logical_and")
logical_or = _connective("logical_or")
logical_xor = _connective("logical_xor")

METHODS = {"isnan": isnan, "isinf": isinf, "isfinite": isfinite, "logical_not": logical_not,
           "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor}
