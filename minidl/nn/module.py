"""``Module``: the base class of every layer and model (PyTorch style).

A module owns parameters (learned tensors), buffers (state that is saved but not
learned, such as BatchNorm's running mean) and sub-modules.  Assigning one of them
as an attribute registers it, so ``parameters()`` and ``state_dict()`` find it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..autograd import Tensor
from ..backend import to_numpy
from ..errors import InvalidNameError, ShapeError, StateDictError
from .parameter import Parameter


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns (as PyTorch): the keys it could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _check_name(module: Module, name: Any, kind: str, registry: dict | None) -> None:
    """Refuse a name ``module`` cannot register a ``kind`` under, before anything changes:
    not a string, empty, holding '.' (state-dict keys use it), or taken by another attribute
    (a method such as ``forward``, or a parameter when adding a module), as PyTorch refuses."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__} {name!r}")
    if not name or "." in name:
        raise InvalidNameError(f"{kind} name must be a non-empty string without '.', got {name!r}")
    if registry is not None and name not in registry and getattr(module, name, None) is not None:
        raise InvalidNameError(f"cannot register a {kind} as {name!r}: {type(module).__name__} already "
                               f"has an attribute of that name; choose another name")


class Module:
    """Subclasses define ``forward``; calling the module runs it."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() first")
        if name in self._buffers and value is not None and not isinstance(value, (Parameter, Module)):
            object.__setattr__(self, name, value)  # ``bn.running_mean = ...`` stays a (saved) buffer
            return
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, value: Any) -> None:
        """Keep ``value`` (an array) in the state dict without learning it."""
        _check_name(self, name, "buffer", None)
        object.__setattr__(self, name, value)
        self._buffers[name] = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- traversal -------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` under ``name`` (as ``setattr``; PyTorch's spelling for names
        made at run time, e.g. in a loop)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}, ...) expects a Module, got {type(module).__name__}")
        _check_name(self, name, "module", self._modules)
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (as ``setattr`` with a Parameter)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}, ...) expects an nn.Parameter, got "
                            f"{type(param).__name__}; wrap a tensor with nn.Parameter(t)")
        _check_name(self, name, "parameter", self._parameters)
        setattr(self, name, param)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        for path, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if id(p) not in seen:  # a shared parameter is listed once
                    seen.add(id(p))
                    yield (f"{path}.{name}" if path else name), p

    def parameters(self) -> Iterator[Parameter]:
        for _, p in self.named_parameters():
            yield p

    def named_buffers(self) -> Iterator[tuple[str, Any]]:
        for path, module in self.named_modules():
            for name in module._buffers:
                yield (f"{path}.{name}" if path else name), getattr(module, name)

    def buffers(self) -> Iterator[Any]:
        for _, value in self.named_buffers():
            yield value

    # -- modes and gradients ----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, (bool, np.bool_)):  # train("eval") would switch training ON
            raise ValueError(f"train(mode) expects True or False, got {mode!r}; use .eval() to switch training off")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(module)`` on every submodule, children first, then on ``self`` (as PyTorch;
        the usual use is custom initialisation)."""
        if not callable(fn):
            raise TypeError(f"apply expects a function of a module, got {type(fn).__name__}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient tracking of every parameter on or off (freezing a part of a model)."""
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad_ expects True or False, got {requires_grad!r}")
        for p in self.parameters():
            p.requires_grad_(bool(requires_grad))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def to(self, device: Any = None, dtype: Any = None) -> Module:
        """Move every parameter and buffer to ``device`` and/or cast the floating ones to
        ``dtype``, in place, as PyTorch: ``model.to("cuda")``, ``model.to(mdl.float64)``."""
        from ..autograd import _is_dtype
        from ..backend import as_dtype, check_device, to_device

        if device is not None and not isinstance(device, str) or isinstance(device, str) and _is_dtype(device):
            if dtype is not None:
                raise TypeError(f"to() got two dtypes, {device!r} and {dtype!r}; expected to(device, dtype)")
            device, dtype = None, device
        device = None if device is None else check_device(device)
        dtype = None if dtype is None else as_dtype(dtype)
        if dtype is not None and dtype.kind != "f":
            raise TypeError(f"Module.to(dtype) casts the parameters, so it needs a floating dtype, got {dtype}")

        def convert(array: Any) -> Any:
            if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
                array = array.astype(dtype)  # integer buffers (num_batches_tracked) keep their dtype
            return array if device is None else to_device(array, device)

        for module in self.modules():
            for p in module._parameters.values():
                if p is not None:
                    p.data = convert(p.data)
                    p.grad = None
            for name in module._buffers:
                object.__setattr__(module, name, convert(getattr(module, name)))
        return self

    def double(self) -> Module:
        """Cast the floating parameters and buffers to float64 (in place)."""
        return self.to(dtype="float64")

    def float(self) -> Module:
        """Cast the floating parameters and buffers to float32 (in place)."""
        return self.to(dtype="float32")

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    # -- state --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer as NumPy arrays, by dotted name.

        The order is PyTorch's: each module's parameters, then its buffers, then its
        children's entries (``bn.weight, bn.bias, bn.running_mean, ..., fc.weight``).
        """
        state: dict[str, np.ndarray] = {}
        seen: set[int] = set()
        for path, module in self.named_modules():
            prefix = f"{path}." if path else ""
            for name, p in module._parameters.items():
                if id(p) not in seen:  # a shared parameter is saved once, as named_parameters
                    seen.add(id(p))
                    state[prefix + name] = to_numpy(p.data).copy()
            for name in module._buffers:
                state[prefix + name] = to_numpy(getattr(module, name)).copy()
        return state

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers; names and shapes must match.

        Every entry is checked before anything is copied, so a failed load leaves the
        model untouched.  ``strict=False`` skips missing and unexpected keys (shapes are
        still checked).  Returns ``(missing_keys, unexpected_keys)`` as PyTorch does.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict expects a dict of arrays by name (from state_dict()), "
                            f"got {type(state).__name__}")
        own = dict(self.named_parameters())
        buffers = dict(self._buffer_owners())
        expected = list(own) + list(buffers)
        missing = [k for k in expected if k not in state and not _optional(k)]
        unexpected = [k for k in state if k not in own and k not in buffers]
        if strict and (missing or unexpected):
            raise StateDictError(f"state dict does not match: missing keys {missing}, unexpected keys {unexpected}")
        updates = []
        for name, value in state.items():
            if name not in own and name not in buffers:
                continue
            array = value.data if isinstance(value, Tensor) else value
            kind = array.dtype if hasattr(array, "dtype") else np.asarray(array).dtype
            if kind.kind not in "fiub":
                raise TypeError(f"state dict entry {name!r} must hold numbers, got dtype {kind}")
            if name in own:
                current = own[name].data
            else:
                current = getattr(buffers[name], name.rsplit(".", 1)[-1])
            if tuple(np.shape(array)) != tuple(current.shape):
                raise ShapeError(
                    f"state dict entry {name!r} has shape {tuple(np.shape(array))}, "
                    f"the model expects {tuple(current.shape)}"
                )
            updates.append((name, array))
        for name, array in updates:
            if name in own:
                target = own[name]
                target.data[...] = target.xp.asarray(array, dtype=target.dtype)
            else:
                module, attr = buffers[name], name.rsplit(".", 1)[-1]
                current = getattr(module, attr)
                xp = Tensor._wrap(current).xp
                object.__setattr__(module, attr, xp.asarray(array, dtype=current.dtype).copy())
        return IncompatibleKeys(missing, unexpected)

    def _buffer_owners(self) -> Iterator[tuple[str, Module]]:
        for path, module in self.named_modules():
            for name in module._buffers:
                yield (f"{path}.{name}" if path else name), module

    def extra_repr(self) -> str:
        """The arguments shown inside ``Layer(...)`` by ``repr``."""
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        return lines[0] + (")" if len(lines) == 1 else "\n" + "\n".join(lines[1:]) + "\n)")


def _optional(key: str) -> bool:
    """Buffers that older saves may lack: BatchNorm's ``num_batches_tracked`` (PyTorch
    also loads state dicts written before it existed)."""
    return key.rsplit(".", 1)[-1] == "num_batches_tracked"
