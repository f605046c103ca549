"""``cupy.random`` of the fake CuPy: NumPy's legacy generator, results on the device."""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _new

_state = _np.random.RandomState()


def seed(seed: int | None = None) -> None:
    _state.seed(seed)


def random_sample(size: Any = None, dtype: Any = float) -> Any:
    return _new(_np.asarray(_state.random_sample(size), dtype=dtype))


random = random_sample


def rand(*size: int, dtype: Any = float) -> Any:
    return random_sample(size, dtype)


def standard_normal(size: Any = None, dtype: Any = float) -> Any:
    return _new(_np.asarray(_state.standard_normal(size), dtype=dtype))


def randn(*size: int, dtype: Any = float) -> Any:
    return standard_normal(size, dtype)


def normal(loc: float = 0.0, scale: float = 1.0, size: Any = None, dtype: Any = float) -> Any:
    return _new(_np.asarray(_state.normal(loc, scale, size), dtype=dtype))


def uniform(low: float = 0.0, high: float = 1.0, size: Any = None, dtype: Any = float) -> Any:
    return _new(_np.asarray(_state.uniform(low, high, size), dtype=dtype))


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = int) -> Any:
    return _new(_np.asarray(_state.randint(low, high, size), dtype=dtype))


def permutation(n: int) -> Any:
    return _new(_state.permutation(n))


class RandomState:
    """``cupy.random.RandomState(seed)``: a generator of its own, results on the device."""

    def __init__(self, seed: int | None = None) -> None:
        self._state = _np.random.RandomState(seed)

    def random_sample(self, size: Any = None, dtype: Any = float) -> Any:
        return _new(_np.asarray(self._state.random_sample(size), dtype=dtype))

    def standard_normal(self, size: Any = None, dtype: Any = float) -> Any:
        return _new(_np.asarray(self._state.standard_normal(size), dtype=dtype))
