"""Large parameters updated on all cores: the same compiled update, on blocks of elements.

An optimizer step reads and writes four arrays per parameter (weights, gradient and
two state arrays for Adam): for the MLP's 784x256 layer that is ~5.6 MB, more than
one core's caches, so one core waits for memory.  Every element is updated on its
own, so blocks of a parameter can run on different cores with the same result, bit
for bit.  Small parameters (biases) stay on one core: starting threads costs more.
"""

from __future__ import annotations

from numba import njit, prange

from minidl.kernels.optim_updates import _adam_nb, _sgd_nb

#: elements per block, and the size from which a parameter is split into blocks
BLOCK = 1 << 15
PARALLEL_MIN = 1 << 16


@njit(cache=True, parallel=True, error_model="numpy")
def adam_blocks(p, g, m, v, vmax, step_size, beta1, beta2, eps, bc2_sqrt, amsgrad,
                wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
    """:func:`~minidl.kernels.optim_updates._adam_nb` on blocks of ``BLOCK`` elements."""
    n = p.size
    p, g, m, v, vmax = p.reshape(n), g.reshape(n), m.reshape(n), v.reshape(n), vmax.reshape(n)
    for t in prange((n + BLOCK - 1) // BLOCK):
        s, e = t * BLOCK, min(n, (t + 1) * BLOCK)
        _adam_nb(p[s:e], g[s:e], m[s:e], v[s:e], vmax[s:e], step_size, beta1, beta2, eps, bc2_sqrt,
                 amsgrad, wd, decay, gscale, gclip)


@njit(cache=True, parallel=True, error_model="numpy")
def sgd_blocks(p, g, buf, lr, momentum, dampening, nesterov, keras,
               wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
    """:func:`~minidl.kernels.optim_updates._sgd_nb` on blocks of ``BLOCK`` elements."""
    n = p.size
    p, g, buf = p.reshape(n), g.reshape(n), buf.reshape(n)
    for t in prange((n + BLOCK - 1) // BLOCK):
        s, e = t * BLOCK, min(n, (t + 1) * BLOCK)
        _sgd_nb(p[s:e], g[s:e], buf[s:e], lr, momentum, dampening, nesterov, keras,
                wd, decay, gscale, gclip)
