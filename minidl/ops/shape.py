"""Operations that move elements around without changing them.

reshape, transpose, expand_dims, squeeze, broadcast_to, concatenate, stack, pad,
indexing (``x[...]``) and device copies.  Their derivatives move the gradient back
to where each element came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ..backend import result_dtype
from ..errors import InvalidIndexError, ShapeError
from .common import as_tensor, normalize_axes
from .elementwise import astype


class Reshape(Function):
    """Same elements, new shape; the gradient is reshaped back."""

    def forward(self, a):
        self.shape = a.shape
        return a.reshape(self.new_shape)

    def backward(self, g):
        return (g.reshape(self.shape),)


class Transpose(Function):
    """Permute the axes; the gradient is permuted by the inverse permutation."""

    def forward(self, a):
        return a.transpose(self.axes)

    def backward(self, g):
        return (g.transpose(tuple(np.argsort(self.axes).tolist())),)


class BroadcastTo(Function):
    """Repeat along new or size-1 axes; the engine's unbroadcast sums the gradient back."""

    def forward(self, a):
        return backend.get_array_module(a).broadcast_to(a, self.shape)

    def backward(self, g):
        return (g,)


class Concatenate(Function):
    """Join along an existing axis; the gradient is cut back into the original pieces."""

    def forward(self, *arrays):
        self.sizes = [a.shape[self.axis] for a in arrays]
        return backend.get_array_module(arrays[0]).concatenate(arrays, axis=self.axis)

    def backward(self, g):
        bounds = np.cumsum(self.sizes)[:-1].tolist()
        return tuple(backend.get_array_module(g).split(g, bounds, axis=self.axis))


class Stack(Function):
    """Join along a new axis; each input's gradient is its slice along that axis."""

    def forward(self, *arrays):
        return backend.get_array_module(arrays[0]).stack(arrays, axis=self.axis)

    def backward(self, g):
        return tuple(g.take(i, axis=self.axis) for i in range(g.shape[self.axis]))


class Pad(Function):
    """Add constant borders; the gradient is the interior slice."""

    def forward(self, a):
        self.inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(self.widths, a.shape))
        xp = backend.get_array_module(a)
        return xp.pad(a, self.widths, mode="constant", constant_values=self.value)

    def backward(self, g):
        return (g[self.inner],)


class GetItem(Function):
    """z = a[index].  Basic indexing copies the gradient into a slice of zeros; integer
    and boolean arrays may repeat an element, so their gradient is scatter-added."""

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        return a[self.index]

    def backward(self, g):
        xp = backend.get_array_module(g)
        grad = xp.zeros(self.shape, dtype=g.dtype)
        if self.advanced:
            if xp is np:
                np.add.at(grad, self.index, g)
            else:
                import cupyx  # noqa: PLC0415

                cupyx.scatter_add(grad, self.index, g)
        else:
            grad[self.index] = g
        return (grad,)


class ToDevice(Function):
    """Copy to another device; the gradient is copied back."""

    def forward(self, a):
        self.source = backend.device_of(a)
        return backend.to_device(a, self.device)

    def backward(self, g):
        return (backend.to_device(g, self.source),)


# ---------------------------------------------------------------- user functions


def reshape(a: Tensor, *shape: Any) -> Tensor:
    """Same elements in a new shape, given as sizes or one tuple; one size may be -1."""
    a = as_tensor(a)
    one_sequence = len(shape) == 1 and isinstance(shape[0], (tuple, list, np.ndarray))
    new_shape = tuple(shape[0]) if one_sequence else shape
    resolved = _resolve_shape(new_shape, a.shape, a.size)
    if resolved == a.shape:
        return a
    return Reshape.apply(a, new_shape=resolved)


def _resolve_shape(new_shape: tuple, old_shape: tuple, size: int) -> tuple[int, ...]:
    """Fill in one -1 and check that the element count is unchanged."""
    if not all(_is_int(n) for n in new_shape):
        raise TypeError(f"reshape needs integer sizes, got {new_shape!r}")
    dims = [int(n) for n in new_shape]
    unknown = [i for i, n in enumerate(dims) if n == -1]
    known = 1
    for n in dims:
        known *= n if n != -1 else 1
    bad = len(unknown) > 1 or any(n < -1 for n in dims)
    if not bad and unknown:
        bad = known == 0 or size % known != 0
        if not bad:
            dims[unknown[0]] = size // known
    if bad or (not unknown and known != size):
        raise ShapeError(
            f"cannot reshape a tensor of shape {old_shape} ({size} elements) into {new_shape}"
        )
    return tuple(dims)


def flatten(a: Tensor, start_axis: int = 1) -> Tensor:
    """Keep the axes before ``start_axis`` and merge the rest: (N, H, W, C) -> (N, H·W·C)."""
    a = as_tensor(a)
    start = normalize_axes(start_axis, a.ndim)[0] if a.ndim else 0
    return reshape(a, a.shape[:start] + (-1,))


