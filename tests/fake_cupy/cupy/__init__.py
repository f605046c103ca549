"""A strict CPU stand-in for CuPy, so that minidl's ``"cuda"`` code path runs in CI.

This package is put on ``PYTHONPATH`` only by ``tests/test_fake_cupy.py``; it is never
installed.  Its :class:`ndarray` wraps a NumPy array (it does *not* subclass
``numpy.ndarray``) and reproduces the CuPy behaviours that expose device bugs:

- no implicit device-to-host copy: ``numpy.asarray(x)``, ``np.array(x)`` and
  ``x.__array__()`` raise CuPy's ``TypeError`` (use ``x.get()`` or ``cupy.asnumpy``);
- no implicit host-to-device copy in computations: cupy functions, ufuncs and
  operators reject ``numpy.ndarray`` operands (``TypeError: Unsupported type``), while
  Python and NumPy scalars are accepted; ``cupy.asarray``/``cupy.array`` copy host data;
- reductions and integer indexing give 0-d cupy arrays, never scalars; no ``__index__``;
- NumPy dispatch: ``np.exp(x)`` (``__array_ufunc__``) and ``np.sum(x)``
  (``__array_function__``) return cupy arrays; unsupported calls raise ``TypeError``;
- ``x[basic index] = numpy_array`` raises (CuPy's ``fill``), ``cupy.add.at`` /
  ``cupyx.scatter_add`` refuse int64 (CUDA's atomics), object and string arrays are refused;
- ``transfers`` counts copies to and from the "device" (``float(x)`` counts too), so tests
  can look for hidden round trips.

Dtypes follow NumPy exactly (NumPy computes everything).  What it cannot reproduce:
CUDA kernels (``ElementwiseKernel``, ``RawKernel`` raise ``NotImplementedError``),
asynchrony and streams, device memory limits, CuPy's wrap-around of out-of-bounds
indices and its undefined order for repeated indices in ``x[idx] = v``, the rounding of
cuBLAS and CUDA math, and the exact set of functions CuPy implements: any NumPy function
is wrapped (except those in ``_NOT_IN_CUPY``), and lists are accepted wherever NumPy
takes them.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any

import numpy as _np
from numpy import e, inf, nan, newaxis, pi  # noqa: F401  (cupy re-exports NumPy's constants)

__minidl_fake__ = True
__version__ = "13.0.0+fake"
transfers = {"to_host": 0, "to_device": 0}  # copies so far (reading a value counts as one to the host)

_SCALARS = (bool, int, float, complex, _np.generic)
_NOT_IN_CUPY = {"errstate", "seterr", "geterr", "array2string", "set_printoptions", "printoptions",
                "nditer", "frompyfunc", "linalg", "fft", "testing", "lib", "ma", "char", "rec",
                "polynomial", "ctypeslib", "emath", "matrix", "memmap", "recarray", "chararray"}
_TO_0D = {"count_nonzero", "allclose", "array_equal", "array_equiv"}  # Python scalars in NumPy
_ATOMIC_ADD = {_np.dtype(t) for t in ("int32", "float16", "float32", "float64", "uint32", "uint64")}


def _unsupported(x: Any) -> TypeError:
    return TypeError(f"Unsupported type {type(x)}")


def _new(a: _np.ndarray) -> ndarray:
    out = object.__new__(ndarray)
    out._a = a
    return out


def _wrap(r: Any) -> Any:
    """NumPy results as cupy arrays (scalars become 0-d arrays), recursively in tuples/lists."""
    if isinstance(r, _np.ndarray):
        return _new(r)
    if isinstance(r, _np.generic):
        return _new(_np.asarray(r))
    if type(r) in (tuple, list):
        return type(r)(_wrap(v) for v in r)
    return r


def _unwrap(x: Any, host_arrays: bool = False) -> Any:
    """Arguments: cupy arrays unwrapped; host arrays refused (accepted with ``host_arrays``)."""
    if isinstance(x, ndarray):
        return x._a
    if type(x) in (tuple, list):
        return type(x)(_unwrap(v, host_arrays) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v, host_arrays) for k, v in x.items()}
    if isinstance(x, _np.ndarray) and host_arrays:
        return x
    if hasattr(x, "__array__") and not isinstance(x, (_np.generic, type)):
        raise _unsupported(x)  # numpy.ndarray, or anything NumPy would copy from the host
    return x


def _operand(x: Any) -> Any:
    """A ufunc operand: a cupy array or a scalar (CuPy's ``_preprocess_args``)."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, _SCALARS):
        return x
    raise _unsupported(x)


def _result(result: Any, out: Any = None, scalar_to_0d: bool = False) -> Any:
    """Wrap ``result``; when the caller gave ``out`` (cupy arrays), NumPy wrote there: return it."""
    if out is not None:
        return out[0] if type(out) is tuple and len(out) == 1 else out
    if scalar_to_0d and isinstance(result, (bool, int, float)):
        result = _np.asarray(result)
    return _wrap(result)


def _function(func: Any, name: str) -> Any:
    """A cupy function made from the NumPy function ``func``."""

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        return _result(func(*_unwrap(args), **_unwrap(kwargs)), kwargs.get("out"), name in _TO_0D)

    call.__module__ = "cupy"
    del call.__wrapped__
    return call


def _setitem_value(value: Any, index: Any) -> Any:
    """The right side of ``x[index] = value``: CuPy copies host data for advanced indexing
    (arrays or lists in the index) and calls ``fill`` (scalars only) for basic indexing."""
    if isinstance(value, ndarray):
        return value._a
    parts = index if type(index) is tuple else (index,)
    if isinstance(value, _SCALARS) or any(isinstance(p, (_np.ndarray, list)) for p in parts):
        return value
    if isinstance(value, _np.ndarray) and value.ndim == 0:
        return value
    if isinstance(value, _np.ndarray):
        raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
    raise _unsupported(value)


class ufunc:
    """A NumPy ufunc that takes and returns cupy arrays (operands: cupy arrays and scalars)."""

    def __init__(self, np_ufunc: _np.ufunc) -> None:
        self._f = np_ufunc
        self.__name__, self.nin, self.nout = np_ufunc.__name__, np_ufunc.nin, np_ufunc.nout

    def __repr__(self) -> str:
        return f"<ufunc '{self.__name__}'>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) > self.nin:  # outputs given by position
            args, kwargs["out"] = args[: self.nin], args[self.nin :]
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_operand(o) for o in out) if type(out) is tuple else _operand(out)
        if "where" in kwargs:
            kwargs["where"] = _operand(kwargs["where"])
        return _result(self._f(*(_operand(a) for a in args), **kwargs), out)

    def __getattr__(self, method: str) -> Any:
        if method not in ("reduce", "accumulate", "outer", "reduceat"):
            raise AttributeError(method)
        return _function(getattr(self._f, method), method)

    def at(self, a: ndarray, indices: Any, b: Any = None) -> None:
        if not isinstance(a, ndarray):
            raise _unsupported(a)
        if self.__name__ == "add" and a.dtype not in _ATOMIC_ADD:
            raise TypeError("cupy.add.at only supports int32, float16, float32, float64, uint32, uint64")
        index = _unwrap(indices, host_arrays=True)
        self._f.at(a._a, index, *(() if b is None else (_setitem_value(b, index),)))


