"""Small helpers shared by the op families: turning operands into tensors, axes."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor

_PLAIN_NUMBERS = (float, int)  # exact types: bool (a subclass of int) takes the general path

#: read-only 0-d constants made by the fast path below, by (type, value, dtype): a loop
#: such as ``y = y * 0.9`` then builds its constant once (~0.6 µs of an op's ~6 µs)
_CONSTANTS: dict[tuple, Tensor] = {}
_MAX_CONSTANTS = 256
_SHARED: weakref.WeakSet = weakref.WeakSet()  # every constant ever handed out by _constant


def is_shared_constant(t: Any) -> bool:
    """Is ``t`` a constant that ``x * 2.0`` and the like share (so a graph drawing shows
    one node per use instead of one for all)?"""
    return t in _SHARED


def _constant(value: float | int, dtype: np.dtype) -> Tensor:
    """``value`` as a 0-d tensor of ``dtype``, shared.  Zero and NaN are never shared: the
    cache cannot tell 0.0 from -0.0 (equal keys), and NaN is not equal to itself."""
    if not value or value != value:
        return Tensor._wrap(np.array(value, dtype))
    key = (type(value), value, dtype)
    constant = _CONSTANTS.get(key)
    if constant is None:
        if len(_CONSTANTS) >= _MAX_CONSTANTS:
            _CONSTANTS.clear()
        array = np.array(value, dtype)
        array.flags.writeable = False  # shared by every graph that uses it
        constant = _CONSTANTS[key] = Tensor._wrap(array)
        _SHARED.add(constant)
    return constant


def as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """Return ``value`` as a Tensor, taking ``like``'s dtype and device for plain numbers.

    Python scalars and NumPy arrays combined with a floating tensor take that tensor's
    dtype (``x * 2.0`` stays float32).  A float combined with an integer tensor gives
    the default float dtype, so ``int_tensor * 0.5`` is not truncated.
    """
    if isinstance(value, Tensor):
        return value
    if type(value) in _PLAIN_NUMBERS and like is not None and type(like.data) is np.ndarray \
            and like.data.dtype.kind == "f" and (type(value) is float or value.bit_length() < 64):
        # Fast path for the commonest case, ``cpu_float_tensor * 2.0``: the general code below
        # would reach the same answer (the number takes the tensor's dtype) through several
        # slower steps.  Ints too large for int64 take the general path and its error.
        return _constant(value, like.data.dtype)
    if like is None:
        return Tensor(value)
    device = like.device  # host values are checked and cast on the host, then copied to the GPU once
    try:
        array = value if device == "cuda" and backend.device_of(value) == "cuda" else np.asarray(value)
    except ValueError:  # a ragged nested list: NumPy's "inhomogeneous shape" error
        raise TypeError(f"cannot combine a tensor with a nested {type(value).__name__} whose rows "
                        "have different lengths") from None
    kind = array.dtype.kind
    if kind not in "fiub":
        raise TypeError(f"cannot combine a tensor with {type(value).__name__} of dtype {array.dtype}")
    if like.dtype.kind == "f":
        dtype = like.dtype  # any number or array takes the floating tensor's dtype
    elif kind == "f":
        dtype = backend.default_dtype()  # a float with an integer tensor: do not truncate
    elif like.dtype.kind == "b":
        dtype = array.dtype  # bool tensor with an int: the int's type
    else:
        dtype = like.dtype  # int tensor with an int or bool
    if array.dtype != dtype:
        array = array.astype(dtype)
    if device == "cuda":
        array = backend.to_device(array, "cuda")
    return Tensor._wrap(array)


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes, checked.

    A 0-d tensor accepts axis 0 or -1 (as PyTorch), which reduce nothing: ``()``."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)) or any(
            isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError(f"axis must be None, an int or a tuple of ints, got {axis!r}")
    result = []
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        result.append(int(a) % max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"repeated axis in {axis!r}")
    return tuple(sorted(result)) if ndim else ()


def expand_reduced(grad: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Put back the reduced axes (size 1) so ``grad`` broadcasts against the input shape."""
    if not keepdims and len(shape) > 0:
        grad = grad.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return grad


def axis_and_keepdims(axis: Any, keepdims: Any, dim: Any, keepdim: Any, name: str) -> tuple[Any, bool]:
    """The reduced axes and the keep flag, spelt as NumPy (``axis=``, ``keepdims=``) or as
    PyTorch (``dim=``, ``keepdim=``); one spelling of each, not both."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{name} got both axis={axis!r} and dim={dim!r}; they are the same argument, give one")
        axis = dim
    if keepdim is not None:
        if keepdims is not False:
            raise TypeError(f"{name} got both keepdims={keepdims!r} and keepdim={keepdim!r}; "
                            "they are the same argument, give one")
        keepdims = keepdim
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"{name} keepdims must be True or False, got {keepdims!r}")
    return axis, bool(keepdims)
