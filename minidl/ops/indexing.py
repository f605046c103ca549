"""Picking and placing elements by integer indices along one axis, as PyTorch:
gather, take_along_dim, index_select, masked_select, nonzero, scatter and scatter_add.

The pickers (gather, take_along_dim, index_select, masked_select) are advanced
indexing, ``a[index arrays]``, so their derivative is :class:`minidl.ops.shape.GetItem`'s:
each output gradient is added back at the element it was read from (an element read
twice gets both).  For ``gather`` along axis 1 of a 3-D tensor the index arrays are

    out[i, j, k] = a[i, index[i, j, k], k],

i.e. ``index`` along ``dim`` and each element's own position along the other axes.
``scatter`` writes the other way round; it is the small :class:`Scatter` Function below.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import device_of, to_device
from ..errors import DeviceMismatchError, InvalidIndexError, ShapeError
from .common import as_tensor, normalize_axes
from .elementwise import _xp
from .shape import _is_int, broadcast_to, getitem
from .sorting import _scatter_index


class Scatter(Function):
    """z = a with src written (``add=False``) or added (``add=True``) at the places
    that ``index`` names along ``axis`` (``z[i, index[i, j], ...] = src[i, j, ...]`` for axis 1).

    dz/da: 1 where a is kept; where src overwrote a, 0 (scatter_add keeps every a: 1).
    dz/dsrc: each src element lands at one place, so its gradient is G read there,
    ``gather(G, axis, index)``."""

    def forward(self, a, src):
        out = a.copy()
        if self.add:
            _add_at(out, self.places, src)
        else:
            out[self.places] = src
        return out

    def backward(self, g):
        grad_a = grad_src = None
        if self.needs_grad[0]:
            grad_a = g
            if not self.add:
                grad_a = g.copy()
                grad_a[self.places] = 0
        if self.needs_grad[1]:
            grad_src = g[self.places]
        return grad_a, grad_src


def _add_at(target: Any, places: tuple, values: Any) -> None:
    """target[places] += values, adding once per repeat of a place (NumPy's ``add.at``)."""
    if _xp(target) is np:
        np.add.at(target, places, values)
    else:
        import cupyx  # noqa: PLC0415  (only on the GPU)

        if target.dtype == np.int64:  # CUDA adds no signed 64-bit integers atomically, but the
            # unsigned sum has the same bits (two's complement), so add them as uint64
            target, values = target.view(np.uint64), values.view(np.uint64)
        cupyx.scatter_add(target, places, values)


# ---------------------------------------------------------------- checks


def _axis(a: Tensor, dim: Any, name: str) -> int:
    if not _is_int(dim):
        raise TypeError(f"{name} dim must be an int, got {dim!r}")
    return normalize_axes(dim, a.ndim)[0] if a.ndim else 0


def _on_device(index: Any, a: Tensor, name: str, what: str) -> Any:
    """``index`` (a Tensor, an array or a list) as an array on ``a``'s device.  Host data
    is copied to the GPU; device data must already be on ``a``'s device (no silent move)."""
    array = index.data if isinstance(index, Tensor) else index
    device = device_of(array) if hasattr(array, "dtype") else "cpu"
    if isinstance(index, Tensor) or device == "cuda":
        if device != a.device:
            raise DeviceMismatchError(f"{name}: the input is on {a.device} but the {what} is on {device}")
        return array
    try:
        host = np.asarray(array)
    except ValueError:  # a ragged nested list
        raise TypeError(f"{name}: the {what} must be a tensor, an array or a list of ints, got a "
                        "nested list whose rows have different lengths") from None
    return to_device(host, a.device)


def _indices(index: Any, a: Tensor, name: str, what: str = "index") -> Any:
    """``index`` as an integer array on ``a``'s device (a Tensor, a list or a NumPy array)."""
    array = _on_device(index, a, name, what)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} {what} must be an integer tensor (e.g. int64), got dtype {array.dtype}")
    return array


def _within(index: Any, size: int, name: str, axis: int) -> Any:
    """Check that every index addresses one of the ``size`` elements along ``axis``;
    negative indices are refused, as PyTorch refuses them in these functions."""
    if index.size:
        low, high = int(index.min()), int(index.max())
        if low < 0 or high >= size:
            bad = low if low < 0 else high
            raise InvalidIndexError(f"{name}: index {bad} is out of bounds for dim {axis} of size {size} "
                                    f"(indices must be in 0 .. {size - 1})")
    return index.astype(np.int64, copy=False)


