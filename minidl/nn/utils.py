"""Gradient clipping for the PyTorch-style training loop (``minidl.nn.utils``).

Call these between ``loss.backward()`` and ``optimizer.step()``::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()

Both change the gradients in place, as PyTorch does.  (The Keras optimizers clip
inside the update instead: ``clipnorm=``, ``clipvalue=``, ``global_clipnorm=``.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..backend import get_array_module
from ..errors import NotFiniteError

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The parameters that have a gradient (a single tensor counts as a list of one)."""
    try:
        params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    except TypeError:
        raise TypeError(f"expected parameters (a Tensor or an iterable of them, e.g. model.parameters()), "
                        f"got {type(parameters).__name__}") from None
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"expected parameters to hold Tensors/Parameters, got {type(p).__name__}")
    return [p for p in params if p.grad is not None]


def _as_float(value: Any, owner: str, name: str) -> float:
    """``float(value)`` for numbers (and strings such as ``"inf"``, as PyTorch); clear error otherwise."""
    try:
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}") from None


def _vector_norm(xp: Any, a: Any, p: float) -> Any:
    """``(sum |a|^p)^(1/p)`` over all elements; ``p = inf`` is ``max |a|``."""
    if a.size == 0:
        return xp.zeros((), dtype=a.dtype)
    if p == math.inf:
        return xp.abs(a).max()
    if p == 2.0:
        flat = a.reshape(-1)
        return xp.sqrt(xp.dot(flat, flat))
    if p == 1.0:
        return xp.abs(a).sum()
    return (xp.abs(a) ** p).sum() ** (1.0 / p)


def _scale_in_place(params: list[Tensor], apply: Any) -> None:
    """Run ``apply(array) -> array`` once per distinct gradient array, in place when allowed.

    Autograd may hand the *same* array to two parameters (``a + b``), or a read-only
    broadcast view (``p.sum()``): scaling twice or writing into a view would be wrong.
    """
    done: dict[int, Any] = {}
    for p in params:
        g = p.grad.data
        key = id(g)
        if key not in done:
            writable = getattr(getattr(g, "flags", None), "writeable", True)
            done[key] = apply(g, writable)
        p.grad.data = done[key]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:  # fmt: skip
    r"""Rescale all gradients together so that their joint norm is at most ``max_norm``.

    The joint norm treats all gradients as one long vector,
    ``total = ||(||g_1||, ..., ||g_k||)||_p``; then every gradient is multiplied by
    ``min(1, max_norm / (total + 1e-6))``.  The direction of the update is kept, only
    its length is capped.  Returns ``total`` (before clipping) as a 0-d tensor.
    """
    max_norm = _as_float(max_norm, "clip_grad_norm_", "max_norm")
    norm_type = _as_float(norm_type, "clip_grad_norm_", "norm_type")
    if max_norm < 0 or max_norm != max_norm:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if not norm_type > 0:  # the p-norm needs p > 0 (p = inf is the largest |g|)
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    params = _grads(parameters)
    if not params:
        return Tensor(0.0)
    xp = get_array_module(params[0].grad.data)
    norms = xp.stack([_vector_norm(xp, p.grad.data, norm_type) for p in params])
    total = _vector_norm(xp, norms, norm_type)
    total_f = float(total)
    if error_if_nonfinite and not math.isfinite(total_f):
        raise NotFiniteError(
            f"clip_grad_norm_: the total norm of the gradients is {total_f}; pass "
            "error_if_nonfinite=False to clip anyway"
        )
    coef = min(max_norm / (total_f + 1e-6), 1.0)

    def scale(g: Any, writable: bool) -> Any:
        c = np.asarray(coef, dtype=g.dtype)[()]  # keep float32 gradients float32
        if writable:
            g *= c
            return g
        return g * c

    _scale_in_place(params, scale)
    return Tensor._wrap(xp.asarray(total))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient element into ``[-clip_value, clip_value]`` (in place)."""
    clip_value = _as_float(clip_value, "clip_grad_value_", "clip_value")
    if clip_value < 0 or clip_value != clip_value:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")

    def clip(g: Any, writable: bool) -> Any:
        xp = get_array_module(g)
        return xp.clip(g, -clip_value, clip_value, out=g if writable else None)

    _scale_in_place(_grads(parameters), clip)
