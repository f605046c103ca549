"""The one place that knows NumPy from CuPy: devices, array modules and the dtype policy.

A device is a string: ``"cpu"`` stores arrays as NumPy ndarrays, ``"cuda"`` as CuPy
arrays.  Everything else in minidl asks this module which array module (``xp``) to
use, so the maths is written once against the NumPy API and runs on both.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .errors import DeviceUnavailableError

DEVICES = ("cpu", "cuda")

_default_dtype = np.dtype(np.float32)


def _import_cupy() -> Any:
    """Return the cupy module, or None when it is not installed or unusable."""
    try:
        import cupy  # noqa: PLC0415 (optional dependency, imported only when asked)
    except Exception:  # ImportError, or a broken CUDA install raising at import
        return None
    return cupy


class _Cuda:
    """``mdl.cuda``: ask whether a CUDA device can be used."""

    @staticmethod
    def is_available() -> bool:
        try:
            return _import_cupy().cuda.runtime.getDeviceCount() > 0
        except Exception:  # no CuPy (None has no .cuda), no driver or no device
            return False


cuda = _Cuda()


def check_device(device: str | None) -> str:
    """Validate a device name; ``None`` means the default device (checked as well)."""
    if device is None:
        device = default_device()
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got {device!r}")
    name = device.split(":")[0].lower()
    if name not in DEVICES:
        raise ValueError(f"unknown device {device!r}; expected one of {DEVICES}")
    if name == "cuda" and not cuda.is_available():
        raise DeviceUnavailableError(
            "device 'cuda' was requested (by device= or MINIDL_DEVICE) but CuPy or a CUDA device "
            "is not available; install minidl[gpu] on a machine with a GPU, or use 'cpu'"
        )
    return name


def default_device() -> str:
    """The device named by ``MINIDL_DEVICE`` (``"cpu"`` when unset)."""
    name = os.environ.get("MINIDL_DEVICE", "cpu").lower() or "cpu"
    if name not in DEVICES:
        raise ValueError(f"MINIDL_DEVICE={name!r} is not a device; expected one of {DEVICES}")
    return name


def xp_for(device: str) -> Any:
    """The array module (numpy or cupy) that stores arrays of ``device``."""
    return np if device == "cpu" else _import_cupy()


def get_array_module(array: Any) -> Any:
    """numpy for NumPy arrays (and scalars), cupy for CuPy arrays."""
    if type(array) is np.ndarray:  # the usual case, asked for by every op: answer it first
        return np
    return _import_cupy() if type(array).__module__.startswith("cupy") else np


def device_of(array: Any) -> str:
    return "cpu" if get_array_module(array) is np else "cuda"


def to_device(array: Any, device: str) -> Any:
    """Copy ``array`` to ``device`` (no copy when it is already there)."""
    if device_of(array) == device:
        return array
    if device == "cpu":
        return array.get()
    cupy = _import_cupy()
    if np.ndim(array) == 0:  # a number (``x * 2.0``) goes in a fill kernel's argument, not a host copy
        return cupy.full((), np.asarray(array).item(), dtype=np.asarray(array).dtype)
    return cupy.asarray(array)


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy view or copy of ``array``: an ndarray, a cuda array (copied to the host), a
    Tensor (anything with a ``numpy()`` method) or a list."""
    if isinstance(array, np.ndarray):
        return array
    numpy = getattr(array, "numpy", None)
    return np.asarray(numpy() if callable(numpy) else to_device(array, "cpu"))


# ---------------------------------------------------------------- dtype policy

def default_dtype() -> np.dtype:
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype that floating input is converted to (float32 unless changed)."""
    global _default_dtype
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"the default dtype must be floating, got {dtype}")
    _default_dtype = dtype


def as_dtype(dtype: Any) -> np.dtype:
    """Accept ``np.float64``, ``"float64"``, ``mdl.float64``; reject the rest clearly (a tensor too)."""
    try:
        return np.dtype(dtype if dtype is None or isinstance(dtype, (str, type, np.dtype)) else object())
    except TypeError:
        got = repr(dtype) if isinstance(dtype, (str, type)) else f"a {type(dtype).__name__}"  # not its .dtype
        raise TypeError(f"{got} is not a dtype; expected e.g. 'float32', np.float64 or x.dtype") from None


def policy_dtype(array: np.ndarray) -> np.dtype:
    """The dtype an input array becomes: floats -> the default dtype, ints and bools keep theirs."""
    kind = array.dtype.kind
    if kind == "f":
        return _default_dtype
    if kind in "iub":
        return array.dtype
    raise TypeError(f"cannot make a tensor from data of dtype {array.dtype}; expected numbers (float, int or bool)")


def result_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    """Promote two tensor dtypes as NumPy does, except that int op float gives that float."""
    if a == b or (a.kind == "f" and b.kind != "f"):
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    return np.result_type(a, b)
