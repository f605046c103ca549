"""Tensors and reverse-mode automatic differentiation.

A :class:`Tensor` wraps an array (NumPy on ``"cpu"``, CuPy on ``"cuda"``).  Every
operation on tensors is a :class:`Function` subclass with two methods:

* ``forward(*arrays)`` computes the output array from the input arrays, and
* ``backward(grad)`` takes dL/d(output) and returns dL/d(input) for each input.

When an input requires a gradient, :meth:`Function.apply` records the function as
the output's ``creator``.  The recorded functions form a directed acyclic graph;
``loss.backward()`` visits it in reverse topological order and applies the chain
rule, ``dL/dx = sum over uses of x of (dL/dy · dy/dx)``.

Whether graphs are recorded at all is :mod:`minidl.grad_mode` (``no_grad``).

Broadcasting is undone in exactly one place, :func:`unbroadcast`, called by the
engine, so no op has to worry about it: an op returns the gradient in the
broadcast shape and the engine sums it back to the input's shape.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import backend
from .errors import DeviceMismatchError, GraphError
from .grad_mode import _grad_mode, enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401

_new_object = object.__new__
_applied = itertools.count()  # numbers the recorded functions in the order they are applied
_application_number = operator.attrgetter("number")


# ---------------------------------------------------------------- Tensor


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    Attributes: ``data`` (the backend array), ``grad`` (a Tensor or None),
    ``requires_grad``, ``creator`` (the Function that produced it, None for leaves).
    """

    __slots__ = ("data", "grad", "requires_grad", "creator", "name", "__weakref__")
    __array_ufunc__ = None  # make ``ndarray + Tensor`` call Tensor.__radd__
    __hash__ = object.__hash__  # == is elementwise, but tensors stay usable as dict keys

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 device: str | None = None, copy: bool = False) -> None:
        self.data = _to_array(data, dtype, device, copy)
        self.grad: Tensor | None = None
        self.creator: Function | None = None
        self.name: str | None = None
        self.requires_grad = False
        if requires_grad is not False:
            self.requires_grad_(requires_grad)

    @staticmethod
    def _wrap(data: Any) -> Tensor:
        """Fast constructor for arrays the engine made itself (no checks, no copy).  It runs
        for every op, hence ``object.__new__`` (skips ``__init__``) bound once at import."""
        t = _new_object(Tensor)
        t.data = data
        t.grad = t.creator = t.name = None
        t.requires_grad = False
        return t

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if not isinstance(flag, (bool, np.bool_)):  # requires_grad="no" would switch it on
            raise TypeError(f"requires_grad must be True or False, got {flag!r}")
        if flag and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}; "
                "convert first with .astype('float32')"
            )
        self.requires_grad = bool(flag)
        return self

    # -- properties -------------------------------------------------------------
    shape = property(lambda self: tuple(self.data.shape), doc="The shape as a tuple.")
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: int(self.data.size))
    dtype = property(lambda self: self.data.dtype, doc="A NumPy dtype, e.g. dtype('float32').")
    is_leaf = property(lambda self: self.creator is None)

    @property
    def device(self) -> str:
        return "cpu" if isinstance(self.data, np.ndarray) else "cuda"

    @property
    def xp(self) -> Any:
        """The array module of this tensor (numpy or cupy)."""
        return np if isinstance(self.data, np.ndarray) else backend.xp_for("cuda")

    # -- conversions --------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (a copy on the host for cuda tensors)."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.reshape(()).item()

    def detach(self) -> Tensor:
        """A tensor sharing the same data but cut from the graph."""
        return Tensor._wrap(self.data)

    def to(self, device: Any = None, dtype: Any = None) -> Tensor:
        """A copy on ``device`` ("cpu" or "cuda") and/or of ``dtype``; gradients flow back
        through the copy.  As PyTorch, ``x.to(mdl.float64)`` alone changes the dtype."""
        from .ops.shape import to_device  # ops depend on this module, not the other way

        if device is not None and not isinstance(device, str) or isinstance(device, str) and _is_dtype(device):
            if dtype is not None:
                raise TypeError(f"to() got two dtypes, {device!r} and {dtype!r}; expected to(device, dtype)")
            device, dtype = None, device
        out = self if dtype is None else self.astype(dtype)
        return out if device is None else to_device(out, backend.check_device(device))

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", precision=4, threshold=50)
        extra = f", dtype={self.dtype}" if self.dtype != backend.default_dtype() else ""
        extra += ", device='cuda'" if self.device == "cuda" else ""
        extra += ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}{extra})"

    # -- autograd -----------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires grad; add it to ``leaf.grad``.

        ``grad`` is dL/d(self); it may be omitted only when ``self`` has one element.
        """
        if not self.requires_grad:
            raise GraphError("backward() called on a tensor that does not require grad; "
                             "create the inputs with requires_grad=True")
        if grad is None:
            if self.data.size != 1:
                raise GraphError(f"backward() on a tensor of shape {self.shape} needs an explicit grad of "
                                 "the same shape (implicit grad=1 only works for one-element tensors)")
            seed = self.xp.ones_like(self.data)
        else:
            seed = grad.data if isinstance(grad, Tensor) else _to_array(grad, self.dtype, self.device, False)
            if tuple(seed.shape) != self.shape:
                raise ValueError(f"backward(grad) needs grad of shape {self.shape}, got {tuple(seed.shape)}")
        run_backward(self, seed, retain_graph)

    def zero_grad(self) -> None:
        self.grad = None

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))


def _is_dtype(name: str) -> bool:
    """Does the string name a dtype ("float64") rather than a device ("cpu")?"""
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


def _to_array(data: Any, dtype: Any, device: str | None, copy: bool) -> Any:
    """Turn user data into a backend array following the dtype policy of the design."""
    if isinstance(data, Tensor):
        data = data.data
    if device is None and hasattr(data, "__cuda_array_interface__"):
        device = "cuda"  # CuPy data stays where it is; anything else goes to the default device
    else:
        device = backend.check_device(device)
    source = backend.device_of(data)
    copy = copy and source == device  # a move between devices copies anyway
    if source == "cuda" and device == "cpu":
        data, source = backend.to_device(data, "cpu"), "cpu"
    xp = np if source == "cpu" else backend.xp_for("cuda")  # host data is checked and cast on the host
    try:
        array = xp.array(data, copy=copy) if copy else xp.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(f"cannot make a tensor from {type(data).__name__}: {error}") from None
    target = backend.policy_dtype(array)  # checks the kind (numbers) even when dtype is given
    if dtype is not None:
        target = backend.as_dtype(dtype)
        if target.kind not in "fiub":
            raise TypeError(f"tensor dtype must be a float, int or bool dtype, got {target}")
    if array.dtype != target:
        array = array.astype(target)
    if device != source:
        array = backend.to_device(array, device)  # then copied to the GPU once
    return array


# ---------------------------------------------------------------- Function


class Function:
    """One differentiable operation.  Subclasses define ``forward`` and ``backward``.

    ``apply`` makes a fresh instance per call, so an instance can keep whatever the
    backward pass needs (``self.x = x``).  ``self.needs_grad[i]`` tells whether input i
    needs a gradient, so ``backward`` can skip work (return None for that input).
    """

    inputs: tuple[Tensor, ...] | None = None
    needs_grad: tuple[bool, ...] = ()
    number = -1  # when recorded: its place in the order of application (backward goes last first)
    released = False

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        fn = cls()
        if params:
            fn.__dict__.update(params)
        if len(inputs) == 2:  # most ops (x + y, x @ w): unpacked, no lists (~0.4 µs of ~4 per op)
            a, b = inputs
            data_a, data_b = a.data, b.data
            on_cpu = isinstance(data_a, np.ndarray)
            if isinstance(data_b, np.ndarray) is not on_cpu:
                _devices_differ(cls, inputs)
            record = (a.requires_grad or b.requires_grad) and _grad_mode.enabled
            if record:
                fn.needs_grad = (a.requires_grad, b.requires_grad)
            out_data = fn.forward(data_a, data_b)
        else:  # one loop gathers arrays and flags and checks devices
            arrays, needs_grad = [], []
            on_cpu = isinstance(inputs[0].data, np.ndarray)
            for t in inputs:
                if isinstance(t.data, np.ndarray) is not on_cpu:
                    _devices_differ(cls, inputs)
                arrays.append(t.data)
                needs_grad.append(t.requires_grad)
            record = True in needs_grad and _grad_mode.enabled
            if record:
                fn.needs_grad = tuple(needs_grad)
            out_data = fn.forward(*arrays)
        if on_cpu and type(out_data) is not np.ndarray and not hasattr(out_data, "__cuda_array_interface__"):
            out_data = np.asarray(out_data)  # NumPy returns scalars for 0-d results (ToDevice returns cuda)
        out = _new_object(Tensor)  # Tensor._wrap, inlined: this runs once per op
        out.data = out_data
        out.grad = out.name = None
        if record:
            fn.inputs, fn.number = inputs, next(_applied)
            out.requires_grad, out.creator = True, fn
        else:
            out.requires_grad, out.creator = False, None
        return out

    def forward(self, *arrays: Any) -> Any:
        raise NotImplementedError

    def backward(self, grad: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def release(self) -> None:
        """Drop the inputs and saved arrays so memory can be reclaimed after backward."""
        self.__dict__.clear()
        self.released = True


def _devices_differ(cls: type, inputs: tuple[Tensor, ...]) -> None:
    raise DeviceMismatchError(f"{cls.__name__} got tensors on different devices: "
                              f"{', '.join(x.device for x in inputs)}; move them with .to(device) first")


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` back to ``shape``: the adjoint of NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of size 1, so
    the gradient of each copy has to be added up: sum over the leading axes, then over
    the axes where ``shape`` has 1 (keeping them).
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def topological_order(root: Tensor, *more_roots: Tensor) -> list[Function]:
    """The functions reachable from the roots (function results), each after their users.

    A function can only use outputs of functions applied before it, so the order of
    application, reversed, is such an order (as the "generation" of DeZero and PyTorch):
    collect the reachable functions, then sort them by their application number, last
    first.  A loop, not recursion: a chain of 100,000 ops stays within Python's limits."""
    stack = [root.creator]  # a literal has one slot: a chain's pop/push then never reallocates
    stack += [r.creator for r in more_roots if r.creator is not None] if more_roots else ()
    seen = set(stack)  # Functions hash by identity
    while stack:
        fn = stack.pop()
        if fn.released:
            raise GraphError("trying to backward through the graph a second time: its saved arrays were "
                             "freed after the first backward(); call backward(retain_graph=True) the first time")
        for t in fn.inputs:
            creator = t.creator
            if creator is not None and creator not in seen:
                seen.add(creator)
                stack.append(creator)
    return sorted(seen, key=_application_number, reverse=True)