def _same_rank(index: Any, a: Tensor, axis: int, name: str, what: str = "input") -> None:
    """``index`` has one axis per axis of ``a``, no longer than ``a``'s except along ``axis``."""
    if index.ndim != a.ndim and not (a.ndim == 0 and index.ndim == 1):  # 0-d: a one-element vector
        raise ShapeError(f"{name}: the index must have as many dimensions as the {what} ({a.ndim}), "
                         f"got an index of shape {tuple(index.shape)}")
    for d, (n, m) in enumerate(zip(index.shape, a.shape)):
        if d != axis and n > m:
            raise ShapeError(f"{name}: index shape {tuple(index.shape)} is larger than the {what} shape "
                             f"{a.shape} along dim {d} (only dim {axis} may differ)")


# ---------------------------------------------------------------- pickers


def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim=1``, as ``torch.gather``:
    picks one element along ``dim`` for every element of ``index`` (the output has the
    index's shape, which may be smaller than the input's along the other dims).
    The classic use: ``log_probs.gather(1, labels.unsqueeze(1))``."""
    a = as_tensor(input)
    axis = _axis(a, dim, "gather")
    index = _indices(index, a, "gather")
    _same_rank(index, a, axis, "gather")
    if a.ndim == 0:  # a 0-d input is a one-element vector
        _within(index, 1, "gather", 0)
        return getitem(a.reshape(1), index.reshape(-1)).reshape(index.shape)
    index = _within(index, a.shape[axis], "gather", axis)
    return getitem(a, _scatter_index(a.xp, index, axis))


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """As ``torch.take_along_dim`` (NumPy's ``take_along_axis``): :func:`gather`, except that
    the input and the indices broadcast along the other dims; without ``dim``, both
    are flattened first."""
    a = as_tensor(input)
    index = _indices(indices, a, "take_along_dim", "indices")
    if dim is None:
        return gather(a.reshape(-1), 0, index.reshape(-1))
    axis = _axis(a, dim, "take_along_dim")
    if index.ndim != a.ndim:
        raise ShapeError(f"take_along_dim: the indices must have as many dimensions as the input ({a.ndim}), "
                         f"got shape {tuple(index.shape)}")
    a_others = a.shape[:axis] + a.shape[axis + 1:]
    index_others = tuple(index.shape[:axis]) + tuple(index.shape[axis + 1:])
    try:
        common = np.broadcast_shapes(a_others, index_others)
    except ValueError:
        raise ShapeError(f"take_along_dim: input shape {a.shape} and indices shape {tuple(index.shape)} do not "
                         f"broadcast along the dims other than {axis}") from None
    common = list(common)
    a_shape = tuple(common[:axis] + [a.shape[axis]] + common[axis:])
    i_shape = tuple(common[:axis] + [index.shape[axis]] + common[axis:])
    a = a if a.shape == a_shape else broadcast_to(a, a_shape)
    return gather(a, axis, a.xp.broadcast_to(index, i_shape))


def index_select(input: Any, dim: int, index: Any) -> Tensor:  # noqa: A002
    """The slices of ``input`` at the positions ``index`` (a 1-D integer tensor) along
    ``dim``, in that order (repeats allowed), as ``torch.index_select``: ``x.index_select(0,
    idx)`` is ``x[idx]``.  The output has ``len(index)`` elements along ``dim``."""
    a = as_tensor(input)
    axis = _axis(a, dim, "index_select")
    index = _indices(index, a, "index_select")
    if index.ndim > 1:
        raise ShapeError(f"index_select needs a 1-D index, got shape {tuple(index.shape)}")
    index = _within(index.reshape(-1), a.shape[axis] if a.ndim else 1, "index_select", axis)
    if a.ndim == 0:
        return getitem(a.reshape(1), index).reshape(())
    return getitem(a, (slice(None),) * axis + (index,))


def masked_select(input: Any, mask: Any) -> Tensor:  # noqa: A002
    """The elements of ``input`` where the bool ``mask`` is True, as a 1-D tensor in
    row-major order (``torch.masked_select``, ``x[mask]``); input and mask broadcast."""
    a = as_tensor(input)
    mask = _indices_bool(mask, a)
    try:
        shape = np.broadcast_shapes(a.shape, tuple(mask.shape))
    except ValueError:
        raise ShapeError(f"masked_select: input shape {a.shape} and mask shape {tuple(mask.shape)} "
                         "do not broadcast") from None
    a = a if a.shape == shape else broadcast_to(a, shape)
    return getitem(a.reshape(-1), a.xp.broadcast_to(mask, shape).reshape(-1))


def _indices_bool(mask: Any, a: Tensor) -> Any:
    mask = _on_device(mask, a, "masked_select", "mask")
    if mask.dtype.kind != "b":
        raise TypeError(f"masked_select needs a bool mask, got dtype {mask.dtype}; e.g. x > 0")
    return mask


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """The positions of the non-zero elements, as ``torch.nonzero``: an int64 tensor of
    shape (count, ndim), one row per element in row-major order; with ``as_tuple=True``
    one 1-D tensor per dim (NumPy's ``np.nonzero``), usable as ``x[mdl.nonzero(x, as_tuple=True)]``."""
    a = as_tensor(input)
    if not isinstance(as_tuple, (bool, np.bool_)):
        raise TypeError(f"nonzero as_tuple must be True or False, got {as_tuple!r}")
    xp = a.xp
    if a.ndim == 0:  # as PyTorch: (1, 0) or (0, 0) rows; as a tuple, read as a one-element vector
        count = int(bool(a.data))
        if as_tuple:
            return (Tensor._wrap(xp.zeros(count, dtype=np.int64)),)
        return Tensor._wrap(xp.zeros((count, 0), dtype=np.int64))
    places = tuple(p.astype(np.int64, copy=False) for p in xp.nonzero(a.data))
    if as_tuple:
        return tuple(Tensor._wrap(p) for p in places)
    return Tensor._wrap(xp.stack(places, axis=1))


# ---------------------------------------------------------------- placers


def _scatter(a: Tensor, dim: Any, index: Any, src: Any, name: str, add: bool) -> Tensor:
    axis = _axis(a, dim, name)
    if a.ndim == 0:
        raise ShapeError(f"{name} needs an input with at least one dimension, got a 0-d tensor")
    index = _indices(index, a, name)
    _same_rank(index, a, axis, name)
    index = _within(index, a.shape[axis], name, axis)
    if isinstance(src, (list, np.ndarray)):  # host data: a constant tensor like the input
        src = as_tensor(src, a)
    if isinstance(src, Tensor):
        if src.device != a.device:
            raise DeviceMismatchError(f"{name}: the input is on {a.device} but src is on {src.device}")
        if src.dtype != a.dtype:
            raise TypeError(f"{name}: src has dtype {src.dtype} but the input has {a.dtype}; they must match "
                            f"(convert one with .to(dtype))")
        if src.ndim != a.ndim or any(n > m for n, m in zip(index.shape, src.shape)):
            raise ShapeError(f"{name}: src of shape {src.shape} must have as many dimensions as the input "
                             f"({a.ndim}) and be at least as large as the index {tuple(index.shape)} in each")
        if src.shape != tuple(index.shape):  # only the part the index covers is used, as PyTorch
            src = getitem(src, tuple(slice(0, n) for n in index.shape))
    elif add:
        raise TypeError(f"{name} needs a tensor src, got {type(src).__name__}; for a number use scatter(value=)")
    else:
        if isinstance(src, bool) or not isinstance(src, (int, float, np.number)):
            raise TypeError(f"{name} src must be a tensor or a number, got {type(src).__name__}")
        src = Tensor._wrap(a.xp.full(index.shape, src, dtype=a.dtype))
    return Scatter.apply(a, src, places=_scatter_index(a.xp, index, axis), add=add)


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,  # noqa: A002
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written at the places ``index`` names along ``dim``
    (``out[i][index[i][j]] = src[i][j]`` for ``dim=1``), as the out-of-place
    ``torch.scatter``; ``src`` may be a tensor or a number (also as ``value=``).  The
    one-hot idiom: ``mdl.zeros(n, k).scatter(1, labels.unsqueeze(1), 1.0)``.
    Where an index repeats, one of the writes wins (PyTorch does not say which)."""
    a = as_tensor(input)
    if reduce is not None:
        raise ValueError(f"scatter reduce={reduce!r} is not supported; use scatter_add for sums")
    if (src is None) == (value is None):
        raise TypeError("scatter needs exactly one of src (a tensor or a number) and value=")
    return _scatter(a, dim, index, value if src is None else src, "scatter", add=False)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with every element of ``src`` added at the place ``index`` names
    along ``dim`` (repeated places add up), as the out-of-place ``torch.scatter_add``:
    ``mdl.zeros(k).scatter_add(0, labels, mdl.ones(n))`` counts the labels."""
    return _scatter(as_tensor(input), dim, index, src, "scatter_add", add=True)


METHODS = {"gather": gather, "take_along_dim": take_along_dim, "index_select": index_select,
           "masked_select": masked_select, "nonzero": nonzero, "scatter": scatter, "scatter_add": scatter_add}
