"""``keras.ops``: the NumPy-like functions Keras 3 custom layers and losses are written with.

Each one is a thin wrapper over a minidl op (so gradients flow through it) with Keras's
argument names and NumPy's meaning of ``axis``, ``keepdims`` and ``axes``::

    from minidl.keras import ops
    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

Inputs may be Tensors, NumPy arrays or Python numbers.  Only a core subset of Keras's
several hundred ops is here; a missing one raises AttributeError naming the alternatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from ..backend import as_dtype, default_dtype, to_numpy


def _host_array(x: Any, owner: str = "keras.ops") -> np.ndarray:
    """``x`` (numbers, nested lists, arrays) as a NumPy array of numbers, else a clear TypeError."""
    try:
        array = np.asarray(to_numpy(x))
    except ValueError:  # NumPy's "inhomogeneous shape": a ragged nested list
        raise TypeError(f"{owner} got a nested {type(x).__name__} whose rows have different lengths; "
                        "expected a rectangular array of numbers") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{owner} expects numbers (a tensor, an array, a list or a number), got "
                        f"{type(x).__name__} of dtype {array.dtype}")
    return array


def _convert(x: Any, dtype: Any = None) -> Tensor:
    """As ``minidl.tensor``: floats become the default float32 unless ``dtype`` says otherwise."""
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == as_dtype(dtype) else x.astype(as_dtype(dtype))
    from .. import tensor

    return tensor(_host_array(x), dtype=None if dtype is None else as_dtype(dtype))


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else _convert(x)


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None) -> Tensor:
    return _convert(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else _host_array(x, "keras.ops.convert_to_numpy")


def cast(x: Any, dtype: Any) -> Tensor:
    """``x`` as ``dtype``; ``dtype=None`` means ``keras.backend.floatx()``, as Keras reads it."""
    return _convert(_t(x), default_dtype() if dtype is None else dtype)


def shape(x: Any) -> tuple:
    return tuple(_t(x).shape) if not hasattr(x, "shape") else tuple(x.shape)


# -- arithmetic and elementwise maths -------------------------------------------------------------
def add(x1: Any, x2: Any) -> Tensor:
    return _t(x1) + x2


def subtract(x1: Any, x2: Any) -> Tensor:
    return _t(x1) - x2


def multiply(x1: Any, x2: Any) -> Tensor:
    return _t(x1) * x2


def divide(x1: Any, x2: Any) -> Tensor:
    return _t(x1) / x2


def power(x1: Any, x2: Any) -> Tensor:
    return _t(x1) ** x2


def negative(x: Any) -> Tensor:
    return -_t(x)


def square(x: Any) -> Tensor:
    return _t(x) * _t(x)


def sqrt(x: Any) -> Tensor:
    return _t(x).sqrt()


def exp(x: Any) -> Tensor:
    return _t(x).exp()


def log(x: Any) -> Tensor:
    return _t(x).log()


def abs(x: Any) -> Tensor:  # noqa: A001 (Keras's name)
    return _t(x).abs()


absolute = abs


def tanh(x: Any) -> Tensor:
    return _t(x).tanh()


def sigmoid(x: Any) -> Tensor:
    return _t(x).sigmoid()


def relu(x: Any) -> Tensor:
    return F.relu(_t(x))


def softmax(x: Any, axis: int = -1) -> Tensor:
    return F.softmax(_t(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return F.log_softmax(_t(x), axis=axis)


def maximum(x1: Any, x2: Any) -> Tensor:
    from .. import maximum as _maximum

    return _maximum(_t(x1), x2)


def minimum(x1: Any, x2: Any) -> Tensor:
    from .. import minimum as _minimum

    return _minimum(_t(x1), x2)


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    return _t(x).clip(x_min, x_max)


def where(condition: Any, x1: Any, x2: Any) -> Tensor:
    from .. import where as _where

    return _where(condition, x1, x2)


# -- reductions (NumPy's axis and keepdims) ----------------------------------------------------------
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _t(x).sum(axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).mean(axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _t(x).max(axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _t(x).min(axis=axis, keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).var(axis=axis, keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).std(axis=axis, keepdims=keepdims)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _t(x).argmax(axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _t(x).argmin(axis=axis, keepdims=keepdims)


# -- linear algebra and shapes -------------------------------------------------------------------------
def matmul(x1: Any, x2: Any) -> Tensor:
    return _t(x1) @ _t(x2)


def dot(x1: Any, x2: Any) -> Tensor:
    return matmul(x1, x2)


def reshape(x: Any, newshape: Any) -> Tensor:
    return _t(x).reshape(tuple(newshape) if isinstance(newshape, (list, tuple)) else (newshape,))


def transpose(x: Any, axes: Any = None) -> Tensor:
    x = _t(x)
    if axes is not None and not isinstance(axes, (list, tuple)):
        raise TypeError(f"keras.ops.transpose axes must be None or a list of {x.ndim} ints (a permutation), "
                        f"got {axes!r}")
    return x.transpose(*(reversed(range(x.ndim)) if axes is None else axes))


def expand_dims(x: Any, axis: int) -> Tensor:
    from .. import expand_dims as _expand_dims

    return _expand_dims(_t(x), axis)


def squeeze(x: Any, axis: Any = None) -> Tensor:
    from .. import squeeze as _squeeze

    return _squeeze(_t(x), axis)


def _tensor_list(xs: Any, owner: str) -> list[Tensor]:
    # a tensor or array is iterable too, but its rows are not the list of tensors meant
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"keras.ops.{owner} expects a list or tuple of tensors, got {type(xs).__name__}")
    return [_t(x) for x in xs]


def concatenate(xs: Any, axis: int = 0) -> Tensor:
    from .. import concatenate as _concatenate

    return _concatenate(_tensor_list(xs, "concatenate"), axis=axis)


def stack(x: Any, axis: int = 0) -> Tensor:
    from .. import stack as _stack

    return _stack(_tensor_list(x, "stack"), axis=axis)


# -- constructors ---------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _shape(shape: Any, owner: str) -> tuple[int, ...]:
    """An int or a sequence of ints >= 0 as a shape tuple."""
    sizes = (shape,) if _is_int(shape) else shape
    if not isinstance(sizes, (list, tuple)) or not all(_is_int(n) and n >= 0 for n in sizes):
        raise TypeError(f"keras.ops.{owner} shape must be an int or a tuple of ints >= 0, got {shape!r}")
    return tuple(int(n) for n in sizes)


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    return _convert(np.zeros(_shape(shape, "zeros")), "float32" if dtype is None else dtype)


def ones(shape: Any, dtype: Any = None) -> Tensor:
    return _convert(np.ones(_shape(shape, "ones")), "float32" if dtype is None else dtype)


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    return zeros(shape(x), _t(x).dtype if dtype is None else dtype)


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    return ones(shape(x), _t(x).dtype if dtype is None else dtype)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        if value is None and name == "stop":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value):
            raise TypeError(f"keras.ops.arange {name} must be a finite number, got {value!r}")
    if step == 0:
        raise ValueError("keras.ops.arange step must not be 0")
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return _convert(values, dtype)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> Tensor:
    """1 where the label equals the class, else 0; as Keras 3.15, a label that is not a class
    (negative, >= num_classes, not a whole number, nan) gives a row of zeros."""
    if not _is_int(num_classes) or num_classes < 0:
        raise ValueError(f"keras.ops.one_hot num_classes must be an int >= 0, got {num_classes!r}")
    labels = _host_array(x, "keras.ops.one_hot")
    if not _is_int(axis) or not -labels.ndim - 1 <= axis <= labels.ndim:
        raise ValueError(f"keras.ops.one_hot axis must be an int in [{-labels.ndim - 1}, {labels.ndim}] for "
                         f"labels of shape {labels.shape}, got {axis!r}")
    encoded = (labels[..., None] == np.arange(num_classes)).astype(np.float64)
    return _convert(np.moveaxis(encoded, -1, axis), "float32" if dtype is None else dtype)


def __getattr__(name: str) -> Any:
    raise AttributeError(f"keras.ops.{name} is not in minidl's keras.ops (a core subset of Keras's ops); "
                         f"combine the ones here, or use Tensor methods and minidl functions (minidl.{name}?)")
