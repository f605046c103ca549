"""The TensorFlow spellings a course notebook uses after ``import minidl as tf``.

The course is written for TensorFlow/Keras; its notebooks run on minidl by replacing
``tensorflow`` with ``minidl`` in the imports.  Besides ``tf.keras`` (:mod:`minidl.keras`),
the first units write a few plain TensorFlow lines: ``tf.constant``, ``tf.Variable``,
``tf.reduce_sum``, ``tf.GradientTape`` (:mod:`minidl.tf_tape`), ``tf.config`` and
``tf.random.set_seed`` (:mod:`minidl.random`).  Each name here is a thin layer over minidl's
own Tensor and autograd, and its docstring names the minidl (PyTorch-style) equivalent.

Where TensorFlow differs from minidl's own policy, these functions follow TensorFlow:
``tf.constant([1, 2])`` is int32 and ``tf.constant(np.zeros(2))`` keeps float64 (minidl's
``mdl.tensor`` gives int64 and float32), and ``tf.reduce_mean`` of integers truncates.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .autograd import Tensor
from .backend import as_dtype, cuda
from .grad_mode import no_grad
from .ops.common import normalize_axes

_INT32 = np.iinfo(np.int32)


# ---------------------------------------------------------------- tensors


def _tf_dtype(array: np.ndarray, from_python: bool) -> np.dtype:
    """The dtype TensorFlow gives data without ``dtype=``: Python floats are float32 and
    Python ints int32 (int64 when they do not fit); NumPy data keeps its dtype."""
    kind = array.dtype.kind
    if kind not in "fiub":
        raise TypeError(f"cannot make a tensor from data of dtype {array.dtype}; expected numbers or bools")
    if not from_python:
        return array.dtype
    if kind == "f":
        return np.dtype(np.float32)
    if kind in "iu":
        fits = array.size == 0 or (_INT32.min <= array.min() and array.max() <= _INT32.max)
        return np.dtype(np.int32 if fits else np.int64)
    return array.dtype


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Tensor:
    """A tensor that does not require grad (``tf.constant``; minidl: ``mdl.tensor(value)``).

    ``shape=`` fills that shape with a scalar ``value`` or reshapes a value of the same size.
    """
    if isinstance(value, Tensor):
        data = value.data
        target = value.dtype if dtype is None else as_dtype(dtype)
    else:
        from_python = not (isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__cuda_array_interface__"))
        data = value if not from_python else np.asarray(value)
        if from_python and data.dtype == object:
            raise TypeError(f"cannot make a tensor from {value!r}: expected numbers or nested lists of them")
        target = _tf_dtype(np.asarray(data) if from_python else data, from_python) if dtype is None \
            else as_dtype(dtype)
    out = Tensor(data, dtype=target, copy=True)
    if shape is not None:
        shape = _shape_arg(shape)
        if out.size == 1:
            out = Tensor(out.xp.full(shape, out.data.reshape(()), dtype=out.dtype))
        elif out.size == int(np.prod(shape)):
            out = Tensor._wrap(out.data.reshape(shape))
        else:
            raise ValueError(f"constant() got {out.size} values for shape {shape} "
                             f"({int(np.prod(shape))} elements); give one value or exactly that many")
    out.name = name
    return out


def _shape_arg(shape: Any) -> tuple[int, ...]:
    """``constant``'s ``shape=`` (an int or a sequence of ints >= 0) as a tuple."""
    items = shape.tolist() if hasattr(shape, "tolist") else shape
    items = [items] if isinstance(items, (int, np.integer)) else items
    if not isinstance(items, (list, tuple)) or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) and n >= 0 for n in items):
        raise TypeError(f"constant() shape must be an int or a list of ints >= 0, got {shape!r}")
    return tuple(int(n) for n in items)


