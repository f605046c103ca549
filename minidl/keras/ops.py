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
from ..backend import as_dtype, to_numpy


def _convert(x: Any, dtype: Any = None) -> Tensor:
    """As ``minidl.tensor``: floats become the default float32 unless ``dtype`` says otherwise."""
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == as_dtype(dtype) else x.astype(as_dtype(dtype))
    from .. import tensor

    return tensor(np.asarray(to_numpy(x)), dtype=None if dtype is None else as_dtype(dtype))


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else _convert(x)


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None) -> Tensor:
    return _convert(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(to_numpy(x))


def cast(x: Any, dtype: Any) -> Tensor:
    return _convert(_t(x), dtype)


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
    return x.transpose(*(reversed(range(x.ndim)) if axes is None else axes))


def expand_dims(x: Any, axis: int) -> Tensor:
    from .. import expand_dims as _expand_dims

    return _expand_dims(_t(x), axis)


def squeeze(x: Any, axis: Any = None) -> Tensor:
    from .. import squeeze as _squeeze

    return _squeeze(_t(x), axis)


def concatenate(xs: Any, axis: int = 0) -> Tensor:
    from .. import concatenate as _concatenate

    return _concatenate([_t(x) for x in xs], axis=axis)


def stack(x: Any, axis: int = 0) -> Tensor:
    from .. import stack as _stack

    return _stack([_t(t) for t in x], axis=axis)


# -- constructors ---------------------------------------------------------------------------------------
def zeros(shape: Any, dtype: Any = None) -> Tensor:
    return _convert(np.zeros(shape), dtype or "float32")


def ones(shape: Any, dtype: Any = None) -> Tensor:
    return _convert(np.ones(shape), dtype or "float32")


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    return zeros(shape(x), dtype or _t(x).dtype)


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    return ones(shape(x), dtype or _t(x).dtype)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return _convert(values, dtype)


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> Tensor:
    labels = np.asarray(convert_to_numpy(x)).astype(np.int64)
    return _convert(np.moveaxis(np.eye(num_classes)[labels], -1, axis), dtype or "float32")


def __getattr__(name: str) -> Any:
    raise AttributeError(f"keras.ops.{name} is not in minidl's keras.ops (a core subset of Keras's ops); "
                         f"combine the ones here, or use Tensor methods and minidl functions (minidl.{name}?)")
