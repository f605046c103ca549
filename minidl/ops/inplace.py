"""In-place updates, PyTorch style: ``x.add_(y)``, ``x.mul_(0.9)``, ``x.zero_()``, ``x[i] = v``,
and ``x -= y`` on a tensor outside the graph.

minidl's backward rules read the arrays saved during the forward pass, and it keeps no
version counters to notice that one was overwritten afterwards.  So an in-place update
is allowed only where no graph is being recorded for the tensor: inside
``with mdl.no_grad():`` (the manual SGD step ``p -= lr * p.grad``) or on a tensor that
does not require grad (``correct += (pred == y).sum()``).  A tensor that requires grad
is refused while gradients are recorded, as PyTorch refuses it for leaves; write
``x = x + y`` there instead.  The augmented operators (``+=``, ...) on a non-leaf that
requires grad keep working as before: they make a new tensor and rebind the name.

Like PyTorch (and unlike ``x = x + y``), an in-place update changes every tensor that
shares the memory: ``from_numpy`` arrays, ``detach()`` results, views from ``reshape``.
Do not change a parameter in place between the forward pass and ``backward()``: the
gradient would use the new values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..errors import DeviceMismatchError, GraphError, InvalidIndexError, ShapeError
from ..grad_mode import is_grad_enabled
from .elementwise import add, div, mul, sub


def _check_writable(t: Tensor, name: str, other: Any = None) -> None:
    if isinstance(other, Tensor) and other.requires_grad and is_grad_enabled():
        raise GraphError(f"{name}: the operand requires grad, and an in-place update would drop its "
                         "graph; write x = x + y (a new tensor that keeps the graph) instead")
    if t.requires_grad and is_grad_enabled():
        kind = "a leaf tensor" if t.creator is None else "a tensor"
        raise GraphError(
            f"{name}: {kind} that requires grad cannot be changed in place while gradients are "
            "recorded (minidl's backward reads the saved values); update parameters inside "
            "`with mdl.no_grad():`, or write x = x + y (a new tensor) instead"
        )
    if not getattr(t.data.flags, "writeable", True):
        raise ValueError(f"{name}: this tensor's memory is read-only (e.g. a broadcast view or a "
                         "read-only NumPy array); make a copy first with x = x.clone()")


def _operand(t: Tensor, value: Any, name: str) -> Any:
    """``value`` as an array (or a Python number) on ``t``'s device."""
    if isinstance(value, Tensor):
        if value.device != t.device:
            raise DeviceMismatchError(f"{name} got tensors on {t.device} and {value.device}; "
                                      "move them with .to(device) first")
        return value.data
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return value
    try:
        array = np.asarray(value)
    except ValueError:  # a ragged nested list
        raise TypeError(f"{name} expects a number, an array or a tensor, got a nested list whose rows "
                        "have different lengths") from None
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{name} expects a number, an array or a tensor, got {type(value).__name__}")
    return array if t.device == "cpu" else t.xp.asarray(array)


def _check_fits(t: Tensor, operand: Any, name: str) -> None:
    """Refuse an operand that does not broadcast to ``t``'s shape before anything is computed."""
    shape = tuple(getattr(operand, "shape", ()))
    try:
        fits = np.broadcast_shapes(shape, t.shape) == t.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{name}: an operand of shape {shape} does not broadcast to the tensor's "
                         f"shape {t.shape} (an in-place update keeps the tensor's shape)")


def _store(t: Tensor, result: Any, name: str) -> Tensor:
    """Write ``result`` into ``t``'s own memory, keeping its shape and dtype (as PyTorch)."""
    result = t.xp.asarray(result)
    if tuple(result.shape) != t.shape and np.broadcast_shapes(tuple(result.shape), t.shape) != t.shape:
        raise ShapeError(f"{name}: the result has shape {tuple(result.shape)}, which an in-place update "
                         f"of a tensor of shape {t.shape} cannot hold")
    if result.dtype.kind == "f" and t.dtype.kind != "f" or result.dtype.kind in "iuf" and t.dtype.kind == "b":
        raise TypeError(f"{name}: a {result.dtype} result cannot be stored in place in a {t.dtype} tensor; "
                        f"convert first, e.g. x = x.float()")
    t.data[...] = result
    return t


