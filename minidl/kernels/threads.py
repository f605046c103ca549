"""Thread policy: one pool of worker threads (Numba's), used for everything parallel.

A training step alternates compiled loops (im2col, pooling, ...) with BLAS matrix
products.  Left alone, Numba and OpenBLAS each keep a pool of worker threads, and
both pools *spin* (busy-wait) after their work, hoping for more: libgomp (behind
Numba's ``omp`` threading layer) for milliseconds, OpenBLAS for about 2**28
cycles.  So while BLAS multiplies, Numba's idle workers burn the same cores, and
the other way round: on a busy 2-core machine a course CNN step took 3-10x longer.
minidl therefore keeps OpenBLAS on one thread and calls it from its own parallel
loops (:mod:`.blas`), and lets Numba's workers spin only briefly.

:func:`configure_threads` sets, unless the user already set them:

- ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``NUMBA_NUM_THREADS`` to the number
  of cores this process may use (inside a container ``os.cpu_count()`` can report
  more cores than it may use);
- ``OPENBLAS_NUM_THREADS`` to 1: minidl spreads large matrix products and the
  convolution chunks over the cores itself (:mod:`.blas`, :mod:`.numba_conv`), each thread calling
  single-threaded BLAS.  OpenBLAS's own threads split a product in fixed parts and
  wait for each other at the end, so when another program holds a core, every
  product waits for the slowest part: on a 2-core machine at load ~6 a 64x784 by
  784x256 product took 47 ms with 2 OpenBLAS threads and 0.57 ms with 1.  And once
  OpenBLAS's threads have run, minidl's parallel calls into it run ~2x slower, so
  :mod:`minidl.kernels` also sets one thread through OpenBLAS's C API at import
  (whatever ``OPENBLAS_NUM_THREADS`` says, and when NumPy was imported first) when
  it can call NumPy's OpenBLAS from compiled code (:func:`.blas.have_cblas`):
  the number of cores minidl uses is ``NUMBA_NUM_THREADS``;
- ``GOMP_SPINCOUNT=10000`` (idle OpenMP workers of Numba's ``omp`` layer spin for
  ~10-50 µs, then sleep: a parallel loop right after another one starts in ~10 µs
  instead of ~30 µs after a sleep, and a pause costs no more than that much CPU),
  ``OPENBLAS_THREAD_TIMEOUT=4`` (idle OpenBLAS workers sleep after 2**4 cycles) and
  ``KMP_BLOCKTIME=0`` (the same for Intel OpenMP, used by MKL builds of NumPy).

Waking a sleeping pool costs some microseconds per call, far less than a step.
The libraries read these variables once, when they are loaded, so this must run
before NumPy and Numba are imported: ``minidl/__init__.py`` and
``minidl/kernels/__init__.py`` call it first thing (calling it twice is harmless).
If NumPy was imported before minidl, these settings come too late for OpenBLAS
(except its thread count, set through its C API as said above).

To choose yourself, set the variables before starting Python, e.g.
``NUMBA_NUM_THREADS=1 python train.py`` for minidl on one core.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)

#: BLAS runs on one thread per caller; minidl's workers use the cores (see above)
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1"}

#: the variables minidl set itself (not the user), over every call of configure_threads
CHOSEN_BY_MINIDL: set[str] = set()

# idle thread pools sleep instead of spinning (see the module docstring)
WAIT_POLICY = {
    "GOMP_SPINCOUNT": "10000",
    "OPENBLAS_THREAD_TIMEOUT": "4",
    "KMP_BLOCKTIME": "0",
}


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS and Windows have no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def configure_threads(num_threads: int | None = None) -> dict[str, str]:
    """Set the thread variables the user left unset; return what was set.

    Thread counts become ``num_threads`` (default :func:`available_cores`) and idle
    pools are told to sleep (:data:`WAIT_POLICY`).  Variables already present in
    ``os.environ`` (even set to an empty string) are left alone.
    """
    n = available_cores() if num_threads is None else int(num_threads)
    if n < 1:
        raise ValueError(f"num_threads must be a positive int, got {num_threads!r}")
    wanted = {name: str(n) for name in THREAD_VARIABLES} | BLAS_THREADS | WAIT_POLICY
    applied = {}
    for name, value in wanted.items():
        if name not in os.environ:
            os.environ[name] = applied[name] = value
    CHOSEN_BY_MINIDL.update(applied)
    return applied
