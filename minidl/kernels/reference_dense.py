"""Plain NumPy versions of the dense-layer kernels: softmax, softmax cross-entropy, ReLU,
bias + activation and the dense product (part of :mod:`.reference`, which re-exports them).

Every function works on raw arrays with the array module of its input (``xp``), so it
runs on NumPy and on CuPy; the Numba kernels (:mod:`.numba_dense`) are tested against these.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minidl.backend import get_array_module


# ----------------------------------------------------------------------------- softmax
def softmax(x: Any) -> Any:
    """Softmax over the last axis: ``e^(x - m) / Σ e^(x - m)`` with m the row's maximum
    (subtracting it changes nothing mathematically and keeps e^ from overflowing)."""
    xp = get_array_module(x)
    e = xp.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- losses
def check_target(logits: Any, target: Any) -> bool:
    """Check target for logits (N, K): True for integer labels, False for probabilities."""
    xp = get_array_module(logits)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {tuple(logits.shape)}")
    n, k = logits.shape
    if target.ndim == 1 and target.dtype.kind in "iu":
        if target.shape[0] != n:
            raise ValueError(
                f"expected {n} integer labels for logits of shape {(n, k)}, got {target.shape[0]}"
            )
        if n:
            bad = (target < 0) | (target >= k)
            if bool(bad.any()):
                label = int(target[int(xp.argmax(bad))])
                raise ValueError(
                    f"label {label} is out of range: expected labels in [0, {k}) for K={k} classes"
                )
        return True
    if target.shape == logits.shape and target.dtype.kind == "f":
        return False
    raise ValueError(
        f"target must be integer labels of shape ({n},) or float probabilities of shape "
        f"({n}, {k}), got {target.dtype} array of shape {tuple(target.shape)}"
    )


def softmax_cross_entropy(logits: Any, target: Any, want_grad: bool) -> tuple[Any, Any]:
    """Mean cross-entropy of ``softmax(logits)`` against ``target``, and its gradient.

    With ``m = max_k z_k`` and ``lse = m + log sum_k exp(z_k - m)`` (stable for huge
    logits), ``log p_k = z_k - lse`` and the loss is ``-mean_n sum_k t_nk log p_nk``
    (``t`` one-hot for integer labels).  Gradient: ``(p * sum_k t_k - t) / N``,
    which is ``(softmax - onehot) / N`` for labels or probability rows.
    """
    xp = get_array_module(logits)
    labels = check_target(logits, target)
    n, k = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))
    if labels:
        rows = xp.arange(n)
        picked = logp[rows, target]
        loss = -(picked.astype(np.float64).sum() / max(n, 1))
    else:
        t = target.astype(logits.dtype, copy=False)
        loss = -((t * logp).astype(np.float64).sum() / max(n, 1))
    loss = xp.asarray(loss, dtype=logits.dtype)
    if not want_grad:
        return loss, None
    p = xp.exp(logp)
    if labels:
        p[rows, target] -= 1
    else:
        p = p * t.sum(axis=1, keepdims=True) - t
    return loss, p / logits.dtype.type(max(n, 1))


# ----------------------------------------------------------------------------- relu
def relu_forward(x: Any) -> Any:
    """``y = max(x, 0)``."""
    xp = get_array_module(x)
    return xp.maximum(x, x.dtype.type(0))


def relu_backward(dy: Any, y: Any) -> Any:
    """``dx = 0 where y <= 0, else dy`` (uses the output, so x need not be kept; at a NaN
    the gradient passes, as in PyTorch)."""
    xp = get_array_module(dy)
    return xp.where(y <= 0, dy.dtype.type(0), dy)


def bias_act(y: Any, b: Any, relu: bool) -> Any:
    """``y = act(y + b)`` in place on the (..., N) output of a dense layer (``b`` may be None)."""
    xp = get_array_module(y)
    if b is not None:
        y += b
    if relu:
        xp.maximum(y, y.dtype.type(0), out=y)  # NaN passes, as in relu_forward
    return y


def linear_forward(x: Any, w: Any, b: Any, relu: bool) -> Any:
    """``act(x @ w + b)``, the dense layer's output (``b`` may be None, act is ReLU or none)."""
    y = x @ w
    return bias_act(y, b, relu) if b is not None or relu else y


def relu_backward_bias(dy: Any, y: Any, need_bias: bool) -> tuple[Any, Any]:
    """``dx = 0 where y <= 0, else dy`` and, if asked, the bias gradient Σ_rows dx (in float64)."""
    dx = relu_backward(dy, y)
    db = dx.reshape(-1, dx.shape[-1]).sum(axis=0, dtype="float64").astype(dx.dtype) if need_bias else None
    return dx, db
