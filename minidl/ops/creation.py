"""Functions that make new tensors: zeros, ones, eye, randn, rand, randint, arange, linspace,
*_like, dropout."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend, random
from ..autograd import Function, Tensor
from .common import as_tensor


def _make(array: np.ndarray, dtype: Any, device: str | None, requires_grad: bool) -> Tensor:
    return Tensor(array, requires_grad=requires_grad, dtype=dtype, device=device)


def _shape(shape: tuple) -> tuple[int, ...]:
    """Sizes given as ``f(2, 3)`` or ``f((2, 3))``, checked: non-negative ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, np.ndarray)):
        shape = tuple(shape[0])
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) for n in shape):
        raise TypeError(f"shape must be ints, got {shape}")
    if any(n < 0 for n in shape):
        raise ValueError(f"shape must be non-negative ints, got {shape}")
    return tuple(int(n) for n in shape)


def _float_dtype(dtype: Any, name: str) -> np.dtype:
    """The dtype of random samples: floating only (ints would truncate them to zeros)."""
    dtype = backend.default_dtype() if dtype is None else backend.as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{name} draws floating-point samples; dtype must be floating, got {dtype}")
    return dtype


def _dtype(dtype: Any) -> np.dtype:
    return backend.default_dtype() if dtype is None else backend.as_dtype(dtype)


def _filled(shape: tuple[int, ...], value: Any, dtype: Any, device: str | None, requires_grad: bool) -> Tensor:
    """A constant array made on its device: on the GPU a fill kernel, not a host array
    copied over (recurrent layers make their zero state at every forward)."""
    xp = backend.xp_for(backend.check_device(device))
    return _make(xp.full(shape, value, dtype=_dtype(dtype)), dtype, device, requires_grad)


def _sizes_then_dtype(shape: tuple, dtype: Any) -> tuple[tuple, Any]:
    """TensorFlow's ``tf.zeros([2, 3], tf.float64)``: a dtype after the sizes is the dtype."""
    if len(shape) >= 2 and isinstance(shape[-1], (np.dtype, str, type)):
        if dtype is not None:
            raise TypeError(f"got the dtype twice: {shape[-1]!r} after the sizes and dtype={dtype!r}")
        return shape[:-1], shape[-1]
    return shape, dtype


def zeros(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``shape``: ``zeros(2, 3)``, ``zeros((2, 3))`` or TensorFlow's ``zeros([2, 3], dtype)``."""
    shape, dtype = _sizes_then_dtype(shape, dtype)
    return _filled(_shape(shape), 0, dtype, device, requires_grad)


def ones(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``shape``: ``ones(2, 3)``, ``ones((2, 3))`` or TensorFlow's ``ones([2, 3], dtype)``."""
    shape, dtype = _sizes_then_dtype(shape, dtype)
    return _filled(_shape(shape), 1, dtype, device, requires_grad)


def full(shape: Any, value: float, dtype: Any = None, device: str | None = None) -> Tensor:
    if not isinstance(value, (int, float, np.number, np.bool_)):
        raise TypeError(f"full needs a number as the fill value, got {value!r}")
    return _make(np.full(_shape((shape,)), value, dtype=_dtype(dtype)), dtype, device, False)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape, dtype (unless ``dtype`` is given) and device."""
    t = as_tensor(t)
    dtype = t.dtype if dtype is None else backend.as_dtype(dtype)  # passed on: float64 stays float64
    return Tensor(t.xp.zeros(t.shape, dtype=dtype), requires_grad, dtype, t.device)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape, dtype (unless ``dtype`` is given) and device."""
    t = as_tensor(t)
    dtype = t.dtype if dtype is None else backend.as_dtype(dtype)
    return Tensor(t.xp.ones(t.shape, dtype=dtype), requires_grad, dtype, t.device)


def randn(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator seeded by ``mdl.manual_seed``."""
    dtype = _float_dtype(dtype, "randn")
    return _make(random.normal_array(_shape(shape), dtype), dtype, device, requires_grad)


def rand(*shape: Any, dtype: Any = None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples from the generator seeded by ``mdl.manual_seed``."""
    dtype = _float_dtype(dtype, "rand")
    data = random.generator().random(_shape(shape))
    return _make(data, dtype, device, requires_grad)


def arange(
    start: float, stop: float | None = None, step: float = 1, dtype: Any = None, device: str | None = None
) -> Tensor:
    """Evenly spaced values in [start, stop) as NumPy's arange: integers stay int64, floats
    become float32 unless ``dtype`` says otherwise."""
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))):
            raise TypeError(f"arange {name} must be a number, got {value!r}")
    if step == 0:
        raise ValueError("arange step must not be zero")
    return _make(np.arange(start, stop, step) if stop is not None else np.arange(start), dtype, device, False)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: str | None = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (as
    ``torch.linspace``; float32 unless ``dtype`` says otherwise)."""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"linspace {name} must be a number, got {value!r}")
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace steps must be an int (the number of values), got {steps!r}")
    if steps < 0:
        raise ValueError(f"linspace steps must be non-negative, got {steps}")
    return _make(np.linspace(start, end, int(steps)), _dtype(dtype), device, False)


def eye(n: int, m: int | None = None, dtype: Any = None, device: str | None = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix with ``n`` rows and ``m`` columns (``m = n`` by default), as
    ``torch.eye``; float32 unless ``dtype`` says otherwise."""
    rows, cols = _shape((n, n if m is None else m))
    return _make(np.eye(rows, cols, dtype=_dtype(dtype)), dtype, device, requires_grad)