class ndarray:
    """A CuPy-like array: a NumPy array that refuses to meet host arrays."""

    __slots__ = ("_a", "__weakref__")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, shape: Any, dtype: Any = float, memptr: Any = None, strides: Any = None,
                 order: str = "C") -> None:
        self._a = _np.empty(shape, dtype, order=order)

    base = property(lambda self: None if self._a.base is None else _new(_np.asarray(self._a.base)))
    device = property(lambda self: cuda.Device(0))
    # CuPy's flags have no ``writeable``
    flags = property(lambda self: types.SimpleNamespace(
        c_contiguous=self._a.flags.c_contiguous, f_contiguous=self._a.flags.f_contiguous,
        owndata=self._a.flags.owndata))
    __cuda_array_interface__ = property(lambda self: {
        **{k: self._a.__array_interface__[k] for k in ("shape", "typestr", "data", "strides")}, "version": 3})

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __array_ufunc__(self, np_ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        for x in inputs + tuple(kwargs.get("out", ())):
            if not isinstance(x, (ndarray, _np.ndarray, *_SCALARS)):
                return NotImplemented  # numpy.ndarray is let through, to raise TypeError below
        if kwargs.get("out") is not None and len(kwargs["out"]) == 1:
            kwargs["out"] = kwargs["out"][0]
        f = ufunc(np_ufunc)
        return f(*inputs, **kwargs) if method == "__call__" else getattr(f, method)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if not all(issubclass(t, (ndarray, _np.ndarray)) for t in types):
            return NotImplemented
        try:
            module = functools.reduce(getattr, func.__module__.split(".")[1:], sys.modules[__name__])
            impl = getattr(module, func.__name__)
        except AttributeError:
            return NotImplemented  # NumPy then raises TypeError
        return NotImplemented if impl is func else impl(*args, **kwargs)

    def get(self, stream: Any = None, order: str = "C", out: Any = None) -> _np.ndarray:
        transfers["to_host"] += 1
        if out is None:
            return _np.array(self._a, order=order, copy=True)
        out[...] = self._a
        return out

    def fill(self, value: Any) -> None:
        if isinstance(value, (ndarray, _np.ndarray)) and value.ndim:
            raise ValueError(f"non-scalar {type(value).__module__}.ndarray cannot be used for fill")
        self._a.fill(value._a if isinstance(value, ndarray) else value)

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def __iter__(self) -> Any:
        if not self.ndim:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    def __getitem__(self, key: Any) -> ndarray:
        return _wrap(self._a[_unwrap(key, host_arrays=True)])

    def __setitem__(self, key: Any, value: Any) -> None:
        index = _unwrap(key, host_arrays=True)
        self._a[index] = _setitem_value(value, index)

    def __copy__(self, *memo: Any) -> ndarray:
        return _new(self._a.copy())

    __deepcopy__ = __copy__

    def __reduce__(self) -> Any:
        return array, (self.get(),)

    def __eq__(self, other: Any) -> Any:  # CuPy: never equal to None or to plain objects
        if other is None or type(other).__eq__ is object.__eq__:
            return _new(_np.zeros(self.shape, dtype=_np.bool_))
        return _binary(_np.equal)(self, other)

    def __ne__(self, other: Any) -> Any:
        if other is None or type(other).__eq__ is object.__eq__:
            return _new(_np.ones(self.shape, dtype=_np.bool_))
        return _binary(_np.not_equal)(self, other)


def _defers(other: Any) -> bool:
    """CuPy's ``_should_use_rop``: leave the operator to ``other`` (e.g. a minidl Tensor)."""
    if isinstance(other, ndarray):
        return False
    if not hasattr(other, "__array_ufunc__"):
        return getattr(other, "__array_priority__", 0) > 0
    return other.__array_ufunc__ is None


def _binary(f: _np.ufunc, reflected: bool = False) -> Any:
    def op(self: ndarray, other: Any) -> Any:
        if _defers(other):
            return NotImplemented
        return ufunc(f)(other, self) if reflected else ufunc(f)(self, other)

    return op


def _method(name: str) -> Any:
    def call(self: ndarray, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self._a, name)(*_unwrap(args), **_unwrap(kwargs))
        return self if result is self._a else _result(result, kwargs.get("out"))

    call.__name__ = name
    return call


def _to_host(name: str) -> Any:
    """A method that reads values on the host (``float(x)``, ``x.item()``): counted as a copy."""

    def call(self: ndarray, *args: Any) -> Any:
        transfers["to_host"] += 1
        return getattr(self._a, name)(*args)

    call.__name__ = name
    return call


for _name, _f in [("add", _np.add), ("sub", _np.subtract), ("mul", _np.multiply), ("truediv", _np.true_divide),
                  ("floordiv", _np.floor_divide), ("mod", _np.remainder), ("pow", _np.power),
                  ("matmul", _np.matmul), ("and", _np.bitwise_and), ("or", _np.bitwise_or),
                  ("xor", _np.bitwise_xor), ("lshift", _np.left_shift), ("rshift", _np.right_shift),
                  ("divmod", _np.divmod)]:
    setattr(ndarray, f"__{_name}__", _binary(_f))
    setattr(ndarray, f"__r{_name}__", _binary(_f, reflected=True))
    if _name not in ("matmul", "divmod"):
        setattr(ndarray, f"__i{_name}__", lambda self, other, _f=_f: ufunc(_f)(self, other, out=self))
for _name, _f in [("lt", _np.less), ("le", _np.less_equal), ("gt", _np.greater), ("ge", _np.greater_equal)]:
    setattr(ndarray, f"__{_name}__", _binary(_f))
for _name, _f in [("neg", _np.negative), ("pos", _np.positive), ("abs", _np.absolute), ("invert", _np.invert)]:
    setattr(ndarray, f"__{_name}__", lambda self, _f=_f: ufunc(_f)(self))
for _name in ("shape", "dtype", "ndim", "size", "itemsize", "nbytes", "strides"):
    setattr(ndarray, _name, property(lambda self, _name=_name: getattr(self._a, _name)))
for _name in ("T", "real", "imag"):  # views
    setattr(ndarray, _name, property(lambda self, _name=_name: _new(getattr(self._a, _name))))
for _name in ("reshape", "transpose", "astype", "copy", "ravel", "flatten", "squeeze", "swapaxes", "sum",
              "mean", "max", "min", "argmax", "argmin", "var", "std", "prod", "clip", "view", "any", "all",
              "cumsum", "dot", "repeat", "take", "nonzero", "round", "conj", "argsort", "sort"):
    setattr(ndarray, _name, _method(_name))
for _name in ("__bool__", "__int__", "__float__", "__complex__", "item", "tolist"):
    setattr(ndarray, _name, _to_host(_name))
for _name, _show in [("__repr__", repr), ("__str__", str)]:  # printing reads the values (not counted)
    setattr(ndarray, _name, lambda self, _show=_show: _show(self._a))
ndarray.__format__ = lambda self, spec: format(self._a, spec)


# ---------------------------------------------------------------- module functions


def array(obj: Any, dtype: Any = None, copy: bool = True, order: str = "K", ndmin: int = 0) -> ndarray:
    """A device array; host data (NumPy arrays, lists, scalars) is always copied."""
    if isinstance(obj, ndarray):
        a = _np.array(obj._a, dtype=dtype, copy=True if copy else None, order=order, ndmin=ndmin)
        return obj if a is obj._a else _new(a)
    if type(obj) in (list, tuple):
        obj = _unwrap(obj, host_arrays=True)  # lists of cupy arrays are accepted, as CuPy does
    transfers["to_device"] += 1
    a = _np.array(obj, dtype=dtype, order=order, ndmin=ndmin)
    if a.dtype.kind in "OSUVMm":
        raise ValueError(f"Unsupported dtype {a.dtype}")
    return _new(a)


def asarray(a: Any, dtype: Any = None, order: Any = None) -> ndarray:
    return array(a, dtype, copy=False, order=order or "K")


def asnumpy(a: Any, stream: Any = None, order: str = "C", out: Any = None) -> _np.ndarray:
    return a.get(order=order, out=out) if isinstance(a, ndarray) else _np.asarray(a, order=order)


def get_array_module(*args: Any) -> Any:
    return sys.modules[__name__] if any(isinstance(a, ndarray) for a in args) else _np


def _no_kernels(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("fake cupy: no CUDA kernels")


ElementwiseKernel = RawKernel = ReductionKernel = RawModule = fuse = _no_kernels


def __getattr__(name: str) -> Any:
    """Any other NumPy function or ufunc, wrapped once and cached in this module."""
    target = getattr(_np, name, None)
    if name in _NOT_IN_CUPY or target is None or name.startswith("_") or isinstance(target, types.ModuleType):
        raise AttributeError(f"module 'cupy' has no attribute {name!r}")
    if not callable(target) or isinstance(target, type):
        return target  # constants and types (CuPy's dtypes are NumPy's)
    wrapped = ufunc(target) if isinstance(target, _np.ufunc) else _function(target, name)
    globals()[name] = wrapped
    return wrapped


from . import cuda, random  # noqa: E402, F401  (they use the helpers above)

for _name, _obj in vars(_np).items():  # dtypes (float32, bool_, dtype, ...) are NumPy's, as in CuPy
    if isinstance(_obj, type) and not _name.startswith("_") and _name not in _NOT_IN_CUPY | {"bool"}:
        globals().setdefault(_name, _obj)
