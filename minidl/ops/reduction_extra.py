"""PyTorch's amax/amin (the extreme value along dims, ties sharing the gradient) and
cumprod (the running product, with a gradient that stays right where factors are 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from .common import as_tensor, normalize_axes
from .elementwise import _xp
from .reduction import MaxMin, _check_nonempty, running


class CumProd(Function):
    """z_i = Π_{k <= i} a_k along one axis.

    dL/da_j = Σ_{i >= j} G_i · Π_{k <= i, k != j} a_k = P_{j-1} · S_j, with P_{j-1} the
    product of the factors before j and S_j = Σ_{i >= j} G_i Π_{j < k <= i} a_k.  S comes
    from the last element backwards (S_j = G_j + a_{j+1} S_{j+1}) without dividing by
    a_j, so zeros among the factors are no problem (z_i / a_j would be 0/0)."""

    def forward(self, a):
        self.a = a
        return _xp(a).cumprod(a, axis=self.axis, dtype=self.dtype)

    def backward(self, g):
        xp = _xp(g)
        a = xp.moveaxis(self.a, self.axis, -1).astype(g.dtype, copy=False)
        g_last = xp.moveaxis(g, self.axis, -1)
        n = a.shape[-1]
        if n == 0:
            return (xp.zeros(self.a.shape, dtype=g.dtype),)
        before = xp.cumprod(xp.concatenate([xp.ones(a.shape[:-1] + (1,), dtype=a.dtype), a[..., :-1]], axis=-1),
                            axis=-1)
        later = xp.empty_like(g_last)
        later[..., n - 1] = g_last[..., n - 1]
        for j in range(n - 2, -1, -1):  # one step per position: exact, at the cost of a Python loop
            later[..., j] = g_last[..., j] + a[..., j + 1] * later[..., j + 1]
        return (xp.moveaxis(before * later, -1, self.axis),)


def _extreme(a: Any, dim: Any, keepdim: Any, largest: bool) -> Tensor:
    name = "amax" if largest else "amin"
    a = as_tensor(a)
    if not isinstance(keepdim, (bool, np.bool_)):
        raise TypeError(f"{name} keepdim must be True or False, got {keepdim!r}")
    axes = normalize_axes(None if dim is None or (isinstance(dim, (tuple, list)) and not dim) else dim, a.ndim)
    _check_nonempty(a, axes, name)
    if a.dtype.kind == "b":
        raise TypeError(f"{name} of a bool tensor: use .any() / .all(), or convert it first with .astype('int64')")
    return MaxMin.apply(a, axes=axes, keepdims=bool(keepdim), largest=largest)


def amax(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The largest value along ``dim`` (an int or a tuple; all dims by default), as
    ``torch.amax``: only the values (``torch.max(x, dim)`` adds the indices), and the
    gradient is split evenly among tied maxima (``max(dim=)`` sends it to one of them)."""
    return _extreme(input, dim, keepdim, largest=True)


def amin(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The smallest value along ``dim``, as ``torch.amin`` (see :func:`amax`)."""
    return _extreme(input, dim, keepdim, largest=False)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running product along ``dim``, as ``torch.cumprod`` (the output has the input's
    shape).  Integer and bool tensors give int64, as PyTorch; ``dtype=`` converts first.
    The gradient is exact also where some factors are zero."""
    return running(CumProd, "cumprod", input, dim, dtype)

METHODS = {"amax": amax, "amin": amin, "cumprod": cumprod}
