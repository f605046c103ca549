"""``cupyx`` of the fake CuPy (see ``tests/fake_cupy/cupy``): ``scatter_add`` and ``scipy.special``."""

from __future__ import annotations

from typing import Any

import cupy


def scatter_add(a: Any, slices: Any, value: Any) -> None:
    """``a[slices] += value`` with repeated indices adding up (``cupy.add.at``; no int64, as CUDA's atomics)."""
    cupy.add.at(a, slices, value)
