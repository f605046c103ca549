"""Check analytic gradients against central finite differences in float64.

For an input x and a scalar function L(x) = Σ w ⊙ f(x) (w random, fixed):

    ∂L/∂xᵢ ≈ (L(x + ε eᵢ) - L(x - ε eᵢ)) / (2ε)         (error O(ε²))

and the check passes when |analytic - numeric| <= atol + rtol·|numeric| everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import Tensor, no_grad
from .errors import GradcheckError


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Return True when ``fn``'s gradients agree with finite differences; raise otherwise.

    Every Tensor input with ``requires_grad=True`` is checked; inputs are converted to
    float64 copies first, so the check does not modify the caller's tensors.
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be callable (a function of the inputs), got {type(fn).__name__}")
    for name, value, low_open in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"gradcheck: {name} must be a number, got {value!r}")
        if not (value > 0 if low_open else value >= 0):
            raise ValueError(f"gradcheck: {name} must be {'> 0' if low_open else '>= 0'}, got {value!r}")
    tensors = [
        Tensor(x.numpy().astype(np.float64), requires_grad=x.requires_grad, dtype=np.float64)
        if isinstance(x, Tensor) and x.dtype.kind == "f"
        else x
        for x in inputs
    ]
    checked = [i for i, x in enumerate(tensors) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        kinds = [type(x).__name__ if not isinstance(x, Tensor) else f"Tensor(requires_grad={x.requires_grad})"
                 for x in inputs]
        raise ValueError("gradcheck needs at least one input tensor with requires_grad=True, "
                         f"got inputs {kinds}; e.g. mdl.tensor(data, dtype='float64', requires_grad=True)")
    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    weights = np.random.default_rng(seed).standard_normal(out.shape)

    def scalar_loss() -> float:
        with no_grad():
            return float((fn(*tensors).numpy().astype(np.float64) * weights).sum())

    if not out.requires_grad:
        raise GradcheckError("gradcheck: the output does not depend on any input requiring grad")
    out.backward(weights.astype(out.dtype))
    for i in checked:
        x = tensors[i]
        analytic = np.zeros(x.shape) if x.grad is None else x.grad.numpy().astype(np.float64)
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = scalar_loss()
            flat[j] = original - eps
            minus = scalar_loss()
            flat[j] = original
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if error.size and error.max() > 0:
            worst = np.unravel_index(int(error.argmax()), x.shape)
            raise GradcheckError(
                f"gradcheck failed for input {i} (shape {x.shape}) at index {tuple(map(int, worst))}: "
                f"analytic {analytic[worst]:.8g} vs numeric {numeric[worst]:.8g} "
                f"(atol={atol}, rtol={rtol})"
            )
    return True
