"""Gradients of outputs with respect to chosen tensors, returned instead of stored.

``loss.backward()`` adds dL/dx into ``x.grad`` for every leaf ``x``.  Sometimes we want the
gradients handed back instead, as ``torch.autograd.grad(outputs, inputs)`` and TensorFlow's
``GradientTape.gradient(target, sources)`` do: nothing is written into any ``.grad`` and the
graph is kept, so ``backward()`` and further calls still work.

The walk is the one of :func:`minidl.autograd.run_backward` (the same topological order and
the same ``unbroadcast``); the differences are where the gradients go (to the requested
tensors, which may be intermediate results, not only leaves) and an optional filter saying
through which functions a gradient may flow (a tape only lets it flow through the operations
it recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .autograd import Function, Tensor, topological_order, unbroadcast
from .errors import GraphError


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    allow_unused: bool = False,
) -> list[Tensor | None]:
    """d(sum of ``outputs``)/d(input) for each of ``inputs``, as ``torch.autograd.grad``.

    ``grad_outputs`` (one per output) weighs each output: the result is the vector-Jacobian
    product ``Σ_k grad_outputs[k] · ∂outputs[k]/∂input``; it may be left out (or ``None``)
    only for one-element outputs, where it is 1, as in ``backward()``.  An input that the
    outputs do not depend on raises a ``ValueError``, or gets ``None`` with
    ``allow_unused=True`` (PyTorch's rules).  No ``.grad`` is touched and the graph is kept.
    """
    outputs, inputs = _tensor_list(outputs, "outputs"), _tensor_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    # one output may take its gradient bare (a tensor, an array or a number)
    grad_outputs = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad() got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, (g, t) in enumerate(zip(grad_outputs, outputs)):
        if g is None and t.size != 1:
            raise GraphError(f"grad() outputs[{i}] has shape {t.shape}: give its grad_outputs entry of "
                             "that shape (an implicit gradient of 1 only works for one-element outputs)")
    seeds = [t.xp.ones_like(t.data) if g is None else seed_array(g, t) for g, t in zip(grad_outputs, outputs)]
    arrays = gradient_arrays(outputs, seeds, inputs)
    if not allow_unused and any(a is None for a in arrays):
        unused = [i for i, a in enumerate(arrays) if a is None]
        raise ValueError(f"inputs {unused} are not used to compute the outputs; "
                         "pass allow_unused=True to get None for them")
    return [None if a is None else Tensor._wrap(a) for a in arrays]


def _tensor_list(value: Any, kind: str) -> list[Tensor]:
    """``grad``'s ``outputs`` or ``inputs``: one tensor or a list/tuple of them."""
    group = [value] if isinstance(value, Tensor) else value
    if not isinstance(group, (list, tuple)):
        raise TypeError(f"grad() {kind} must be a Tensor or a list of Tensors, got {type(value).__name__}")
    for i, t in enumerate(group):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad() {kind}[{i}] must be a Tensor, got {type(t).__name__}")
    return list(group)


def seed_array(value: Any, output: Tensor) -> Any:
    """dL/d(output) given by the user, as an array of the output's shape, dtype and device."""
    seed = Tensor(value, dtype=output.dtype, device=output.device, copy=True).data  # ops may write into it
    if tuple(seed.shape) != output.shape:
        raise ValueError(f"an output gradient must have the output's shape {output.shape}, "
                         f"got {tuple(seed.shape)}")
    return seed


def gradient_arrays(
    outputs: Sequence[Tensor],
    seeds: Sequence[Any],
    inputs: Sequence[Tensor],
    flows_through: Callable[[Function], bool] | None = None,
) -> list[Any]:
    """The chain rule from ``outputs`` (with dL/d(output) = ``seeds``) back to ``inputs``.

    Returns one array per input (a fresh array, of the input's dtype) or ``None`` where no
    path leads from the input to an output.  ``flows_through(fn)`` may stop the gradient at
    a function (it then counts as not recorded).  The same tensor may appear in ``inputs``
    more than once, and an output may itself be an input (d(x)/d(x) = 1).
    """
    slots: dict[int, list[int]] = {}  # id(tensor) -> its places in ``inputs``
    for i, t in enumerate(inputs):
        slots.setdefault(id(t), []).append(i)
    found: list[Any] = [None] * len(inputs)

    def arrive(tensor: Tensor, g: Any) -> None:
        for i in slots.get(id(tensor), ()):
            # a copy the first time: ``g`` may also travel on through the graph
            found[i] = tensor.xp.array(g) if found[i] is None else found[i] + g

    pending: dict[Function, Any] = {}  # dL/d(output of fn), complete once fn's turn comes

    def send(tensor: Tensor, g: Any) -> None:
        creator = tensor.creator
        if creator is not None and (flows_through is None or flows_through(creator)):
            pending[creator] = pending[creator] + g if creator in pending else g

    for out, seed in zip(outputs, seeds):
        arrive(out, seed)
        send(out, seed)
    roots = [t for t in outputs if t.creator is not None]
    for fn in topological_order(*roots) if roots else ():
        g_out = pending.pop(fn, None)
        if g_out is None:
            continue
        for t, needed, g in zip(fn.inputs, fn.needs_grad, fn.backward(g_out)):
            if g is None or not needed:
                continue
            if g.shape != t.data.shape:
                g = unbroadcast(g, t.data.shape)
            arrive(t, g)
            send(t, g)
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is not None:
            g = t.xp.asarray(g)  # 0-d sums are NumPy scalars
            found[i] = g if g.dtype == t.data.dtype else g.astype(t.data.dtype)
    return found
