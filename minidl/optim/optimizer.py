"""``Optimizer``: the base class of the PyTorch-style optimizers.

An optimizer holds

- ``param_groups``: a list of dicts, each with a ``"params"`` list and the
  hyperparameters for those parameters (``"lr"``, ``"weight_decay"``, ...).  A
  learning-rate scheduler changes ``group["lr"]`` between steps;
- ``state``: per-parameter arrays that survive between steps (momentum buffers,
  Adam's moving averages), keyed by the parameter itself.

``step()`` updates every parameter that has a gradient, **in place**
(``param.data`` keeps its identity, so views of it stay valid); the arithmetic
lives in :mod:`minidl.kernels.optim_updates`, shared with the Keras optimizers.

Typical loop::

    opt = minidl.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in batches:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import Tensor, enable_grad
from ..backend import get_array_module

__all__ = ["Optimizer", "check_range"]


def check_range(owner: str, name: str, value: Any, low: float = 0.0, high: float | None = None,
                high_open: bool = False) -> None:  # fmt: skip
    """Raise ``ValueError`` unless ``low <= value`` (and ``value <= high``, or ``< high``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    too_high = high is not None and (value >= high if high_open else value > high)
    if value < low or too_high or value != value:  # value != value catches NaN
        bound = "" if high is None else (f", < {high}" if high_open else f", <= {high}")
        raise ValueError(f"{owner}: {name} must be >= {low}{bound}, got {value!r}")


class Optimizer:
    """Base class.  Subclasses set their defaults, check a group in ``_check_group`` and
    update one group in ``_update_group``."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._loaded: set[int] = set()  # parameters whose state came from load_state_dict, unchecked
        self.param_groups: list[dict[str, Any]] = []
        name = type(self).__name__
        if isinstance(params, (Tensor, dict)):
            raise TypeError(
                f"{name} expects an iterable of parameters or of parameter groups (dicts), got a "
                f"single {type(params).__name__}; wrap it in a list"
            )
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(f"{name} expects the model's parameters, got a {type(params).__name__}; "
                            "pass model.parameters()")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"{name} expects an iterable of parameters (e.g. model.parameters()), "
                            f"got {type(params).__name__}") from None
        if not groups:
            raise ValueError(
                f"{name} got an empty parameter list; pass model.parameters() of a model that "
                "has parameters"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])

    # -- groups ------------------------------------------------------------------------
    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a dict ``{"params": [...], "lr": ..., ...}``; missing keys take the defaults."""
        name = type(self).__name__
        if not isinstance(group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got {type(group).__name__}")
        if "params" not in group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name} can only optimize Tensors/Parameters, got {type(p).__name__}")
            if p.creator is not None:
                raise ValueError(f"{name} can't optimize a non-leaf tensor (one computed from others)")
            if p.data.dtype.kind != "f":
                raise TypeError(f"{name} can only optimize floating tensors, got dtype {p.dtype}")
        if not params:
            raise ValueError(f"{name}: a parameter group has an empty 'params' list")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids) or seen.intersection(ids):
            raise ValueError(f"{name}: a parameter appears twice (in one group or in two groups)")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_range(type(self).__name__, "lr", group["lr"])

    # -- stepping ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set ``p.grad = None`` (default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:  # a fresh array: an autograd gradient may be a read-only broadcast view
                    p.grad = Tensor._wrap(get_array_module(p.data).zeros_like(p.data))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters with ``grad is None`` are
        skipped.  ``closure`` (optional) re-evaluates the loss and returns it."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def _params_with_grad(self, group: dict[str, Any], new_slots: Callable[[Tensor], dict[str, Any]]):
        """Yield ``(param, grad, slots)`` for the group's parameters that have a gradient,
        creating a parameter's state with ``new_slots(param)`` the first time it is seen."""
        state = self.state
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            if not isinstance(grad, Tensor) or grad.data.shape != p.data.shape:
                _bad_grad(p, grad)  # a gradient set by hand (PyTorch checks this when it is assigned)
            slots = state.get(p)
            if slots is None:
                slots = state[p] = new_slots(p)
            elif self._loaded:  # the first step after load_state_dict: the slots must be ours
                self._check_loaded_slots(p, slots, new_slots)
            yield p, grad, slots

    def _check_loaded_slots(self, p: Tensor, slots: dict[str, Any], new_slots: Callable) -> None:
        """A state loaded from another optimizer (Adamax's into Adam: the groups' settings fit)
        would fail later with a bare KeyError; name the mismatch instead, once per parameter."""
        if id(p) not in self._loaded:
            return
        self._loaded.discard(id(p))
        expected, found = sorted(new_slots(p)), sorted(slots)
        self.state[p] = slots  # (a new_slots that also stores its result, as Adagrad's, must not win)
        if expected != found:
            name = type(self).__name__
            raise ValueError(f"{name}.step: the loaded state of a parameter holds {found}, but {name} keeps "
                             f"{expected}; was the state dict saved from another optimizer?")

    def _zeros(self, p: Tensor, fill: float = 0.0) -> Any:
        xp = get_array_module(p.data)
        return xp.full(p.data.shape, fill, dtype=p.data.dtype)

    # -- saving ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {"0": {...}, ...}, "param_groups": [{..., "params": [0, 1]}]}``.

        Parameters are numbered in group order (as PyTorch); the dict holds copies of
        the arrays and plain numbers, so ``minidl.save(opt.state_dict(), path)`` works.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, slots in self.state.items():
            if id(p) in index:
                state[str(index[id(p)])] = {
                    k: (v.copy() if hasattr(v, "shape") else v) for k, v in slots.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (for the same parameters, same order)."""
        name = type(self).__name__
        saved_groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if saved_groups is None or "state" not in state_dict:
            raise ValueError(f"{name}.load_state_dict expects a dict with 'state' and 'param_groups'")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            unknown = sorted(set(saved) - set(group) - {"initial_lr"})
            if unknown:  # e.g. Adam's "betas" loaded into SGD: its state would not fit
                raise ValueError(
                    f"{name}.load_state_dict: group {i} of the saved state has settings {unknown} "
                    f"that {name} does not have; was it saved from another optimizer?"
                )
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {i} has {len(saved['params'])} parameters in "
                    f"the saved state, {len(group['params'])} here"
                )
            by_index.update({int(k): p for k, p in zip(saved["params"], group["params"])})
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, slots in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"{name}.load_state_dict: the saved state names parameter {key}, "
                                 f"which no saved group lists")
            new_state[p] = {k: self._restore(p, k, v) for k, v in slots.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = tuple(v) if isinstance(v, list) else v
        self.state = new_state
        self._loaded = {id(p) for p in new_state}

    def _restore(self, p: Tensor, key: str, value: Any) -> Any:
        if not hasattr(value, "shape") or value.ndim == 0:
            return value.item() if hasattr(value, "item") else value
        if tuple(value.shape) != p.shape:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: state {key!r} has shape "
                f"{tuple(value.shape)}, the parameter has shape {p.shape}"
            )
        xp = get_array_module(p.data)
        return xp.array(value, dtype=p.data.dtype, copy=True)


def _bad_grad(p: Tensor, grad: Any) -> None:
    """Raise: ``p.grad`` is not a Tensor of ``p``'s shape."""
    if not isinstance(grad, Tensor):
        raise TypeError(f"the gradient of a parameter of shape {p.shape} must be a minidl Tensor "
                        f"(or None), got {type(grad).__name__}")
    raise ValueError(f"the gradient of a parameter of shape {p.shape} has shape {grad.shape}; "
                     f"expected the parameter's shape")
