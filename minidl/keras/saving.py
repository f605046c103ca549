"""``keras.saving``: save and load models, and register custom layers for loading.

A custom layer is rebuilt by ``load_model`` from its class name and ``get_config()``.
Keras finds the class in three places, and so does minidl: ``custom_objects=`` passed to
``load_model``, an active ``custom_object_scope({...})``, and the global registry that
``@register_keras_serializable()`` fills.  Nothing from the file is ever executed: only
classes the program itself registered can be built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .models.saving import load_model, load_weights, save_model, save_weights

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}  # registered name ("package>Name") or class name -> class
_SCOPES: list[dict[str, Any]] = []


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """Decorator: make a custom layer (or any class with ``get_config``) loadable by name."""
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>', got {package!r}")

    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"register_keras_serializable: name must be a non-empty string or None, got {name!r}")

    def decorator(obj: Any) -> Any:
        class_name = name or getattr(obj, "__name__", None)
        if class_name is None:
            raise TypeError(f"register_keras_serializable needs a class or function, got {obj!r}")
        if isinstance(obj, type) and not callable(getattr(obj, "get_config", None)):
            raise TypeError(f"cannot register {obj.__name__}: it has no get_config() method")
        registered = f"{package}>{class_name}"
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_OBJECTS[class_name] = obj  # minidl files name layers by class name
        obj._registered_name = registered  # noqa: SLF001 (as Keras keeps it on the class)
        return obj

    return decorator


def get_custom_objects() -> dict[str, Any]:
    """The global registry (a live dict: ``get_custom_objects()["MyLayer"] = MyLayer`` works)."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj: Any) -> str:
    """``"package>Name"`` for a registered class, else its plain name."""
    return getattr(obj, "_registered_name", None) or getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None) -> Any:
    """The class registered (or in a scope, or in ``custom_objects``) under ``name``, else None."""
    if not isinstance(name, str):
        raise TypeError(f"get_registered_object expects a registered name (a string), got {name!r}")
    for table in (custom_objects or {}, *reversed(_SCOPES), _GLOBAL_CUSTOM_OBJECTS, module_objects or {}):
        if name in table:
            return table[name]
    return None


def active_custom_objects() -> dict[str, Any]:
    """Every class load_model may build besides the known layers: registry, then open scopes."""
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    for scope in _SCOPES:
        merged.update(scope)
    return merged


@contextmanager
def custom_object_scope(*scopes: dict[str, Any]) -> Iterator[None]:
    """``with custom_object_scope({"MyLayer": MyLayer}): load_model(path)``."""
    merged: dict[str, Any] = {}
    for scope in scopes:
        if not isinstance(scope, dict):
            raise TypeError(f"custom_object_scope expects dicts {{name: class}}, got {type(scope).__name__}")
        merged.update(scope)
    _SCOPES.append(merged)
    try:
        yield
    finally:
        _SCOPES.pop()


CustomObjectScope = custom_object_scope

__all__ = ["load_model", "save_model", "load_weights", "save_weights", "register_keras_serializable",
           "get_custom_objects", "get_registered_name", "get_registered_object", "custom_object_scope",
           "CustomObjectScope"]
