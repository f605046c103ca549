"""BLAS matrix products that compiled (Numba) loops can call, without the GIL.

minidl spreads its large products over the cores itself: a ``prange`` loop over
blocks of rows, each block one call to single-threaded BLAS (see ``threads.py``
for why OpenBLAS's own threads are off).  Inside a convolution chunk the same call
sits between im2col and the pooling, so a whole chunk runs in compiled code and
the cores are handed over once per layer, not three times per chunk.

The GEMM is ``cblas_sgemm``/``cblas_dgemm`` of the OpenBLAS that NumPy loaded,
found with ctypes.  It reaches the compiled loops as an *argument* (a first-class
function), not a global, so those loops can still be cached on disk: the address
of the function changes from one process to the next, its type does not.

``C = op(A) @ op(B)`` in CBLAS terms, row-major (``ORDER = 101``), ``op`` is the
identity (``NO_TRANS = 111``) or the transpose (``TRANS = 112``); ``lda`` is the
length of a stored row of A.  Where NumPy uses another BLAS (Accelerate, MKL), no
such function is found (:func:`have_cblas` is False): products stay ``a @ b`` and
the convolution chunks run in a Python loop around ``np.matmul`` instead.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from numba import get_num_threads, njit, prange, set_parallel_chunksize

ORDER, NO_TRANS, TRANS = 101, 111, 112

_I64, _VOID = ctypes.c_int64, ctypes.c_void_p
# CBLAS with 64-bit integers: NumPy >= 2 wheels ship OpenBLAS as "scipy_openblas64_"
_CANDIDATES = {
    np.float32: ("scipy_cblas_sgemm64_", "cblas_sgemm64_"),
    np.float64: ("scipy_cblas_dgemm64_", "cblas_dgemm64_"),
}
_THREAD_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_")


def _prototype(real: type) -> Any:
    return ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_int, _I64, _I64, _I64, real,
                            _VOID, _I64, _VOID, _I64, real, _VOID, _I64)


def _numpy_blas_libraries() -> list[str]:
    """Paths of NumPy's bundled OpenBLAS (wheels ship it beside the package: ``numpy.libs``
    on Linux and Windows, ``numpy/.dylibs`` on macOS), then any other BLAS this process
    has loaded (Linux's /proc/self/maps lists them)."""
    numpy_dir = os.path.dirname(np.__file__)
    found = []
    for folder in (numpy_dir + ".libs", os.path.join(numpy_dir, ".dylibs"), numpy_dir):
        if os.path.isdir(folder):
            found += sorted(os.path.join(folder, f) for f in os.listdir(folder)
                            if "openblas" in f.lower() and f.lower().endswith((".so", ".dll", ".dylib")))
    try:
        with open("/proc/self/maps") as maps:
            loaded = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
    except OSError:
        loaded = []
    return found + [p for p in loaded if p not in found]


@cache
def gemm_function(dtype: Any) -> Any:
    """The CBLAS gemm for ``dtype`` (float32/float64) as a ctypes function, or None."""
    kind = np.dtype(dtype).type
    real = ctypes.c_float if kind == np.float32 else ctypes.c_double
    for path in _numpy_blas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _CANDIDATES[kind]:
            if hasattr(lib, name):
                return _prototype(real)((name, lib))
    return None


def have_cblas() -> bool:
    """True when compiled loops can call BLAS themselves (NumPy's OpenBLAS was found).
    Otherwise (another BLAS, e.g. Accelerate or MKL) minidl's kernels call ``np.matmul``
    from Python and BLAS keeps its own threads."""
    return gemm_function(np.float32) is not None and gemm_function(np.float64) is not None


@cache
def _thread_api() -> tuple[Any, Any] | None:
    """OpenBLAS's (set_num_threads, get_num_threads) in NumPy's library, or None."""
    for path in _numpy_blas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _THREAD_SETTERS:
            getter = name.replace("set_", "get_")
            if hasattr(lib, name) and hasattr(lib, getter):
                setter, get = getattr(lib, name), getattr(lib, getter)
                setter.argtypes, get.restype = [ctypes.c_int], ctypes.c_int
                return setter, get
    return None


def blas_threads() -> int:
    """How many threads NumPy's OpenBLAS uses per call (1 when it is not found)."""
    api = _thread_api()
    return api[1]() if api is not None else 1


class _OneBlasThread:
    """Context: OpenBLAS on one thread while compiled loops call it from several threads
    (each of those calls is one block of the work; BLAS threads inside would fight them).
    Nested and concurrent uses are counted; the user's setting comes back at the end."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.saved = 1

    def __enter__(self) -> None:
        api = _thread_api()
        with self.lock:
            self.active += 1
            if api is not None and self.active == 1:
                self.saved = api[1]()
                if self.saved != 1:
                    api[0](1)

    def __exit__(self, *exc: object) -> None:
        api = _thread_api()
        with self.lock:
            self.active -= 1
            if api is not None and self.active == 0 and self.saved != 1:
                api[0](self.saved)


one_blas_thread = _OneBlasThread()


def use_one_blas_thread() -> bool:
    """Set NumPy's OpenBLAS to one thread for good (minidl's policy, see threads.py), when
    minidl's compiled loops can call it; False (nothing changed) otherwise."""
    api = _thread_api()
    if api is None or not have_cblas():
        return False
    api[0](1)
    return True


