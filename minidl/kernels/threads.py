"""Thread policy: keep Numba's and OpenBLAS's thread pools from fighting over the cores.

A training step alternates Numba loops (im2col, pooling, ...) with BLAS matrix
products.  Each library starts its own pool of worker threads, sized by default
from ``os.cpu_count()``, which inside a container can be larger than the cores
this process may actually use.  Two pools of that size, both spinning while they
wait for work, oversubscribe the CPU and every step slows down.

:func:`configure_threads` gives each library as many threads as this process has
cores, and never touches a variable the user already set.  The libraries read
these variables once, when they are loaded, so it must run before NumPy and Numba
are imported: ``minidl/__init__.py`` and ``minidl/kernels/__init__.py`` call it
first thing (calling it twice is harmless).  If NumPy was imported before minidl,
the OpenBLAS setting comes too late and has no effect; Numba's is still applied.

To choose yourself, set the variables before starting Python, e.g.
``OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=2 python train.py``.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS and Windows have no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def configure_threads(num_threads: int | None = None) -> dict[str, str]:
    """Set the thread-count variables the user left unset; return what was set.

    ``num_threads`` defaults to :func:`available_cores`.  Variables already present
    in ``os.environ`` (even set to an empty string) are left alone.
    """
    n = available_cores() if num_threads is None else int(num_threads)
    if n < 1:
        raise ValueError(f"num_threads must be a positive int, got {num_threads!r}")
    applied = {}
    for name in THREAD_VARIABLES:
        if name not in os.environ:
            os.environ[name] = applied[name] = str(n)
    return applied
