"""Fused optimizer updates: one pass over a parameter, its gradient and its state.

Both optimizer families (:mod:`minidl.optim`, PyTorch rules, and
:mod:`minidl.keras.optimizers`, Keras 3 rules) call the same four functions,
``sgd_update``, ``adam_update``, ``rmsprop_update`` and ``adagrad_update``.  Each
updates ``p`` and its state arrays **in place**; the gradient ``g`` is never
modified.  Where the two frameworks differ, a parameter says which rule to use.

Every update starts from the same *effective gradient* and *decayed parameter*:

    g' = clip(gscale * g, -gclip, gclip) + wd * p'        (coupled weight decay, L2)
    p' = decay * p                                       (decoupled weight decay)

``gscale``/``gclip`` implement Keras' ``clipnorm``/``global_clipnorm``/``clipvalue``
(and PyTorch's ``maximize`` as ``gscale = -1``) without a temporary array; ``wd``
is PyTorch's coupled ``weight_decay``; ``decay = 1 - lr*wd`` is AdamW's and Keras'
decoupled decay.  Neutral values: ``wd=0, decay=1, gscale=1, gclip=inf``.

Two implementations compute the same thing:

- ``*_reference``: plain NumPy written with whole-array operations (it also runs
  on CuPy arrays); the readable definition, with temporaries;
- ``_*_nb``: Numba loops that read and write each element once (no temporaries),
  vectorized by the compiler.

The public functions pick Numba for C-contiguous NumPy arrays unless
``MINIDL_KERNELS=numpy`` (``minidl.kernels.ACTIVE == "numpy"``); anything else
(CuPy arrays, strided views) takes the reference path.  State arrays that an
update does not use (e.g. the momentum buffer when ``momentum == 0``) may be
``None``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minidl import kernels as _kernels
from minidl.backend import get_array_module

INF = math.inf
Array = Any  # a NumPy or CuPy array
_USE_NUMBA = _kernels.ACTIVE == "numba"

__all__ = [
    "sgd_update", "adam_update", "rmsprop_update", "adagrad_update",
    "sgd_reference", "adam_reference", "rmsprop_reference", "adagrad_reference",
]  # fmt: skip


# ----------------------------------------------------------------------------- reference
def _effective(p: Array, g: Array, wd: float, decay: float, gscale: float, gclip: float) -> Any:
    """Apply the decoupled decay to ``p`` (in place) and return the effective gradient."""
    xp = get_array_module(p)
    if decay != 1.0:
        p *= decay
    if gscale != 1.0:
        g = g * gscale
    if gclip != INF:
        g = xp.clip(g, -gclip, gclip)
    if wd != 0.0:
        g = g + wd * p
    return g


def sgd_reference(
    p: Array, g: Array, buf: Array | None, lr: float, momentum: float, dampening: float = 0.0,
    nesterov: bool = False, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """SGD with momentum, PyTorch or Keras form.

    PyTorch (``keras=False``): ``b = momentum*b + (1 - dampening)*g``;
    ``p -= lr * (g + momentum*b if nesterov else b)``.  PyTorch starts with ``b = g``:
    the caller passes ``b = 0`` and ``dampening = 0`` on the first step, which gives
    exactly that.

    Keras (``keras=True``): ``v = momentum*v - lr*g``;
    ``p += momentum*v - lr*g if nesterov else v``.

    Without momentum both are ``p -= lr*g``.  (With a constant lr and no dampening the
    two forms give the same trajectory, ``v = -lr*b``; they differ when lr changes.)
    """
    g = _effective(p, g, wd, decay, gscale, gclip)
    if momentum == 0.0:
        p -= lr * g
    elif keras:
        buf *= momentum
        buf -= lr * g
        p += (momentum * buf - lr * g) if nesterov else buf
    else:
        buf *= momentum
        buf += (1.0 - dampening) * g
        p -= lr * ((g + momentum * buf) if nesterov else buf)


def adam_reference(
    p: Array, g: Array, m: Array, v: Array, vmax: Array | None, step_size: float, beta1: float,
    beta2: float, eps: float, bc2_sqrt: float, amsgrad: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """Adam: moving averages of g and g², then a step scaled by their ratio.

        m = m + (1 - beta1)(g - m)          v = beta2 v + (1 - beta2) g²
        v̂ = max(vmax, v) (amsgrad, stored in vmax) else v
        p = p - step_size * m / (sqrt(v̂) / bc2_sqrt + eps)

    PyTorch: ``step_size = lr / (1 - beta1^t)``, ``bc2_sqrt = sqrt(1 - beta2^t)``.
    Keras:   ``step_size = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``, ``bc2_sqrt = 1``
    (so Keras' eps is added to the *uncorrected* sqrt(v)).
    v is updated as PyTorch does: Keras's ``v + (1 - beta2)(g² - v)`` is the same number
    but cancels digits when g² is much smaller than v and beta2 is small.
    """
    xp = get_array_module(p)
    g = _effective(p, g, wd, decay, gscale, gclip)
    m += (1.0 - beta1) * (g - m)
    v *= beta2
    v += (1.0 - beta2) * (g * g)
    if amsgrad:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    p -= step_size * m / (xp.sqrt(v) / bc2_sqrt + eps)


def rmsprop_reference(
    p: Array, g: Array, sq: Array, gavg: Array | None, buf: Array | None, lr: float, rho: float,
    eps: float, momentum: float = 0.0, centered: bool = False, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """RMSprop: divide the gradient by a moving root-mean-square of past gradients.

        sq = rho*sq + (1 - rho) g²
        centered: gavg = rho*gavg + (1 - rho) g,  s = sq - gavg²   (else s = sq)

    PyTorch: ``d = sqrt(s) + eps``; ``buf = momentum*buf + g/d; p -= lr*buf`` (or
    ``p -= lr*g/d`` without momentum).
    Keras:   ``d = sqrt(s + eps)``; ``buf = momentum*buf + lr*g/d; p -= buf`` (or
    ``p -= lr*g/d``).
    """
    xp = get_array_module(p)
    g = _effective(p, g, wd, decay, gscale, gclip)
    sq *= rho
    sq += (1.0 - rho) * g * g
    s = sq
    if centered:
        gavg *= rho
        gavg += (1.0 - rho) * g
        s = sq - gavg * gavg
    d = xp.sqrt(s + eps) if keras else xp.sqrt(s) + eps
    if momentum > 0.0:
        buf *= momentum
        if keras:
            buf += lr * g / d
            p -= buf
        else:
            buf += g / d
            p -= lr * buf
    else:
        p -= lr * g / d


def adagrad_reference(
    p: Array, g: Array, acc: Array, lr: float, eps: float, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """Adagrad: ``acc += g²``; PyTorch ``p -= lr*g/(sqrt(acc) + eps)``,
    Keras ``p -= lr*g/sqrt(acc + eps)``.  (PyTorch's ``lr_decay`` is folded into lr.)"""
    xp = get_array_module(p)
    g = _effective(p, g, wd, decay, gscale, gclip)
    acc += g * g
    p -= lr * g / (xp.sqrt(acc + eps) if keras else xp.sqrt(acc) + eps)


# ----------------------------------------------------------------------------- Numba
# Written so that LLVM vectorizes the loops (8 float32 lanes with AVX2):
# - ``error_model="numpy"``: division follows IEEE (no ZeroDivisionError check, whose
#   branch would stop vectorization), as in the NumPy reference;
# - scalars are cast to the parameter's dtype first, so float32 parameters are updated
#   with float32 arithmetic (as PyTorch and Keras do), not converted to float64;
# - flags are tested outside the loops (one loop per case), so loop bodies have no
#   branches (a flag tested inside a loop stops vectorization);
# - clipping is ``min(max(.))``, which compiles to vector min/max instructions.
if _USE_NUMBA:
    from numba import njit

    _jit = njit(cache=True, error_model="numpy")
    _inline = njit(cache=True, error_model="numpy", inline="always")

    @_inline
    def _eff_nb(p, g, i, wd, decay, gscale, gclip):  # pragma: no cover (compiled)
        """(decayed p[i], effective g[i]): see the module docstring."""
        pi = p[i] * decay
        return pi, min(max(g[i] * gscale, -gclip), gclip) + wd * pi

    @_jit
    def _sgd_nb(p, g, buf, lr, momentum, dampening, nesterov, keras,
                wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
        n = p.size
        if g.size != n or (momentum != 0.0 and buf.size != n):
            raise ValueError("sgd_update: parameter, gradient and state sizes differ")
        T = p.dtype.type
        lr, m, damp = T(lr), T(momentum), T(1.0 - dampening)
        wd, decay, gscale, gclip = T(wd), T(decay), T(gscale), T(gclip)
        p, g, b = p.reshape(n), g.reshape(n), buf.reshape(buf.size)
        if momentum == 0.0:
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                p[i] = pi - lr * gi
        elif keras and not nesterov:  # v = m*v - lr*g;  p += v
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                b[i] = m * b[i] - lr * gi
                p[i] = pi + b[i]
        elif keras:  # Nesterov: p += m*v - lr*g
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                b[i] = m * b[i] - lr * gi
                p[i] = pi + (m * b[i] - lr * gi)
        elif not nesterov:  # PyTorch: b = m*b + (1 - dampening)*g;  p -= lr*b
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                b[i] = m * b[i] + damp * gi
                p[i] = pi - lr * b[i]
        else:  # Nesterov: p -= lr*(g + m*b)
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                b[i] = m * b[i] + damp * gi
                p[i] = pi - lr * (gi + m * b[i])

    @_jit
    def _adam_nb(p, g, m, v, vmax, step_size, beta1, beta2, eps, bc2_sqrt, amsgrad,
                 wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
        n = p.size
        if g.size != n or m.size != n or v.size != n or (amsgrad and vmax.size != n):
            raise ValueError("adam_update: parameter, gradient and state sizes differ")
        T = p.dtype.type
        # step·m / (sqrt(v)/c + eps) = (step·c)·m / (sqrt(v) + eps·c): one division per
        # element instead of two (~12% faster; the same number up to rounding)
        scale, eps_c = T(step_size * bc2_sqrt), T(eps * bc2_sqrt)
        c1, c2, b2 = T(1.0 - beta1), T(1.0 - beta2), T(beta2)
        plain = wd == 0.0 and decay == 1.0 and gscale == 1.0 and gclip == np.inf
        wd, decay, gscale, gclip = T(wd), T(decay), T(gscale), T(gclip)
        p, g, m, v, vm = p.reshape(n), g.reshape(n), m.reshape(n), v.reshape(n), vmax.reshape(vmax.size)
        if plain and not amsgrad:  # the usual case: g as it is (~15% faster than clipping by inf)
            for i in range(n):
                gi = g[i]
                m[i] += c1 * (gi - m[i])
                v[i] = b2 * v[i] + c2 * (gi * gi)
                p[i] -= scale * m[i] / (np.sqrt(v[i]) + eps_c)
        elif not amsgrad:
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                m[i] += c1 * (gi - m[i])
                v[i] = b2 * v[i] + c2 * (gi * gi)
                p[i] = pi - scale * m[i] / (np.sqrt(v[i]) + eps_c)
        else:  # the same, with the running maximum of v
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                m[i] += c1 * (gi - m[i])
                v[i] = b2 * v[i] + c2 * (gi * gi)
                vm[i] = max(vm[i], v[i])
                p[i] = pi - scale * m[i] / (np.sqrt(vm[i]) + eps_c)

    @_jit
    def _rmsprop_nb(p, g, sq, gavg, buf, lr, rho, eps, momentum, centered, keras,
                    wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
        n = p.size
        if (g.size != n or sq.size != n or (centered and gavg.size != n)
                or (momentum > 0.0 and buf.size != n)):  # fmt: skip
            raise ValueError("rmsprop_update: parameter, gradient and state sizes differ")
        T = p.dtype.type
        # Keras: d = sqrt(s + eps), increment lr*g/d;  PyTorch: d = sqrt(s) + eps, lr outside.
        # Written as d = sqrt(s + e_in) + e_out and p -= step * (a*g/d): adding 0 and
        # multiplying by 1 are exact, so one loop serves both.
        e_in, e_out = (T(eps), T(0.0)) if keras else (T(0.0), T(eps))
        a, step = (T(lr), T(1.0)) if keras else (T(1.0), T(lr))
        rho, c, mom = T(rho), T(1.0 - rho), T(momentum)
        wd, decay, gscale, gclip = T(wd), T(decay), T(gscale), T(gclip)
        p, g, sq, b = p.reshape(n), g.reshape(n), sq.reshape(n), buf.reshape(buf.size)
        ga = gavg.reshape(gavg.size)
        if not centered and momentum == 0.0:
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                sq[i] = rho * sq[i] + c * gi * gi
                p[i] = pi - step * (a * gi / (np.sqrt(sq[i] + e_in) + e_out))
        elif not centered:
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                sq[i] = rho * sq[i] + c * gi * gi
                b[i] = mom * b[i] + a * gi / (np.sqrt(sq[i] + e_in) + e_out)
                p[i] = pi - step * b[i]
        elif momentum == 0.0:  # centered: divide by the standard deviation sqrt(s - mean^2)
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                sq[i] = rho * sq[i] + c * gi * gi
                ga[i] = rho * ga[i] + c * gi
                p[i] = pi - step * (a * gi / (np.sqrt(sq[i] - ga[i] * ga[i] + e_in) + e_out))
        else:
            for i in range(n):
                pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
                sq[i] = rho * sq[i] + c * gi * gi
                ga[i] = rho * ga[i] + c * gi
                b[i] = mom * b[i] + a * gi / (np.sqrt(sq[i] - ga[i] * ga[i] + e_in) + e_out)
                p[i] = pi - step * b[i]

    @_jit
    def _adagrad_nb(p, g, acc, lr, eps, keras, wd, decay, gscale, gclip):  # pragma: no cover
        n = p.size
        if g.size != n or acc.size != n:
            raise ValueError("adagrad_update: parameter, gradient and state sizes differ")
        T = p.dtype.type
        lr, e_in, e_out = T(lr), T(eps if keras else 0.0), T(0.0 if keras else eps)
        wd, decay, gscale, gclip = T(wd), T(decay), T(gscale), T(gclip)
        p, g, a = p.reshape(n), g.reshape(n), acc.reshape(n)
        for i in range(n):
            pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
            ai = a[i] + gi * gi
            a[i] = ai
            p[i] = pi - lr * gi / (np.sqrt(ai + e_in) + e_out)


# ----------------------------------------------------------------------------- dispatch
_COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _fast(p: Array, g: Array) -> bool:
    """Use the compiled loop?  For C-contiguous float32/float64 NumPy arrays (else the
    reference, which handles any layout, float16, and CuPy)."""
    return (
        _USE_NUMBA
        and type(p) is np.ndarray
        and type(g) is np.ndarray
        and p.flags.c_contiguous
        and g.flags.c_contiguous
        and p.dtype in _COMPILED_DTYPES
    )


# A state array that an update does not use (None) is passed to the compiled loop as some
# other array of the same dtype: that loop never reads it, and Numba needs an array there.
def sgd_update(
    p: Array, g: Array, buf: Array | None, lr: float, momentum: float, dampening: float = 0.0,
    nesterov: bool = False, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """In-place SGD step on ``p`` (and ``buf``); see :func:`sgd_reference` for the rules."""
    if _fast(p, g):
        _par.on_cores(_sgd_nb, _par.sgd_blocks, p, g, p if buf is None else buf, lr, momentum, dampening,
                      nesterov, keras, wd, decay, gscale, gclip)  # fmt: skip
    else:
        sgd_reference(p, g, buf, lr, momentum, dampening, nesterov, keras,
                      wd, decay, gscale, gclip)  # fmt: skip


def adam_update(
    p: Array, g: Array, m: Array, v: Array, vmax: Array | None, step_size: float, beta1: float,
    beta2: float, eps: float, bc2_sqrt: float, amsgrad: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """In-place Adam step on ``p``, ``m``, ``v`` (and ``vmax``); see :func:`adam_reference`."""
    if _fast(p, g):
        _par.on_cores(_adam_nb, _par.adam_blocks, p, g, m, v, m if vmax is None else vmax, step_size, beta1,
                      beta2, eps, bc2_sqrt, amsgrad, wd, decay, gscale, gclip)  # fmt: skip
    else:
        adam_reference(p, g, m, v, vmax, step_size, beta1, beta2, eps, bc2_sqrt, amsgrad,
                       wd, decay, gscale, gclip)  # fmt: skip


def rmsprop_update(
    p: Array, g: Array, sq: Array, gavg: Array | None, buf: Array | None, lr: float, rho: float,
    eps: float, momentum: float = 0.0, centered: bool = False, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """In-place RMSprop step; see :func:`rmsprop_reference`."""
    if _fast(p, g):
        _rmsprop_nb(p, g, sq, sq if gavg is None else gavg, sq if buf is None else buf, lr, rho, eps,
                    momentum, centered, keras, wd, decay, gscale, gclip)  # fmt: skip
    else:
        rmsprop_reference(p, g, sq, gavg, buf, lr, rho, eps, momentum, centered, keras,
                          wd, decay, gscale, gclip)  # fmt: skip


def adagrad_update(
    p: Array, g: Array, acc: Array, lr: float, eps: float, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """In-place Adagrad step; see :func:`adagrad_reference`."""
    if _fast(p, g):
        _adagrad_nb(p, g, acc, lr, eps, keras, wd, decay, gscale, gclip)
    else:
        adagrad_reference(p, g, acc, lr, eps, keras, wd, decay, gscale, gclip)


if _USE_NUMBA:  # at the end: optim_parallel reuses the compiled loops defined above
    from minidl.kernels import optim_parallel as _par
