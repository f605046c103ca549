"""``F.pad`` as PyTorch: the pad tuple lists the last axis first, and four border modes.

``pad = (left_last, right_last, left_second_last, right_second_last, ...)``.  The constant
mode is the ``Pad`` op of :mod:`minidl.ops.shape`; the others gather rows by index:
``reflect`` mirrors without repeating the edge (PyTorch's ``reflect``, NumPy's ``reflect``),
``replicate`` repeats the edge (NumPy's ``edge``), ``circular`` wraps around (``wrap``).
Gathering by an index array is the ``GetItem`` op, whose gradient scatter-adds, so a border
element that is copied several times receives the sum of its copies' gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from .common import as_tensor
from .shape import getitem
from .shape import pad as constant_pad

_INDEX_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def torch_pad(x: Any, pad: Any, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad ``x`` with PyTorch's pad tuple (last axis first) in one of four modes."""
    x = as_tensor(x)
    widths = _widths(pad, x.shape)
    if mode == "constant":
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"pad value must be a number, got {value!r}")
        return constant_pad(x, widths, value=value)
    if mode not in _INDEX_MODES:
        raise ValueError(f"pad mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    for axis, (lo, hi) in enumerate(widths):
        if not lo and not hi:
            continue
        size = x.shape[axis]
        if size == 0 or (mode == "reflect" and max(lo, hi) >= size) or (mode == "circular" and max(lo, hi) > size):
            limit = "smaller than" if mode == "reflect" else "at most"
            raise ValueError(f"{mode} padding of ({lo}, {hi}) on axis {axis} needs widths {limit} the "
                             f"axis size, got size {size}")
        index = np.pad(np.arange(size), (lo, hi), mode=_INDEX_MODES[mode])
        x = getitem(x, (slice(None),) * axis + (x.xp.asarray(index),))
    return x


def _widths(pad: Any, shape: tuple[int, ...]) -> list[tuple[int, int]]:
    """PyTorch's flat pad tuple as NumPy's (before, after) pairs, first axis first."""
    ok = isinstance(pad, (tuple, list)) and len(pad) % 2 == 0 and all(
        isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) for p in pad)
    if not ok:
        raise TypeError(f"pad must be a tuple of ints (left, right) per axis, last axis first, got {pad!r}")
    if len(pad) // 2 > len(shape):
        raise ValueError(f"pad {tuple(pad)} pads {len(pad) // 2} axes, but the input has shape {shape} "
                         f"({len(shape)} axes)")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad widths must be non-negative (cropping is not supported), got {tuple(pad)}")
    widths = [(0, 0)] * len(shape)
    for i in range(len(pad) // 2):
        widths[len(shape) - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return widths
