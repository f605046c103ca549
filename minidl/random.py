"""One seeded random generator for everything random in minidl.

``mdl.manual_seed(n)`` seeds parameter initialisation, dropout masks and data
shuffling, so that the same seed (and thread count) gives bitwise identical runs.
"""

from __future__ import annotations

from typing import Any

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


def uniform_array(shape: tuple[int, ...], dtype: object, xp: object = np) -> object:
    """Uniform [0, 1) samples of ``shape`` on the array module ``xp``."""
    if xp is np:  # the generator makes float32 or float64 directly
        kind = np.float32 if np.dtype(dtype) == np.float32 else np.float64
        return _generator.random(shape, dtype=kind)
    return xp.random.random_sample(shape).astype(dtype)


def normal_array(shape: tuple[int, ...], dtype: object = np.float32) -> np.ndarray:
    """Standard normal samples of ``shape`` as a NumPy array of ``dtype``."""
    return _generator.standard_normal(shape, dtype=np.float64).astype(dtype)


# -- TensorFlow's spellings: ``tf.random.normal`` and ``tf.random.uniform`` -------------------


def _draw_from(seed: Any) -> np.random.Generator:
    """The shared generator, or (``seed=`` given) a generator of that seed alone.

    TensorFlow mixes an op's ``seed`` with the global one and advances it call after call;
    minidl keeps it simple: the same ``seed`` gives the same numbers at every call."""
    if seed is None:
        return _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    return np.random.default_rng(int(seed))


def _sample_shape(shape: Any, name: str) -> tuple[int, ...]:
    """TensorFlow's ``shape`` argument: a list or tuple of sizes (or one int, or a 1-D tensor)."""
    if hasattr(shape, "numpy"):
        shape = shape.numpy().tolist()
    sizes = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(sizes, (list, tuple, np.ndarray)) or any(
            isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0 for n in sizes):
        raise TypeError(f"{name} shape must be a list or tuple of non-negative ints, e.g. [2, 3]; "
                        f"got {shape!r}")
    return tuple(int(n) for n in sizes)


def _number(value: Any, what: str) -> float:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{what} must be a number, got {value!r}")
    return value


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = "float32",
           seed: int | None = None) -> Any:
    """``tf.random.normal``: samples of N(mean, stddev²) as a Tensor (PyTorch: ``mean + stddev *
    mdl.randn(*shape)``).  Drawn from the generator seeded by ``tf.random.set_seed`` /
    ``mdl.manual_seed``, or from ``seed`` alone when it is given."""
    from .autograd import Tensor
    from .backend import as_dtype

    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"random.normal draws floating-point samples; dtype must be floating, got {dtype}")
    mean, stddev = _number(mean, "random.normal mean"), _number(stddev, "random.normal stddev")
    if stddev < 0:
        raise ValueError(f"random.normal stddev must be >= 0, got {stddev}")
    draws = _draw_from(seed).standard_normal(_sample_shape(shape, "random.normal"))
    return Tensor((mean + stddev * draws).astype(dtype), dtype=dtype)


def uniform(shape: Any, minval: float = 0, maxval: float | None = None, dtype: Any = "float32",
            seed: int | None = None) -> Any:
    """``tf.random.uniform``: samples of U[minval, maxval) as a Tensor (``maxval`` defaults to 1
    for floats and must be given for integers, as in TensorFlow).  PyTorch's spelling:
    ``minval + (maxval - minval) * mdl.rand(*shape)``, or ``mdl.randint(minval, maxval, shape)``."""
    from .autograd import Tensor
    from .backend import as_dtype

    dtype = as_dtype(dtype)
    sizes = _sample_shape(shape, "random.uniform")
    low = _number(minval, "random.uniform minval")
    if dtype.kind in "iu":
        if maxval is None:
            raise ValueError("random.uniform with an integer dtype needs maxval, e.g. "
                             "tf.random.uniform([3], minval=0, maxval=10, dtype=tf.int32)")
        high = _number(maxval, "random.uniform maxval")
        if not low < high:
            raise ValueError(f"random.uniform needs minval < maxval, got {low} and {high}")
        return Tensor(_draw_from(seed).integers(int(low), int(high), sizes).astype(dtype), dtype=dtype)
    if dtype.kind != "f":
        raise TypeError(f"random.uniform dtype must be floating or integer, got {dtype}")
    high = 1.0 if maxval is None else _number(maxval, "random.uniform maxval")
    if not low < high:
        raise ValueError(f"random.uniform needs minval < maxval, got {low} and {high}")
    draws = _draw_from(seed).random(sizes)
    return Tensor((low + (high - low) * draws).astype(dtype), dtype=dtype)