def convert_to_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a tensor: a tensor is returned as is (keeping its graph), anything else
    becomes :func:`constant` (``tf.convert_to_tensor``; minidl: ``mdl.tensor``)."""
    if isinstance(value, Tensor):
        if dtype is not None and as_dtype(dtype) != value.dtype:
            raise ValueError(f"convert_to_tensor() was asked for dtype {as_dtype(dtype)} but got a tensor "
                             f"of dtype {value.dtype}; use tf.cast(x, dtype) to convert it")
        return value
    return constant(value, dtype=dtype)


class Variable(Tensor):
    """A tensor that holds learnable state (``tf.Variable``; minidl: a leaf tensor with
    ``requires_grad=True``, as ``mdl.nn.Parameter``).

    Arithmetic on a Variable gives ordinary tensors (recorded for gradients when it is
    trainable); ``assign``, ``assign_add`` and ``assign_sub`` replace its value without
    recording anything, as optimizers do.  ``initial_value`` may be a callable.
    """

    __slots__ = ("trainable",)

    def __init__(self, initial_value: Any, trainable: bool = True, dtype: Any = None,
                 name: str | None = None) -> None:
        if callable(initial_value):
            initial_value = initial_value()
        start = constant(initial_value, dtype=dtype)
        super().__init__(start.data, dtype=start.dtype)
        if not isinstance(trainable, (bool, np.bool_)):
            raise TypeError(f"Variable trainable must be True or False, got {trainable!r}")
        self.trainable = bool(trainable)
        self.requires_grad = self.trainable and self.dtype.kind == "f"
        self.name = "Variable:0" if name is None else f"{name}:0"  # TF's names end in ":0"

    def assign(self, value: Any) -> Variable:
        """Replace the value (same shape; cast to the variable's dtype).  Not differentiable.

        A new array, not a write into the old one: graphs recorded before still see the old
        value, as in TensorFlow."""
        new = Tensor(value.data if isinstance(value, Tensor) else value, dtype=self.dtype,
                     device=self.device, copy=True).data
        if tuple(new.shape) != self.shape:
            raise ValueError(f"cannot assign a value of shape {tuple(new.shape)} to variable "
                             f"{self.name!r} of shape {self.shape}")
        self.data = new
        return self

    def assign_add(self, delta: Any) -> Variable:
        """``v.assign(v + delta)`` (minidl: ``with mdl.no_grad(): v += delta``)."""
        with no_grad():
            return self.assign(Tensor._wrap(self.data) + delta)

    def assign_sub(self, delta: Any) -> Variable:
        """``v.assign(v - delta)``."""
        with no_grad():
            return self.assign(Tensor._wrap(self.data) - delta)

    def read_value(self) -> Tensor:
        """A constant copy of the current value."""
        return Tensor._wrap(self.data.copy())

    def __repr__(self) -> str:
        values = np.array2string(self.numpy(), separator=", ", precision=4, threshold=50)
        return f"<minidl.Variable {self.name!r} shape={self.shape} dtype={self.dtype}, numpy={values}>"


def cast(x: Any, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (``tf.cast``; minidl: ``x.astype(dtype)``).  Float to int
    truncates toward zero; float to float keeps the gradient."""
    x = convert_to_tensor(x)
    return x if x.dtype == as_dtype(dtype) else x.astype(dtype)


def _axis(axis: Any) -> Any:
    """TF's axis (None, an int, a list or a tensor of ints) as NumPy takes it.  An empty list
    reduces nothing and gives the input back, as TensorFlow."""
    if isinstance(axis, (Tensor, np.ndarray)):
        values = axis.tolist() if isinstance(axis, np.ndarray) else axis.numpy().tolist()
        if axis.dtype.kind not in "iu":  # an empty float tensor has no float entry to refuse below
            raise TypeError(f"axis must be None, an int or a list of ints, got {values!r} (a "
                            f"{type(axis).__name__} of dtype {axis.dtype}; expected an integer dtype)")
        axis = values
    if axis is None or isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return axis
    if isinstance(axis, (list, tuple)) and all(
            isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)) for a in axis):
        return tuple(int(a) for a in axis)
    raise TypeError(f"axis must be None, an int or a list of ints, got {axis!r}")


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis`` (all axes by default) (``tf.reduce_sum``; minidl: ``x.sum(axis)``)."""
    return convert_to_tensor(input_tensor).sum(axis=_axis(axis), keepdims=keepdims)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The mean over ``axis`` (``tf.reduce_mean``; minidl: ``x.mean(axis)``).

    As TensorFlow, the mean of integers is an integer, truncated toward zero
    (``reduce_mean([1, 2]) == 1``); cast to float first for 1.5."""
    x = convert_to_tensor(input_tensor)
    if x.dtype.kind == "f":
        return x.mean(axis=_axis(axis), keepdims=keepdims)
    total = x.data.sum(axis=normalize_axes(_axis(axis), x.ndim), keepdims=keepdims, dtype=np.int64)
    count = max(x.size, 1) // max(int(np.prod(total.shape)), 1)
    return Tensor(x.xp.fix(total / count).astype(x.dtype))


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The largest value over ``axis`` (``tf.reduce_max``; minidl: ``x.max(axis)``); ties
    share the gradient, as in TensorFlow."""
    return convert_to_tensor(input_tensor).max(axis=_axis(axis), keepdims=keepdims)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The smallest value over ``axis`` (``tf.reduce_min``; minidl: ``x.min(axis)``)."""
    return convert_to_tensor(input_tensor).min(axis=_axis(axis), keepdims=keepdims)


