"""Sorting along an axis: sort and topk, each returning (values, indices) as PyTorch, and
argsort (the indices alone).

Both first find the order of the elements (integer indices, no gradient), then gather
the values in that order with :class:`TakeAlong`, whose derivative puts each
gradient back at the place its value came from.  Ties keep their original order
(a stable sort), in both directions; nan counts as larger than every number, as in
PyTorch (so it comes last ascending and first descending).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..autograd import Function, Tensor
from .common import as_tensor, normalize_axes
from .elementwise import _xp


class ValuesIndices(NamedTuple):
    """What sort and topk return (PyTorch returns the same two named fields)."""

    values: Tensor
    indices: Tensor


class TakeAlong(Function):
    """z[..., j, ...] = a[..., idx[..., j, ...], ...] along one axis, for indices that do not
    repeat along it (an order, or part of one);  dz/da = g put back at idx, 0 elsewhere."""

    def forward(self, a):
        self.shape = a.shape
        return _xp(a).take_along_axis(a, self.indices, axis=self.axis)

    def backward(self, g):
        xp = _xp(g)
        grad = xp.zeros(self.shape, dtype=g.dtype)
        grad[_scatter_index(xp, self.indices, self.axis)] = g  # no repeats: assignment is a sum
        return (grad,)


def _scatter_index(xp: Any, indices: Any, axis: int) -> tuple:
    """The advanced index that addresses, for every element of ``indices``, the element of
    the source it names: ``indices`` along ``axis``, its own position along the others."""
    ndim = indices.ndim
    grid = [xp.arange(n).reshape([n if i == j else 1 for j in range(ndim)]) for i, n in enumerate(indices.shape)]
    grid[axis] = indices
    return tuple(grid)


def _stable_order(data: Any, axis: int, descending: bool) -> Any:
    """int64 indices that sort ``data`` along ``axis``, ties in their original order."""
    xp = _xp(data)
    stable = {"kind": "stable"}  # CuPy sorts stably anyway and accepts the name
    if not descending:
        return xp.argsort(data, axis=axis, **stable).astype(np.int64, copy=False)
    # descending and stable: sort the reversed data ascending, then reverse back, so that
    # among equal values the first one comes first (and nan, sorted last, comes first)
    n = data.shape[axis]
    reversed_order = xp.argsort(xp.flip(data, axis=axis), axis=axis, **stable)
    return (n - 1 - xp.flip(reversed_order, axis=axis)).astype(np.int64, copy=False)


def _prepare(a: Any, dim: Any, name: str) -> tuple[Tensor, int]:
    a = as_tensor(a)
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name} dim must be an int, got {dim!r}")
    normalize_axes(dim, a.ndim)  # checks the range (a 0-d tensor takes 0 or -1)
    if a.dtype.kind == "b" and name == "topk":  # PyTorch sorts bools (False < True) but has no bool topk
        raise TypeError(f"{name} of a bool tensor: convert it first with .astype('int64')")
    return a, int(dim) % a.ndim if a.ndim else 0


def _gather(a: Tensor, order: Any, axis: int, shape: tuple[int, ...]) -> ValuesIndices:
    values = TakeAlong.apply(a, indices=order, axis=axis)
    if values.shape != shape:  # a 0-d input was sorted as a 1-element vector
        values, order = values.reshape(shape), order.reshape(shape)
    return ValuesIndices(values, Tensor._wrap(order))


def sort(a: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> ValuesIndices:
    """The values sorted along ``dim`` and their original indices, as ``torch.sort``:
    ``values, indices = mdl.sort(x)``.  Always stable (ties keep their order), so
    ``stable=`` (PyTorch's keyword) changes nothing; bool tensors sort False before True.
    The gradient of the values goes back to the places they came from."""
    if not isinstance(stable, (bool, np.bool_)):
        raise TypeError(f"sort stable must be True or False, got {stable!r}")
    a, axis = _prepare(a, dim, "sort")
    source = a if a.ndim else a.reshape(1)
    return _gather(source, _stable_order(source.data, axis, bool(descending)), axis, a.shape)


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim``, sorted, and their indices, as
    ``torch.topk``.  Among ties the first ones are taken (PyTorch leaves that unspecified)."""
    a, axis = _prepare(a, dim, "topk")
    size = a.shape[axis] if a.ndim else 1
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk k must be an int, got {k!r}")
    if not 0 <= k <= size:
        raise ValueError(f"topk k={k} is out of range: dim {dim} has {size} elements")
    source = a if a.ndim else a.reshape(1)
    order = _stable_order(source.data, axis, bool(largest))
    order = order[(slice(None),) * axis + (slice(0, int(k)),)]
    shape = ((() if k else (0,)) if not a.ndim else tuple(int(k) if i == axis else n for i, n in enumerate(a.shape)))
    return _gather(source, order, axis, shape)


def extreme_along(a: Tensor, dim: int, keepdim: bool, largest: bool) -> ValuesIndices:
    """PyTorch's ``x.max(dim=d)`` / ``x.min(dim=d)``: the extreme values along ``d`` and the
    index of the first one (of the first nan, which wins, as in PyTorch).  The gradient of
    each value goes to that one element, as PyTorch routes it (``amax`` shares it on ties)."""
    a, axis = _prepare(a, dim, "max" if largest else "min")
    source = a if a.ndim else a.reshape(1)
    xp = _xp(source.data)
    pick = xp.argmax if largest else xp.argmin
    index = xp.expand_dims(pick(source.data, axis=axis), axis).astype(np.int64, copy=False)
    if not a.ndim:
        shape: tuple[int, ...] = ()
    elif keepdim:
        shape = tuple(1 if i == axis else n for i, n in enumerate(a.shape))
    else:
        shape = tuple(n for i, n in enumerate(a.shape) if i != axis)
    return _gather(source, index, axis, shape)


def argsort(a: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort ``a`` along ``dim`` (``sort(a, dim, descending).indices``), as
    ``torch.argsort``: an int64 tensor, no gradient.  Always stable (ties keep their
    order), so ``stable=`` changes nothing; nan sorts as larger than every number."""
    if not isinstance(stable, (bool, np.bool_)):
        raise TypeError(f"argsort stable must be True or False, got {stable!r}")
    if not isinstance(descending, (bool, np.bool_)):
        raise TypeError(f"argsort descending must be True or False, got {descending!r}")
    a, axis = _prepare(a, dim, "argsort")
    source = a.data if a.ndim else a.data.reshape(1)
    return Tensor._wrap(_stable_order(source, axis, bool(descending)).reshape(a.shape))
