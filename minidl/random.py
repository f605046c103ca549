"""One seeded random generator for everything random in minidl.

``mdl.manual_seed(n)`` seeds parameter initialisation, dropout masks and data
shuffling, so that the same seed (and thread count) gives bitwise identical runs.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed minidl's generator (and CuPy's, when CuPy is in use)."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    import sys

    if "cupy" in sys.modules:  # seed the GPU generator only if CuPy is already loaded
        try:
            sys.modules["cupy"].random.seed(int(seed))
        except Exception:
            pass


def set_seed(seed: int) -> None:
    """``tf.random.set_seed(seed)``: the TensorFlow spelling of :func:`manual_seed`."""
    manual_seed(seed)


def generator() -> np.random.Generator:
    """The generator seeded by :func:`manual_seed`."""
    return _generator


def uniform(shape: tuple[int, ...], dtype: object, xp: object = np) -> object:
    """Uniform [0, 1) samples of ``shape`` on the array module ``xp``."""
    if xp is np:  # the generator makes float32 or float64 directly
        kind = np.float32 if np.dtype(dtype) == np.float32 else np.float64
        return _generator.random(shape, dtype=kind)
    return xp.random.random_sample(shape).astype(dtype)


def normal(shape: tuple[int, ...], dtype: object = np.float32) -> np.ndarray:
    return _generator.standard_normal(shape, dtype=np.float64).astype(dtype)