def square(x: Any) -> Tensor:
    """x² elementwise (``tf.square``; minidl: ``x * x`` or ``x ** 2``); d/dx = 2x."""
    x = convert_to_tensor(x)
    return x * x


def add(x: Any, y: Any) -> Tensor:
    """x + y with broadcasting (``tf.add``; minidl: ``x + y``)."""
    return convert_to_tensor(x) + y


def subtract(x: Any, y: Any) -> Tensor:
    """x - y (``tf.subtract``; minidl: ``x - y``)."""
    return convert_to_tensor(x) - y


def multiply(x: Any, y: Any) -> Tensor:
    """x · y elementwise (``tf.multiply``; minidl: ``x * y``)."""
    return convert_to_tensor(x) * y


def divide(x: Any, y: Any) -> Tensor:
    """x / y elementwise (``tf.divide``; minidl: ``x / y``)."""
    return convert_to_tensor(x) / y


# ---------------------------------------------------------------- tf.config

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
PhysicalDevice.__doc__ = "A device TensorFlow could run on: ``name`` and ``device_type`` ('CPU' or 'GPU')."


def _gpu_count() -> int:
    if not cuda.is_available():
        return 0
    from .backend import _import_cupy

    return int(_import_cupy().cuda.runtime.getDeviceCount())


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The CPU, and each GPU when ``mdl.cuda.is_available()`` (``tf.config.list_physical_devices``).

    minidl itself uses one GPU (``device="cuda"``); the list shows them all, as TF does.
    ``device_type`` ("CPU" or "GPU", in capitals as TF) keeps only that kind."""
    if device_type is not None and not isinstance(device_type, str):
        raise TypeError(f"device_type must be a string such as 'CPU' or 'GPU', got {device_type!r}")
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    devices += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(_gpu_count())]
    return [d for d in devices if device_type is None or d.device_type == device_type]


def _numba() -> Any:
    import numba

    return numba


class _Threading:
    """``tf.config.threading``: minidl's parallel loops run on Numba's threads (BLAS is one
    thread per caller, see :mod:`minidl.kernels.threads`), so "intra-op" threads are Numba's."""

    @staticmethod
    def set_intra_op_parallelism_threads(num_threads: int) -> None:
        """Use ``num_threads`` threads inside each op (0: all that minidl started with).

        minidl: ``numba.set_num_threads(n)``, for the calling thread; at most
        ``NUMBA_NUM_THREADS`` (set it before importing minidl for more)."""
        if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 0:
            raise ValueError(f"num_threads must be a non-negative int, got {num_threads!r}")
        numba = _numba()
        most = numba.config.NUMBA_NUM_THREADS
        if num_threads > most:
            raise ValueError(f"num_threads={num_threads} is more than the {most} threads minidl started "
                             "with; set NUMBA_NUM_THREADS before importing minidl to allow more")
        numba.set_num_threads(int(num_threads) or most)

    @staticmethod
    def get_intra_op_parallelism_threads() -> int:
        """The threads used inside each op (``numba.get_num_threads()``)."""
        return int(_numba().get_num_threads())


class _Experimental:
    """``tf.config.experimental``: only memory growth, which minidl always has."""

    @staticmethod
    def set_memory_growth(device: PhysicalDevice, enable: bool) -> None:
        """CuPy's memory pool already grows as needed and never reserves the whole GPU, which
        is what ``enable=True`` asks; ``False`` (reserve everything up front) is not offered."""
        if not isinstance(device, PhysicalDevice):
            raise TypeError(f"set_memory_growth expects a device from list_physical_devices, got {device!r}")
        if not enable:
            raise ValueError("minidl (CuPy) always grows GPU memory as needed; "
                             "set_memory_growth(device, False) is not supported")

    @staticmethod
    def get_memory_growth(device: PhysicalDevice) -> bool:
        return True


class _Config:
    """``tf.config``: ``list_physical_devices``, ``threading``, ``experimental.set_memory_growth``."""

    list_physical_devices = staticmethod(list_physical_devices)
    threading = _Threading()
    experimental = _Experimental()


config = _Config()

__all__ = ["constant", "convert_to_tensor", "Variable", "cast", "reduce_sum", "reduce_mean",
           "reduce_max", "reduce_min", "square", "add", "subtract", "multiply", "divide",
           "PhysicalDevice", "list_physical_devices", "config"]