def _accumulate_leaf(leaf: Tensor, grad: Any, handed_out: set[int]) -> None:
    """Add ``grad`` into ``leaf.grad``, a writable array of its own.  Copy only when ``grad`` is
    a view, read-only, a NumPy scalar, or already given to another input (Add shares one)."""
    if leaf.grad is not None:
        total = leaf.xp.asarray(leaf.grad.data + grad)  # 0-d + 0-d is a NumPy scalar
    elif (type(grad) is not np.ndarray and leaf.device == "cpu") or grad.base is not None \
            or not getattr(grad.flags, "writeable", True) or id(grad) in handed_out:
        total = leaf.xp.array(grad)
    else:
        total = grad
    if total.dtype != leaf.data.dtype:
        total = total.astype(leaf.data.dtype)
    handed_out.add(id(total))
    leaf.grad = Tensor._wrap(total)


def run_backward(root: Tensor, seed: Any, retain_graph: bool = False) -> None:
    """Propagate ``seed`` = dL/d(root) to every leaf of the graph (the chain rule)."""
    handed_out = {id(seed)}  # the seed may be the caller's array: never hand it out as is
    if root.creator is None:
        _accumulate_leaf(root, seed, handed_out)
        return
    pending: dict[Function, Any] = {root.creator: seed}  # dL/d(output) of each function
    for fn in topological_order(root):
        grad = pending.pop(fn, None)
        if grad is not None:
            for t, g in zip(fn.inputs, fn.backward(grad)):
                if g is None or not t.requires_grad:
                    continue
                if g.shape != t.data.shape:
                    g = unbroadcast(g, t.data.shape)
                creator = t.creator
                if creator is None:
                    _accumulate_leaf(t, g, handed_out)
                elif creator in pending:
                    pending[creator] = pending[creator] + g
                else:
                    pending[creator] = g
        if not retain_graph:
            fn.release()
