"""Products and diagonals: prod (a reduction), dot, outer, diag and trace, as PyTorch.

dot and outer are built from matmul and broadcasting multiplication (their gradients
follow from those); prod and the two diagonal moves are small Functions below.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..errors import ShapeError
from .common import as_tensor, axis_and_keepdims, expand_reduced, normalize_axes
from .elementwise import _xp, astype, mul
from .linalg import matmul
from .reduction import sum as reduce_sum
from .shape import _is_int, reshape


class Prod(Function):
    """z = Π_axes a;  dz/da_i = Π_{j != i} a_j, the product of the other factors.

    Not z / a_i, which is 0/0 where a_i = 0: the product of the others is the product of
    the factors before i times the product of those after it (two running products),
    right with any number of zeros (one zero: only its own derivative is non-zero)."""

    def forward(self, a):
        self.a = a
        return a.prod(axis=self.axes, keepdims=self.keepdims, dtype=self.dtype)

    def backward(self, g):
        xp, a, axes = _xp(g), self.a, self.axes
        if a.size == 0:  # no factors to differentiate
            return (xp.zeros(a.shape, dtype=g.dtype),)
        kept = tuple(i for i in range(a.ndim) if i not in axes)
        # the reduced axes last, flattened into one of length k: rows of factors
        rows = a.transpose(kept + axes).reshape(tuple(a.shape[i] for i in kept) + (-1,))
        ones = xp.ones(rows.shape[:-1] + (1,), dtype=rows.dtype)
        before = xp.cumprod(xp.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        after = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(rows, axis=-1)[..., :-1]], axis=-1), axis=-1),
                        axis=-1)
        others = (before * after).reshape(tuple(a.shape[i] for i in kept + axes))
        others = others.transpose(tuple(np.argsort(kept + axes).tolist()))
        return (expand_reduced(g, a.shape, axes, self.keepdims) * others,)


class DiagEmbed(Function):
    """Z = the square matrix with the vector a on its ``k``-th diagonal, zeros elsewhere;
    dL/da is the ``k``-th diagonal of G."""

    def forward(self, a):
        return _xp(a).diag(a, self.k)

    def backward(self, g):
        return (_xp(g).diagonal(g, self.k).copy(),)


class DiagPart(Function):
    """z = the ``k``-th diagonal of the matrix A;  dL/dA is G on that diagonal, 0 elsewhere."""

    def forward(self, a):
        self.shape = a.shape
        return _xp(a).diagonal(a, self.k).copy()

    def backward(self, g):
        xp = _xp(g)
        grad = xp.zeros(self.shape, dtype=g.dtype)
        rows = xp.arange(g.shape[0]) + max(-self.k, 0)
        grad[rows, rows + self.k] = g
        return (grad,)


# ---------------------------------------------------------------- user functions


def prod(a: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool | None = None, dtype: Any = None) -> Tensor:
    """Π over ``axis`` (all elements by default), as ``torch.prod`` and ``np.prod``
    (``dim=``/``keepdim=`` as PyTorch).  Integer and bool tensors give int64, as PyTorch;
    ``dtype=`` converts first.  The gradient is right where factors are zero."""
    a = as_tensor(a)
    if dtype is not None:
        a = astype(a, dtype)
    axis, keepdims = axis_and_keepdims(axis, keepdims, dim, keepdim, "prod")
    axes = normalize_axes(axis, a.ndim)
    out_dtype = a.dtype if a.dtype.kind == "f" else np.dtype(np.int64)
    if not axes:  # a 0-d tensor: the product of one number
        return a if out_dtype == a.dtype else astype(a, out_dtype)
    return Prod.apply(a, axes=axes, keepdims=keepdims, dtype=out_dtype)


def _vector(a: Any, name: str) -> Tensor:
    a = as_tensor(a)
    if a.ndim != 1:
        raise ShapeError(f"{name} expects 1-D tensors, got shape {a.shape}; for matrices use matmul (@)")
    return a


def dot(a: Any, b: Any) -> Tensor:
    """Σ_i a_i b_i of two 1-D tensors of one length, as ``torch.dot`` (which, unlike
    NumPy's ``dot``, takes only vectors; use :func:`matmul` for matrices)."""
    a, b = _vector(a, "dot"), _vector(b, "dot")
    if a.shape != b.shape:
        raise ShapeError(f"dot needs two vectors of one length, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def outer(a: Any, b: Any) -> Tensor:
    """The matrix Z_ij = a_i b_j of two 1-D tensors (``torch.outer``, ``np.outer``)."""
    a, b = _vector(a, "outer"), _vector(b, "outer")
    return mul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def diag(a: Any, diagonal: int = 0) -> Tensor:
    """As ``torch.diag``: a vector gives the square matrix with it on the ``diagonal``-th
    diagonal (0 the main one, > 0 above, < 0 below); a matrix gives that diagonal."""
    a = as_tensor(a)
    if not _is_int(diagonal):
        raise TypeError(f"diag diagonal must be an int, got {diagonal!r}")
    if a.ndim == 1:
        return DiagEmbed.apply(a, k=int(diagonal))
    if a.ndim == 2:
        return DiagPart.apply(a, k=int(diagonal))
    raise ShapeError(f"diag expects a 1-D or 2-D tensor, got shape {a.shape}")


def trace(a: Any) -> Tensor:
    """The sum of the main diagonal of a matrix (``torch.trace``; any 2-D shape).
    Integer and bool matrices give int64, as PyTorch."""
    a = as_tensor(a)
    if a.ndim != 2:
        raise ShapeError(f"trace expects a 2-D tensor, got shape {a.shape}")
    if a.dtype.kind != "f":
        a = astype(a, np.int64)
    return reduce_sum(DiagPart.apply(a, k=0))


METHODS = {"prod": prod, "dot": dot, "outer": outer, "diag": diag, "trace": trace}