def transpose(a: Tensor, *axes: Any, perm: Any = None) -> Tensor:
    """Permute the axes: ``transpose(1, 0, 2)``, ``transpose((1, 0, 2))`` or TensorFlow's
    ``transpose(x, perm=[1, 0, 2])``; none reverses them.
    Two axes of a tensor that has more (or fewer) than two swap those two, as PyTorch's
    ``x.transpose(0, 1)`` (NumPy would refuse them as an incomplete permutation)."""
    a = as_tensor(a)
    if perm is not None:
        if axes:
            raise TypeError(f"transpose got both axes {axes} and perm={perm!r}; give one")
        perm = perm.tolist() if hasattr(perm, "tolist") else perm
        if isinstance(perm, (str, bytes)) or not hasattr(perm, "__iter__"):
            raise TypeError(f"transpose perm must be a sequence of {a.ndim} ints, got {perm!r}")
        axes = tuple(perm)
        if len(axes) != a.ndim:  # an empty perm must not fall through to "reverse all"
            raise ValueError(f"transpose perm {list(axes)} must have one entry per axis of the tensor "
                             f"of shape {a.shape} ({a.ndim}), got {len(axes)}")
        axes = (axes,)
    if len(axes) == 2 and a.ndim != 2 and _is_int(axes[0]) and _is_int(axes[1]):
        return swapaxes(a, *axes)
    if len(axes) == 1 and not _is_int(axes[0]):
        axes = tuple(axes[0]) if axes[0] is not None else ()
    if not axes:
        axes = tuple(reversed(range(a.ndim)))
    if not all(_is_int(x) for x in axes):
        raise TypeError(f"transpose axes must be ints, got {axes!r}")
    if any(not -a.ndim <= x < a.ndim for x in axes) or \
            sorted(int(x) % a.ndim for x in axes) != list(range(a.ndim)):
        raise ValueError(f"transpose axes {axes} are not a permutation of the {a.ndim} axes "
                         f"of a tensor of shape {a.shape}")
    return Transpose.apply(a, axes=tuple(int(x) % a.ndim for x in axes))