def _binary(op_name: str, op: Any) -> Any:
    name = f"{op_name}_"

    def update(self: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
        _check_writable(self, name, other)
        other = _operand(self, other, name)
        _check_fits(self, other, name)
        if alpha is not None:
            if op_name not in ("add", "sub"):
                raise TypeError(f"{name} takes no alpha")
            if not isinstance(alpha, (bool, int, float, np.number)):
                raise TypeError(f"{name} expects alpha to be a number, got {type(alpha).__name__}")
            other = other * alpha
        with np.errstate(divide="ignore", invalid="ignore"):  # inf and nan as in x / 0
            result = op(self.data, other)
        return _store(self, result, name)

    update.__name__ = name
    update.__doc__ = f"``x.{name}(y)``: x ← x {op_name} y in place (``alpha=`` scales y in add_/sub_)."
    return update


add_ = _binary("add", np.add)
sub_ = _binary("sub", np.subtract)
mul_ = _binary("mul", np.multiply)
div_ = _binary("div", np.true_divide)


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0 in place (``p.grad.zero_()``)."""
    _check_writable(self, "zero_")
    self.data[...] = 0
    return self


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` (a number or a one-element tensor) in place."""
    _check_writable(self, "fill_")
    value = value.item() if isinstance(value, Tensor) else value
    if not isinstance(value, (bool, int, float, np.number, np.bool_)):
        raise TypeError(f"fill_ expects a number, got {type(value).__name__}")
    return _store(self, np.asarray(value), "fill_")


def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor in place."""
    _check_writable(self, "copy_", src)
    src = _operand(self, src, "copy_")
    array = self.xp.asarray(src)
    try:
        np.broadcast_shapes(tuple(array.shape), self.shape)
    except ValueError:
        raise ShapeError(f"copy_: the source of shape {tuple(array.shape)} does not broadcast to "
                         f"{self.shape}") from None
    self.data[...] = array
    return self


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clip every element to [min, max] in place."""
    _check_writable(self, "clamp_")
    if min is None and max is None:
        raise ValueError("clamp_ needs min or max")
    lo = None if min is None else _operand(self, min, "clamp_")
    hi = None if max is None else _operand(self, max, "clamp_")
    for bound in (lo, hi):
        _check_fits(self, bound, "clamp_")
    return _store(self, self.xp.clip(self.data, lo, hi), "clamp_")


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value`` in place (no gradient flows through it: see the module docstring)."""
    _check_writable(self, "item assignment (x[...] = value)", value)
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    value = _operand(self, value, "item assignment")
    value_kind = "f" if isinstance(value, float) else getattr(value, "dtype", np.dtype("i")).kind
    if value_kind == "f" and self.dtype.kind in "iub":
        raise TypeError(f"cannot assign floating values into a {self.dtype} tensor; convert it first")
    try:
        self.data[index] = value
    except IndexError as error:  # out of range, or an index of a kind NumPy does not take
        raise InvalidIndexError(f"cannot assign into x[{index!r}] of a tensor of shape {self.shape}: "
                                f"{error}") from None
    except ValueError as error:
        raise ShapeError(f"cannot assign into x[{index!r}] of a tensor of shape {self.shape}: {error}") from None


def _augmented(op: Any, update: Any) -> Any:
    """``x op= y``: in place where allowed (no graph for x), otherwise a new tensor ``x op y``."""

    def augmented(self: Tensor, other: Any) -> Tensor:
        if is_grad_enabled() and isinstance(other, Tensor) and other.requires_grad and not self.requires_grad:
            return op(self, other)  # ``total += loss``: the sum must stay in the graph
        if self.requires_grad and is_grad_enabled():
            if self.creator is None:
                _check_writable(self, f"{update.__name__[:-1]}= on a parameter")  # raises, as PyTorch
            return op(self, other)  # a result inside the graph: rebinding is what the user means
        return update(self, other)

    return augmented


IN_PLACE_METHODS = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "zero_": zero_, "fill_": fill_,
    "copy_": copy_, "clamp_": clamp_, "__setitem__": setitem,
    "__iadd__": _augmented(add, add_), "__isub__": _augmented(sub, sub_),
    "__imul__": _augmented(mul, mul_), "__itruediv__": _augmented(div, div_),
}
