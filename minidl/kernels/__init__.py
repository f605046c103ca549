"""Hot-path kernels on raw arrays, and the choice of which implementation runs.

Three modules provide the same functions with the same signatures:

- :mod:`minidl.kernels.reference`: plain NumPy (also runs on CuPy arrays), the
  readable definition of every kernel;
- :mod:`minidl.kernels.cpu_numba`: Numba-compiled CPU versions, tested against it;
- :mod:`minidl.kernels.gpu_cupy`: CuPy versions for arrays on a CUDA device.

The CPU implementation is chosen once, at import, from ``MINIDL_KERNELS``:
``"numba"`` (the default when Numba is installed) or ``"numpy"`` (the reference,
also used when Numba is missing).  The chosen functions are re-exported here, so
``from minidl import kernels; kernels.im2col(...)`` runs the active one, and
``ACTIVE`` names it.  Arrays on the GPU go through :func:`get_kernels`.

Importing this package also sets the thread policy (:mod:`.threads`: Numba and
OpenBLAS share the cores without spinning against each other) and the allocator
policy (:mod:`.memory`: large arrays freed in one step are reused by the next).
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType
from typing import Any

from minidl.kernels.cache_guard import drop_stale_cache
from minidl.kernels.memory import configure_memory
from minidl.kernels.threads import configure_threads

configure_threads()  # before NumPy/Numba load below (a no-op if minidl/__init__ did it)
configure_memory()  # reuse freed arrays between steps (see memory.py)
drop_stale_cache()  # before any cached kernel loads (see cache_guard.py)

import numpy as np  # noqa: E402

from minidl.kernels import reference  # noqa: E402
from minidl.kernels.reference import pad_amounts  # noqa: E402

KERNEL_NAMES = (
    "im2col",
    "col2im",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_maxpool_forward",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "avgpool2d_forward",
    "avgpool2d_backward",
    "softmax_cross_entropy",
    "relu_forward",
    "relu_backward",
    "bias_act",
    "linear_forward",
    "relu_backward_bias",
    "bias_grad",
    "matmul",
    "softmax",
)


def _choose_cpu() -> tuple[ModuleType, str]:
    """The CPU kernel module named by ``MINIDL_KERNELS`` (auto: Numba if it is installed)."""
    wanted = os.environ.get("MINIDL_KERNELS", "").strip().lower()
    if wanted in ("numpy", "reference"):
        return reference, "numpy"
    if wanted not in ("", "auto", "numba"):
        raise ValueError(f"MINIDL_KERNELS={wanted!r} is not known; expected 'numba' or 'numpy'")
    have_numba = importlib.util.find_spec("numba") is not None
    if not have_numba:
        if wanted == "numba":
            raise ImportError("MINIDL_KERNELS=numba but Numba is not installed (pip install numba)")
        return reference, "numpy"
    from minidl.kernels import cpu_numba

    return cpu_numba, "numba"


_cpu, ACTIVE = _choose_cpu()


def get_kernels(xp: Any = None) -> ModuleType:
    """The kernel module for an array module or array: gpu_cupy for CuPy, else the CPU one."""
    if xp is np or type(xp) is np.ndarray:
        return _cpu
    name = getattr(xp, "__name__", None) or type(xp).__module__
    if name.split(".")[0] == "cupy":
        from minidl.kernels import gpu_cupy  # noqa: PLC0415 (CuPy only when asked)

        return gpu_cupy
    return _cpu


im2col = _cpu.im2col
col2im = _cpu.col2im
conv2d_forward = _cpu.conv2d_forward
conv2d_backward = _cpu.conv2d_backward
conv2d_maxpool_forward = _cpu.conv2d_maxpool_forward
maxpool2d_forward = _cpu.maxpool2d_forward
maxpool2d_backward = _cpu.maxpool2d_backward
avgpool2d_forward = _cpu.avgpool2d_forward
avgpool2d_backward = _cpu.avgpool2d_backward
softmax_cross_entropy = _cpu.softmax_cross_entropy
relu_forward = _cpu.relu_forward
relu_backward = _cpu.relu_backward
bias_act = _cpu.bias_act
linear_forward = _cpu.linear_forward
relu_backward_bias = _cpu.relu_backward_bias
bias_grad = _cpu.bias_grad
matmul = _cpu.matmul
softmax = _cpu.softmax

__all__ = ["ACTIVE", "get_kernels", "pad_amounts", "reference", *KERNEL_NAMES]