def swapaxes(a: Tensor, axis1: int, axis2: int) -> Tensor:
    a = as_tensor(a)
    if not (_is_int(axis1) and _is_int(axis2)):
        raise TypeError(f"swapaxes needs int axes, got {axis1!r} and {axis2!r}")
    for axis in (axis1, axis2):
        if not -a.ndim <= axis < a.ndim:
            raise ValueError(f"swapaxes axis {axis} is out of range for a tensor with {a.ndim} dimensions")
    order = list(range(a.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return transpose(a, order)


def expand_dims(a: Tensor, axis: int) -> Tensor:
    a = as_tensor(a)
    if not _is_int(axis):
        raise TypeError(f"expand_dims axis must be an int, got {axis!r}")
    if not -a.ndim - 1 <= axis <= a.ndim:
        raise ValueError(f"expand_dims axis {axis} out of range for {a.ndim} dimensions")
    axis = axis % (a.ndim + 1)
    return reshape(a, a.shape[:axis] + (1,) + a.shape[axis:])


def squeeze(a: Tensor, axis: Any = None, *, dim: Any = None) -> Tensor:
    """Drop axes of size 1: all of them, or those named by ``axis`` (an int or a tuple).

    ``axis=`` (and a positional axis) follows NumPy: naming an axis whose size is not 1
    is an error.  ``dim=`` follows PyTorch, which leaves such an axis alone
    (``x.squeeze(dim=0)`` on a batch of 2 returns ``x`` unchanged)."""
    a = as_tensor(a)
    if dim is not None and axis is not None:
        raise TypeError(f"squeeze got both axis={axis!r} and dim={dim!r}; they are the same argument, give one")
    if axis is None and dim is None:
        axes = tuple(i for i, n in enumerate(a.shape) if n == 1)
    elif dim is not None:
        axes = tuple(i for i in normalize_axes(dim, a.ndim) if a.shape[i] == 1)
    else:
        axes = normalize_axes(axis, a.ndim)
        for i in axes:
            if a.shape[i] != 1:
                raise ValueError(f"cannot squeeze axis {i} of shape {a.shape}: its size is not 1 "
                                 f"(as NumPy); squeeze(dim={i}) leaves it alone instead, as PyTorch")
    return reshape(a, tuple(n for i, n in enumerate(a.shape) if i not in axes))


def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    a = as_tensor(a)
    shape = (shape,) if _is_int(shape) else tuple(shape) if isinstance(shape, (tuple, list)) else shape
    if not isinstance(shape, tuple) or not all(_is_int(n) for n in shape):
        raise TypeError(f"broadcast_to needs a shape of ints, got {shape!r}")
    try:
        np.broadcast_shapes(a.shape, shape)
    except ValueError:
        raise ShapeError(f"cannot broadcast shape {a.shape} to {shape}") from None
    return BroadcastTo.apply(a, shape=shape)


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along the existing axis ``axis`` (``dim=`` as PyTorch spells it; ``mdl.cat``).
    Empty 1-D tensors, shape (0,), are skipped, as PyTorch does."""
    axis = _axis_or_dim(axis, dim, "concatenate")
    tensors = _same_kind(tensors, "concatenate")
    if any(t.shape != (0,) for t in tensors):
        # As PyTorch: an empty 1-D tensor (the usual start of `out = cat([out, x])` in a loop)
        # joins nothing and is skipped whatever the others' shapes; it still sets the dtype.
        tensors = [t for t in tensors if t.shape != (0,)]
    ndim = tensors[0].ndim
    if ndim == 0:
        raise ValueError("cannot concatenate 0-d tensors; use stack")
    if not _is_int(axis):
        raise TypeError(f"concatenate axis must be an int, got {axis!r}")
    axis = normalize_axes(axis, ndim)[0]
    for t in tensors[1:]:
        if t.ndim != ndim or any(
            n != m for i, (n, m) in enumerate(zip(t.shape, tensors[0].shape)) if i != axis
        ):
            raise ShapeError(
                f"concatenate along axis {axis} needs equal shapes elsewhere, got "
                f"{[x.shape for x in tensors]}"
            )
    return Concatenate.apply(*tensors, axis=axis)


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """PyTorch's name for :func:`concatenate`: join along the existing axis ``dim``."""
    return concatenate(tensors, axis=dim)


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join along a new axis ``axis`` (``dim=`` as PyTorch spells it)."""
    axis = _axis_or_dim(axis, dim, "stack")
    tensors = _same_kind(tensors, "stack")
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ShapeError(f"stack needs tensors of one shape, got {[t.shape for t in tensors]}")
    ndim = tensors[0].ndim + 1
    if not _is_int(axis):
        raise TypeError(f"stack axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack axis {axis} out of range for {ndim} dimensions")
    return Stack.apply(*tensors, axis=axis % ndim)


def pad(a: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """Pad with a constant; ``pad_width`` as NumPy: int, (before, after) or one pair per axis."""
    a = as_tensor(a)
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (a.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad_width {pad_width!r} does not fit a tensor with {a.ndim} dimensions; "
            "expected an int, a (before, after) pair, or one pair per axis"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad widths must be non-negative, got {pad_width!r}")
    return Pad.apply(a, widths=tuple(map(tuple, widths.tolist())), value=value)


def getitem(a: Tensor, index: Any) -> Tensor:
    index, advanced = _normalize_index(index, a)
    try:
        return GetItem.apply(a, index=index, advanced=advanced)
    except IndexError as error:
        raise InvalidIndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {error}") from None


def to_device(a: Tensor, device: str) -> Tensor:
    if a.device == device:
        return a
    return ToDevice.apply(a, device=device)


def _normalize_index(index: Any, like: Tensor) -> tuple[Any, bool]:
    """Turn Tensors and lists inside an index into arrays; tell whether it is advanced."""
    items = index if isinstance(index, tuple) else (index,)
    out, advanced = [], False
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        elif isinstance(item, list) or (isinstance(item, np.ndarray) and like.device == "cuda"):
            # index arrays live with the data; an empty list selects nothing (as NumPy)
            empty = isinstance(item, list) and not item
            item = like.xp.zeros(0, dtype=np.int64) if empty else like.xp.asarray(item)
        if hasattr(item, "dtype") and getattr(item, "ndim", 0) >= 0 and hasattr(item, "shape"):
            if item.dtype.kind not in "iub":
                raise InvalidIndexError(f"tensors used as indices must be integer or bool, got {item.dtype}")
            advanced = True
        out.append(item)
    return (tuple(out) if isinstance(index, tuple) else out[0]), advanced


def _same_kind(tensors: Sequence[Any], name: str) -> list[Tensor]:
    """The inputs of concatenate/stack as tensors of one dtype (promoted as arithmetic does)."""
    if isinstance(tensors, (Tensor, str)) or not isinstance(tensors, Iterable):
        raise TypeError(f"{name} expects a list or tuple of tensors, got {type(tensors).__name__}; "
                        f"e.g. mdl.{name}([a, b], axis=0)")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name} needs at least one tensor")
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    tensors = [as_tensor(t, like) if like is not None else as_tensor(t) for t in tensors]
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = result_dtype(dtype, t.dtype)
    return [t if t.dtype == dtype else astype(t, dtype) for t in tensors]


def _axis_or_dim(axis: Any, dim: Any, name: str) -> Any:
    """The axis given as NumPy's ``axis=`` or PyTorch's ``dim=`` (not both)."""
    if dim is None:
        return axis
    if axis != 0:
        raise TypeError(f"{name} got both axis={axis!r} and dim={dim!r}; they are the same argument, give one")
    return dim


def _is_int(value: Any) -> bool:
    """A Python or NumPy integer, not a bool (``True`` as a size or an axis is a mistake)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
