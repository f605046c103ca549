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
- ``_*_nb``: Numba loops that read and write each element once (no temporaries).
  Their scalars are float64, so float32 parameters are updated with float64
  arithmetic and rounded once on store.

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
    nesterov: bool = False, first: bool = False, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """SGD with momentum, PyTorch or Keras form.

    PyTorch (``keras=False``): ``b = g`` on the first step, then
    ``b = momentum*b + (1 - dampening)*g``; ``p -= lr * (g + momentum*b if nesterov else b)``.

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
        if first:
            buf[...] = g
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

        m = m + (1 - beta1)(g - m)          v = v + (1 - beta2)(g² - v)
        v̂ = max(vmax, v) (amsgrad, stored in vmax) else v
        p = p - step_size * m / (sqrt(v̂) / bc2_sqrt + eps)

    PyTorch: ``step_size = lr / (1 - beta1^t)``, ``bc2_sqrt = sqrt(1 - beta2^t)``.
    Keras:   ``step_size = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``, ``bc2_sqrt = 1``
    (so Keras' eps is added to the *uncorrected* sqrt(v)).
    """
    xp = get_array_module(p)
    g = _effective(p, g, wd, decay, gscale, gclip)
    m += (1.0 - beta1) * (g - m)
    v += (1.0 - beta2) * (g * g - v)
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
if _USE_NUMBA:
    from numba import njit

    @njit(cache=True, inline="always")
    def _eff_nb(p, g, i, wd, decay, gscale, gclip):  # pragma: no cover (compiled)
        """(decayed p[i], effective g[i]) — see the module docstring."""
        pi = p[i] * decay
        gi = g[i] * gscale
        if gi > gclip:
            gi = gclip
        elif gi < -gclip:
            gi = -gclip
        return pi, gi + wd * pi

    @njit(cache=True)
    def _sgd_nb(p, g, buf, lr, momentum, dampening, nesterov, first, keras,
                wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
        n = p.size
        if g.size != n or (momentum != 0.0 and buf.size != n):
            raise ValueError("sgd_update: parameter, gradient and state sizes differ")
        p = p.reshape(n)
        g = g.reshape(n)
        b = buf.reshape(buf.size)
        for i in range(n):
            pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
            if momentum == 0.0:
                p[i] = pi - lr * gi
            elif keras:
                bi = momentum * b[i] - lr * gi
                b[i] = bi
                p[i] = pi + (momentum * bi - lr * gi if nesterov else bi)
            else:
                bi = gi if first else momentum * b[i] + (1.0 - dampening) * gi
                b[i] = bi
                p[i] = pi - lr * (gi + momentum * bi if nesterov else bi)

    @njit(cache=True)
    def _adam_nb(p, g, m, v, vmax, step_size, beta1, beta2, eps, bc2_sqrt, amsgrad,
                 wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
        n = p.size
        if g.size != n or m.size != n or v.size != n or (amsgrad and vmax.size != n):
            raise ValueError("adam_update: parameter, gradient and state sizes differ")
        p = p.reshape(n)
        g = g.reshape(n)
        m = m.reshape(n)
        v = v.reshape(n)
        vm = vmax.reshape(vmax.size)
        c1 = 1.0 - beta1
        c2 = 1.0 - beta2
        for i in range(n):
            pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
            mi = m[i] + c1 * (gi - m[i])
            vi = v[i] + c2 * (gi * gi - v[i])
            m[i] = mi
            v[i] = vi
            if amsgrad:
                vi = max(vm[i], v[i])  # compare the stored (rounded) values, as the reference
                vm[i] = vi
            p[i] = pi - step_size * mi / (math.sqrt(vi) / bc2_sqrt + eps)

    @njit(cache=True)
    def _rmsprop_nb(p, g, sq, gavg, buf, lr, rho, eps, momentum, centered, keras,
                    wd, decay, gscale, gclip):  # pragma: no cover (compiled)  # fmt: skip
        n = p.size
        if (g.size != n or sq.size != n or (centered and gavg.size != n)
                or (momentum > 0.0 and buf.size != n)):  # fmt: skip
            raise ValueError("rmsprop_update: parameter, gradient and state sizes differ")
        p = p.reshape(n)
        g = g.reshape(n)
        sq = sq.reshape(n)
        ga = gavg.reshape(gavg.size)
        b = buf.reshape(buf.size)
        c = 1.0 - rho
        for i in range(n):
            pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
            si = rho * sq[i] + c * gi * gi
            sq[i] = si
            if centered:
                ai = rho * ga[i] + c * gi
                ga[i] = ai
                si = sq[i] - ga[i] * ga[i]
            d = math.sqrt(si + eps) if keras else math.sqrt(si) + eps
            if momentum > 0.0:
                if keras:
                    bi = momentum * b[i] + lr * gi / d
                    b[i] = bi
                    p[i] = pi - bi
                else:
                    bi = momentum * b[i] + gi / d
                    b[i] = bi
                    p[i] = pi - lr * bi
            else:
                p[i] = pi - lr * gi / d

    @njit(cache=True)
    def _adagrad_nb(p, g, acc, lr, eps, keras, wd, decay, gscale, gclip):  # pragma: no cover
        n = p.size
        if g.size != n or acc.size != n:
            raise ValueError("adagrad_update: parameter, gradient and state sizes differ")
        p = p.reshape(n)
        g = g.reshape(n)
        a = acc.reshape(n)
        for i in range(n):
            pi, gi = _eff_nb(p, g, i, wd, decay, gscale, gclip)
            ai = a[i] + gi * gi
            a[i] = ai
            p[i] = pi - lr * gi / (math.sqrt(ai + eps) if keras else math.sqrt(ai) + eps)


# ----------------------------------------------------------------------------- dispatch
_NONE = {}  # dtype -> empty array standing for an unused state slot in the compiled call


def _fast(p: Any, g: Any) -> bool:
    """Use the compiled loop?  Only for C-contiguous NumPy arrays (else the reference)."""
    return (
        _USE_NUMBA
        and type(p) is np.ndarray
        and type(g) is np.ndarray
        and p.flags.c_contiguous
        and g.flags.c_contiguous
    )


def _slot(a: Any, like: np.ndarray) -> np.ndarray:
    if a is not None:
        return a
    empty = _NONE.get(like.dtype)
    if empty is None:
        empty = _NONE[like.dtype] = np.empty(0, like.dtype)
    return empty


def sgd_update(
    p: Array, g: Array, buf: Array | None, lr: float, momentum: float, dampening: float = 0.0,
    nesterov: bool = False, first: bool = False, keras: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """In-place SGD step on ``p`` (and ``buf``); see :func:`sgd_reference` for the rules."""
    if _fast(p, g):
        _sgd_nb(p, g, _slot(buf, p), lr, momentum, dampening, nesterov, first, keras,
                wd, decay, gscale, gclip)  # fmt: skip
    else:
        sgd_reference(p, g, buf, lr, momentum, dampening, nesterov, first, keras,
                      wd, decay, gscale, gclip)  # fmt: skip


def adam_update(
    p: Array, g: Array, m: Array, v: Array, vmax: Array | None, step_size: float, beta1: float,
    beta2: float, eps: float, bc2_sqrt: float, amsgrad: bool = False,
    wd: float = 0.0, decay: float = 1.0, gscale: float = 1.0, gclip: float = INF,
) -> None:
    """In-place Adam step on ``p``, ``m``, ``v`` (and ``vmax``); see :func:`adam_reference`."""
    if _fast(p, g):
        _adam_nb(p, g, m, v, _slot(vmax, p), step_size, beta1, beta2, eps, bc2_sqrt, amsgrad,
                 wd, decay, gscale, gclip)  # fmt: skip
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
        _rmsprop_nb(p, g, sq, _slot(gavg, p), _slot(buf, p), lr, rho, eps, momentum, centered,
                    keras, wd, decay, gscale, gclip)  # fmt: skip
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
