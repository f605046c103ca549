"""Allocator policy: let freed arrays be reused instead of handed back to the OS.

A training step allocates the same large arrays every time (the im2col matrix,
activations, their gradients: several MB each) and frees them a moment later.
By default glibc serves such blocks with a fresh ``mmap`` and returns them to the
OS on ``free``, so every step page-faults all of that memory in again, and NumPy
asks for huge pages on arrays over 4 MB, which the kernel may have to compact
memory for.  On our 2-core test machine that was about half of a course-CNN step:
the same step took ~45 ms with the default allocator and ~23 ms with the policy
below (and the same peak memory).

:func:`configure_memory` raises glibc's ``mmap`` threshold to its maximum (32 MiB)
and keeps up to 256 MiB of freed memory in the heap, so the next step reuses it.
It runs when :mod:`minidl.kernels` is imported (minidl itself imports it), on
Linux with glibc only, and it leaves the allocator alone when the user set any of
the ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or ``MALLOC_TOP_PAD_``
variables, or ``MINIDL_MALLOC=default``.

It also installs :class:`SkipNumbaBlasProbe`.  The first Numba kernel call loads
Numba's NumPy support, and ``numba.np.arraymath`` then imports
``scipy.linalg.cython_blas`` only to decide whether ``np.correlate`` and
``np.convolve`` inside jitted code may call BLAS.  That import drags in all of
``scipy.linalg`` and, through SciPy's array-API layer, NumPy's lazily loaded
``f2py``, ``testing`` and ``ma``: 17 MB of a course-CNN training run whose peak is
~100 MB, for a check minidl's kernels never need (their matrix products run in
NumPy).  The finder lets that one module load with SciPy's BLAS hidden, so Numba
answers "no BLAS" and falls back to a loop for those two functions.  Nothing
else changes: ``np.dot``/``@``/``np.linalg`` in jitted code import SciPy when they
are compiled, as usual.  Import ``scipy.linalg`` before minidl to keep the probe.
"""

from __future__ import annotations

import ctypes
import importlib.abc
import os
import sys
from types import ModuleType
from typing import Any

# mallopt parameter numbers from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

POLICY = {M_MMAP_THRESHOLD: 32 * 2**20, M_TRIM_THRESHOLD: 256 * 2**20}

USER_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")


#: The module that probes for BLAS at import, and the module it probes with.
PROBING_MODULE = "numba.np.arraymath"
PROBED_MODULE = "scipy.linalg.cython_blas"


class _LoaderHiding:
    """Run ``loader`` with ``hidden`` unimportable (``sys.modules[hidden] = None`` raises ImportError)."""

    def __init__(self, loader: Any, hidden: str):
        self.loader, self.hidden = loader, hidden

    def create_module(self, spec: Any) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        if self.hidden in sys.modules:  # already imported by someone: nothing to save
            return self.loader.exec_module(module)
        sys.modules[self.hidden] = None  # type: ignore[assignment]
        try:
            self.loader.exec_module(module)
        finally:
            if sys.modules.get(self.hidden, ...) is None:
                del sys.modules[self.hidden]

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ... (tracebacks, inspect)
        return getattr(self.loader, name)


class SkipNumbaBlasProbe(importlib.abc.MetaPathFinder):
    """Import finder: load :data:`PROBING_MODULE` once with :data:`PROBED_MODULE` hidden.

    It only wraps the loader that the other finders choose, then removes itself
    from ``sys.meta_path``: it acts on that single import and costs nothing after.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != PROBING_MODULE:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                if spec.loader is not None and "scipy.linalg" not in sys.modules:
                    spec.loader = _LoaderHiding(spec.loader, PROBED_MODULE)
                return spec
        return None


def skip_numba_blas_probe() -> bool:
    """Install :class:`SkipNumbaBlasProbe`; False when it is too late (or already done)."""
    if PROBING_MODULE in sys.modules or "scipy.linalg" in sys.modules:
        return False
    if any(isinstance(f, SkipNumbaBlasProbe) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, SkipNumbaBlasProbe())
    return True


def configure_memory() -> bool:
    """Apply the policy above; return True when glibc accepted the allocator settings."""
    skip_numba_blas_probe()
    if not sys.platform.startswith("linux") or os.environ.get("MINIDL_MALLOC") == "default":
        return False
    if any(name in os.environ for name in USER_VARIABLES):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 (glibc only: musl's mallopt does nothing)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in POLICY.items())