# ----------------------------------------------------------------------------- calls
@njit(cache=True, nogil=True)
def gemm_into(gemm, a, b, c, trans_a, trans_b, beta):  # pragma: no cover (compiled)
    """``c = op(a) @ op(b) + beta * c`` for C-contiguous 2-D arrays (a stored transposed
    when ``trans_a``: its shape is then (k, m))."""
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    gemm(ORDER, TRANS if trans_a else NO_TRANS, TRANS if trans_b else NO_TRANS, m, n, k, 1.0,
         a.ctypes.data, a.shape[1], b.ctypes.data, b.shape[1], beta, c.ctypes.data, n)


@njit(cache=True, parallel=True, nogil=True)
def _blocks_in_parallel(gemm, a, b, c, trans_a, trans_b, step, by_rows):  # pragma: no cover
    """``c = op(a) @ op(b)``, blocks of ``step`` rows (or columns) of c on different threads."""
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    item = c.itemsize
    ta, tb = TRANS if trans_a else NO_TRANS, TRANS if trans_b else NO_TRANS
    size = m if by_rows else n
    for t in prange((size + step - 1) // step):
        s = t * step
        part = min(size, s + step) - s
        if by_rows:  # rows s.. of c come from rows s.. of op(a) (columns of a if stored transposed)
            a_at = a.ctypes.data + (s if trans_a else s * a.shape[1]) * item
            gemm(ORDER, ta, tb, part, n, k, 1.0, a_at, a.shape[1], b.ctypes.data, b.shape[1],
                 0.0, c.ctypes.data + s * n * item, n)
        else:  # columns s.. of c come from columns s.. of op(b) (rows of b if stored transposed)
            b_at = b.ctypes.data + (s * b.shape[1] if trans_b else s) * item
            gemm(ORDER, ta, tb, m, part, k, 1.0, a.ctypes.data, a.shape[1], b_at, b.shape[1],
                 0.0, c.ctypes.data + s * item, n)
    return c


@cache
def _chunksize_setter() -> Callable[[int], int]:
    """Numba's setter of the parallel chunk size: its C function once the threads run
    (~1 µs, against ~3 µs for the public one, which checks the threads every time)."""
    set_parallel_chunksize(0)  # starts Numba's threads if needed
    from numba.np.ufunc import parallel  # noqa: PLC0415

    return getattr(parallel, "_set_parallel_chunksize", None) or set_parallel_chunksize


def dynamic(loop: Callable[..., Any], *args: Any) -> Any:
    """Run a compiled ``prange`` loop with Numba's chunk size 1: iterations are handed out
    one at a time where the threading layer schedules dynamically (TBB, workqueue).  With
    the OpenMP layer (Linux) the iterations are still split in equal contiguous shares."""
    set_chunksize = _chunksize_setter()
    previous = set_chunksize(1)
    try:
        if blas_threads() == 1:  # minidl's setting since import (see threads.py)
            return loop(*args)
        with one_blas_thread:  # someone gave OpenBLAS threads again: off while we call it
            return loop(*args)
    finally:
        set_chunksize(previous)


def _stored(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """``x`` as a C-contiguous array and whether it is stored transposed."""
    if x.flags.c_contiguous:
        return x, False
    if x.T.flags.c_contiguous:
        return x.T, True
    return np.ascontiguousarray(x), False


#: products below this many flops (2·m·k·n) run on one thread: splitting costs more
#: (a parallel loop costs ~10 µs to start; 3 Mflop take ~50 µs on one core)
PARALLEL_FLOPS = 3_000_000


def matmul(a: Any, b: Any) -> Any:
    """``a @ b``; a large 2-D float product of matching dtype runs as blocks of rows on the cores."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim != 2 or b.ndim != 2
            or a.shape[1] != b.shape[0] or 2 * a.shape[0] * a.shape[1] * b.shape[1] < PARALLEL_FLOPS
            or a.dtype != b.dtype or a.dtype.type not in _CANDIDATES or not have_cblas()):
        return a @ b  # small products (most of them) go straight to BLAS on this thread
    plan = split_plan(a.shape[0], a.shape[1], b.shape[1])
    if plan is None:
        return a @ b
    return split_matmul(a, b, step=plan[0], by_rows=plan[1])


def split_plan(m: int, k: int, n: int) -> tuple[int, bool] | None:
    """How to cut an (m, k) @ (k, n) product over the cores: ``(step, by_rows)``, blocks of
    ``step`` rows (or columns) of the result; None when one thread should do it all."""
    if 2 * m * k * n < PARALLEL_FLOPS:  # first: most products are small, and asking Numba costs ~1 µs
        return None
    parts = get_num_threads()
    if parts == 1:
        return None
    # One block per thread: OpenBLAS runs a block of few rows below its best (on 2 cores,
    # the MLP's products ran at 115-135 Gflop/s in 2 or 4 blocks, 80-105 in 16), and each
    # block packs all of the other matrix again (2 blocks: 1-3% faster than 4 on the
    # batch-1024 MLP's largest products).  A product with few rows (a batch of 64) is cut
    # into blocks of columns instead: measured ~20% faster.
    by_rows = m >= n
    size = m if by_rows else n
    return max(8, -(-size // parts)), by_rows


def split_matmul(a: np.ndarray, b: np.ndarray, step: int, by_rows: bool = True) -> np.ndarray:
    """``a @ b`` computed as blocks of ``step`` rows (or columns), in parallel (same dtype, 2-D)."""
    (sa, ta), (sb, tb) = _stored(a), _stored(b)
    out = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    return dynamic(_blocks_in_parallel, gemm_function(a.dtype), sa, sb, out, ta, tb, step, by_rows)
