"""Cutting a tensor into pieces along one axis, as PyTorch: split, chunk, unbind, narrow.

Each piece is a slice of the input (``x[..., start:stop, ...]`` or ``x[..., i, ...]``),
so its derivative is the slice's: the piece's gradient put back at the place the
piece came from, zeros elsewhere (:class:`minidl.ops.shape.GetItem`).  When several
pieces are used, the engine adds their gradients, which fills the whole input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..errors import InvalidIndexError
from .common import as_tensor, normalize_axes
from .shape import _is_int, getitem


def _axis(a: Tensor, dim: Any, name: str) -> int:
    """``dim`` as a non-negative axis of ``a``, which must have one."""
    if not _is_int(dim):
        raise TypeError(f"{name} dim must be an int, got {dim!r}")
    if a.ndim == 0:
        raise ValueError(f"{name} needs a tensor with at least one dimension, got a 0-d tensor")
    return normalize_axes(dim, a.ndim)[0]


def _piece(a: Tensor, axis: int, start: int, stop: int) -> Tensor:
    return getitem(a, (slice(None),) * axis + (slice(start, stop),))


def split(a: Tensor, split_size_or_sections: Any = None, dim: int = 0, *, split_size: Any = None) -> tuple[Tensor, ...]:
    """Cut ``a`` along ``dim`` into pieces, as ``torch.split``: an int gives pieces of that
    size (the last one smaller if the size does not divide evenly); a list gives pieces
    of those sizes, which must add up to the length of ``dim``.  ``x.split(split_size=2)``
    is the Tensor method's keyword in PyTorch.

    (NumPy's ``np.split(x, 3)`` asks for 3 equal pieces instead: that is :func:`chunk`.)"""
    a = as_tensor(a)
    if (split_size is None) == (split_size_or_sections is None):
        raise TypeError("split needs the piece size(s) once: split(2), split([1, 3]) or split(split_size=2)")
    split_size_or_sections = split_size if split_size_or_sections is None else split_size_or_sections
    axis = _axis(a, dim, "split")
    length = a.shape[axis]
    if _is_int(split_size_or_sections):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split size must be a positive int, got {size}")
        sizes = [size] * (length // size) + ([length % size] if length % size else [])
        sizes = sizes or [0]  # an empty axis still gives one (empty) piece, as PyTorch
    elif isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(split_size_or_sections)
        if not all(_is_int(n) and n >= 0 for n in sizes):
            raise TypeError(f"split sections must be non-negative ints, got {split_size_or_sections!r}")
        if sum(sizes) != length:
            raise ValueError(f"split sections {sizes} add up to {sum(sizes)}, but dim {dim} of a tensor "
                             f"of shape {a.shape} has {length} elements")
    else:
        raise TypeError("split takes a piece size (int) or a list of piece sizes, "
                        f"got {type(split_size_or_sections).__name__}")
    bounds = np.cumsum([0, *sizes]).tolist()
    return tuple(_piece(a, axis, start, stop) for start, stop in zip(bounds[:-1], bounds[1:]))


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``a`` along ``dim`` into at most ``chunks`` pieces of equal size (the last one
    smaller), as ``torch.chunk``: each piece has ceil(n / chunks) elements, so there
    can be fewer pieces than asked for (6 elements in 4 chunks give 3 pieces of 2)."""
    a = as_tensor(a)
    if not _is_int(chunks) or chunks <= 0:
        raise ValueError(f"chunk needs a positive int number of chunks, got {chunks!r}")
    length = a.shape[_axis(a, dim, "chunk")]
    size = -(-length // int(chunks))  # ceil(length / chunks)
    if size == 0:  # an empty axis: PyTorch gives `chunks` empty pieces
        return split(a, [0] * int(chunks), dim)
    return split(a, size, dim)


def unbind(a: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``a`` along ``dim``, without that axis: ``rows = x.unbind(0)``."""
    a = as_tensor(a)
    axis = _axis(a, dim, "unbind")
    return tuple(getitem(a, (slice(None),) * axis + (i,)) for i in range(a.shape[axis]))


def narrow(a: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The ``length`` elements of ``dim`` from ``start`` on (``start`` may be negative):
    ``x.narrow(1, 2, 3)`` is ``x[:, 2:5]``."""
    a = as_tensor(a)
    axis = _axis(a, dim, "narrow")
    n = a.shape[axis]
    if not (_is_int(start) and _is_int(length)):
        raise TypeError(f"narrow start and length must be ints, got {start!r} and {length!r}")
    if not -n <= start <= n:
        raise InvalidIndexError(f"narrow start {start} is out of range for dim {dim} of size {n} "
                                f"(expected -{n} .. {n})")
    start = int(start) % n if start < 0 else int(start)
    if length < 0:
        raise ValueError(f"narrow length must be >= 0, got {length}")
    if start + length > n:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds the size of dim {dim} ({n})")
    return _piece(a, axis, start, start + int(length))


METHODS = {"split": split, "chunk": chunk, "unbind": unbind, "narrow": narrow}
