"""Large parameters updated on all cores: the same compiled update, on blocks of elements.

An optimizer step reads and writes four arrays per parameter (weights, gradient and
two state arrays for Adam): for the MLP's 784x256 layer that is ~5.6 MB, more than
one core's caches, so one core waits for memory.  Every element is updated on its
own, so blocks of a parameter can run on different cores with the same result, bit
for bit.  Small parameters (biases) stay on one core: starting threads costs more.

One block per thread, of equal size: Numba's OpenMP layer gives each thread a fixed,
contiguous share of the ``prange`` iterations, so with fixed-size blocks (7 for the
MLP's 200,704 weights) one thread got 4 blocks and the other 3, and waited for nothing.
"""

from __future__ import annotations

from typing import Any

from numba import get_num_threads, njit, prange

from minidl.kernels.optim_updates import _adam_nb, _sgd_nb

#: blocks are whole multiples of this many elements (cache lines, vector loads), and
#: parameters from PARALLEL_MIN elements on are split into blocks
ALIGN = 64
PARALLEL_MIN = 1 << 16


def on_cores(one_core: Any, blocks: Any, p: Any, *args: Any) -> None:
    """Run a compiled update on one core, or, for a large parameter, one block per core."""
    if p.size < PARALLEL_MIN:
        one_core(p, *args)
    else:
        blocks(p, *args, block_size(p.size))


def block_size(n: int) -> int:
    """n / (number of threads), rounded up to a multiple of ALIGN.  Asked from Python: a
    compiled loop that asks Numba for its thread count cannot be cached on disk."""
    parts = get_num_threads()
    return ((n + parts - 1) // parts + ALIGN - 1) // ALIGN * ALIGN


@njit(cache=True, parallel=True, error_model="numpy")
def adam_blocks(p, g, m, v, vmax, step_size, beta1, beta2, eps, bc2_sqrt, amsgrad,
                wd, decay, gscale, gclip, block):  # pragma: no cover (compiled)  # fmt: skip
    """:func:`~minidl.kernels.optim_updates._adam_nb` on one block of elements per thread."""
    n = p.size
    p, g, m, v, vmax = p.reshape(n), g.reshape(n), m.reshape(n), v.reshape(n), vmax.reshape(n)
    for t in prange((n + block - 1) // block):
        s, e = t * block, min(n, (t + 1) * block)
        _adam_nb(p[s:e], g[s:e], m[s:e], v[s:e], vmax[s:e], step_size, beta1, beta2, eps, bc2_sqrt,
                 amsgrad, wd, decay, gscale, gclip)


@njit(cache=True, parallel=True, error_model="numpy")
def sgd_blocks(p, g, buf, lr, momentum, dampening, nesterov, keras,
               wd, decay, gscale, gclip, block):  # pragma: no cover (compiled)  # fmt: skip
    """:func:`~minidl.kernels.optim_updates._sgd_nb` on one block of elements per thread."""
    n = p.size
    p, g, buf = p.reshape(n), g.reshape(n), buf.reshape(n)
    for t in prange((n + block - 1) // block):
        s, e = t * block, min(n, (t + 1) * block)
        _sgd_nb(p[s:e], g[s:e], buf[s:e], lr, momentum, dampening, nesterov, keras,
                wd, decay, gscale, gclip)