def randint(low: int = 0, high: Any = None, size: Any = None, dtype: Any = None,
            device: str | None = None) -> Tensor:
    """Random integers in [low, high) from the generator seeded by ``mdl.manual_seed``, as
    ``torch.randint``: ``randint(low, high, size)``, ``randint(high, size)``,
    ``randint(high, size=size)`` or ``randint(high=h, size=size)``; int64 unless ``dtype``
    says otherwise (every value in [low, high) must fit in it, as PyTorch checks)."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size): low defaults to 0
        low, high, size = 0, low, high
    elif high is None and size is not None:  # randint(high, size=...): the one bound is the high one
        low, high = 0, low
    if size is None:
        raise TypeError("randint needs a size, e.g. mdl.randint(0, 10, (3,))")
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"randint {name} must be an int, got {value!r}")
    if low >= high:
        raise ValueError(f"randint needs low < high, got low={low} and high={high}")
    shape = _shape((size,))
    dtype = np.dtype(np.int64) if dtype is None else backend.as_dtype(dtype)
    if dtype.kind in "iub":  # NumPy would wrap the values that do not fit around, silently
        lo, hi = (0, 1) if dtype.kind == "b" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
        if low < lo or high - 1 > hi:
            raise ValueError(f"randint range [{low}, {high}) does not fit in dtype {dtype}, whose values "
                             f"are {lo} to {hi}")
    return _make(random.generator().integers(int(low), int(high), shape), dtype, device, False)


class Dropout(Function):
    """Inverted dropout: z = a · m / (1 - p) with m ~ Bernoulli(1 - p);  dz/da = m / (1 - p).

    Scaling at training time keeps E[z] = a, so nothing changes at inference.
    """

    def forward(self, a):
        xp = backend.get_array_module(a)
        keep = random.uniform_array(a.shape, a.dtype, xp) >= self.p
        self.scale = keep.astype(a.dtype) * a.dtype.type(1.0 / (1.0 - self.p))
        return a * self.scale

    def backward(self, g):
        return (g * self.scale,)


def dropout(a: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` during training; identity otherwise."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0 <= p < 1:
        raise ValueError(f"dropout probability must be a number in [0, 1), got {p!r}")
    if not training or p == 0:
        return a
    return Dropout.apply(a, p=float(p))
