"""Containers that register what they hold, as PyTorch's: ``ModuleDict`` (modules by name),
``ParameterList`` and ``ParameterDict``.  A plain Python list or dict of layers is not
seen by ``parameters()``, so the optimizer would never update them; these are.

(``Sequential`` and ``ModuleList`` live in :mod:`minidl.nn.layers`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..errors import InvalidIndexError, InvalidNameError
from .module import Module
from .parameter import Parameter


def _check_key(container: Module, key: Any) -> str:
    """A key the container can hold: a non-empty string without '.' that does not hide one
    of its methods (``d["keys"] = ...`` would)."""
    kind = type(container).__name__
    if not isinstance(key, str):
        raise TypeError(f"{kind} keys must be strings, got {type(key).__name__} {key!r}")
    if not key or "." in key:
        raise InvalidNameError(f"{kind} keys must be non-empty strings without '.', got {key!r}")
    if key not in container._modules and key not in container._parameters and hasattr(type(container), key):
        raise InvalidNameError(f"{kind} cannot hold a key named {key!r}: it is the name of one of its "
                               "methods; choose another key")
    return key


def _pairs(container: Module, entries: Any) -> list[tuple[Any, Any]]:
    """A dict's items, or an iterable of (key, value) pairs, as a list."""
    kind = type(container).__name__
    if isinstance(entries, Mapping):
        return list(entries.items())
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
        raise TypeError(f"{kind} expects a dict or (key, value) pairs, got {type(entries).__name__}")
    pairs = list(entries)
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{kind} expects (key, value) pairs, got {pair!r}")
    return [tuple(pair) for pair in pairs]


def _values(container: Module, values: Any) -> list[Any]:
    """A list, tuple or other iterable of values (not a single tensor or a string), as a list."""
    if isinstance(values, (str, bytes, Tensor, np.ndarray)) or not isinstance(values, Iterable):
        raise TypeError(f"{type(container).__name__} expects a list of parameters, got {type(values).__name__}")
    return list(values)


def _lookup(container: Module, registry: dict, key: Any, what: str) -> Any:
    kind = type(container).__name__
    if not isinstance(key, str):
        raise TypeError(f"{kind} keys are strings, got {type(key).__name__} {key!r}")
    if key not in registry:
        raise KeyError(f"{kind} has no {what} {key!r}; it has {list(registry)}")
    return registry[key]


class ModuleDict(Module):
    """Modules by name: ``d["relu"]``, ``d.keys()``, ``d.items()``, ``"relu" in d``."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds Modules, got {type(module).__name__} for key {key!r}")
        setattr(self, _check_key(self, key), module)

    def __getitem__(self, key: str) -> Module:
        return _lookup(self, self._modules, key, "module")

    def __delitem__(self, key: str) -> None:
        self[key]  # the clear KeyError
        del self._modules[key]
        object.__delattr__(self, key)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) the modules of a dict or of (key, module) pairs; every entry is
        checked first, so a refused update adds none of them."""
        pairs = _pairs(self, modules)
        for key, module in pairs:
            if not isinstance(module, Module):
                raise TypeError(f"ModuleDict holds Modules, got {type(module).__name__} for key {key!r}")
            _check_key(self, key)
        for key, module in pairs:
            self[key] = module

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)


def _as_parameter(container: str, value: Any) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if isinstance(value, (Tensor, np.ndarray)):
        return Parameter(value)  # as PyTorch: a plain tensor put in the container becomes a Parameter
    raise TypeError(f"{container} holds Parameters (or tensors, made into Parameters), got {type(value).__name__}")


class ParameterList(Module):
    """Parameters by position: ``plist[0]``, ``len(plist)``, ``for p in plist``."""

    def __init__(self, values: Iterable[Any] = ()) -> None:
        super().__init__()
        self.extend(values)

    def append(self, value: Any) -> ParameterList:
        setattr(self, str(len(self._parameters)), _as_parameter("ParameterList", value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each value; all are converted first, so a refused extend appends none."""
        params = [_as_parameter("ParameterList", value) for value in _values(self, values)]
        for param in params:
            self.append(param)
        return self

    def __getitem__(self, index: int) -> Parameter:
        params = list(self._parameters.values())
        if isinstance(index, slice):
            return ParameterList(params[index])
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"ParameterList indices must be ints or slices, got {index!r}")
        if not -len(params) <= index < len(params):
            raise InvalidIndexError(f"index {index} is out of range for a ParameterList of {len(params)}")
        return params[index]

    def __setitem__(self, index: int, value: Any) -> None:
        self[index]  # the clear error for a bad index
        setattr(self, str(int(index) % len(self)), _as_parameter("ParameterList", value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(list(self._parameters.values()))


class ParameterDict(Module):
    """Parameters by name: ``pdict["scale"]``, ``keys()``, ``items()``."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.update(values or {})

    def update(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add (or replace) parameters from a dict or (key, value) pairs; all are checked
        first, so a refused update adds none of them."""
        pairs = [(_check_key(self, key), _as_parameter("ParameterDict", value))
                 for key, value in _pairs(self, values)]
        for key, param in pairs:
            setattr(self, key, param)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, _check_key(self, key), _as_parameter("ParameterDict", value))

    def __getitem__(self, key: str) -> Parameter:
        return _lookup(self, self._parameters, key, "parameter")

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)
