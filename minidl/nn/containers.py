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
from ..errors import InvalidIndexError
from .module import Module
from .parameter import Parameter


def _check_key(container: str, key: Any) -> str:
    if not isinstance(key, str) or not key or "." in key:
        raise KeyError(f"{container} keys must be non-empty strings without '.', got {key!r}")
    return key


class ModuleDict(Module):
    """Modules by name: ``d["relu"]``, ``d.keys()``, ``d.items()``, ``"relu" in d``."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds Modules, got {type(module).__name__} for key {key!r}")
        setattr(self, _check_key("ModuleDict", key), module)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}; it has {list(self._modules)}")
        return self._modules[key]

    def __delitem__(self, key: str) -> None:
        self[key]  # the clear KeyError
        del self._modules[key]
        object.__delattr__(self, key)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in (modules.items() if isinstance(modules, Mapping) else modules):
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
        return key in self._modules

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
        for value in values:
            self.append(value)

    def append(self, value: Any) -> ParameterList:
        setattr(self, str(len(self._parameters)), _as_parameter("ParameterList", value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
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
        for key, value in (values or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, _check_key("ParameterDict", key), _as_parameter("ParameterDict", value))

    def __getitem__(self, key: str) -> Parameter:
        if key not in self._parameters:
            raise KeyError(f"ParameterDict has no parameter {key!r}; it has {list(self._parameters)}")
        return self._parameters[key]

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)
