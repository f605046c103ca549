"""The Keras-compatible facade: ``from minidl.keras import layers, models``.

The course notebook runs by replacing ``tensorflow`` with ``minidl`` in its imports
(``import minidl as tf`` makes ``tf.keras`` this package).  Defaults follow Keras 3.
"""

import importlib

from . import activations, initializers, layers, losses, metrics, models, regularizers, utils
from .layers import Input
from .models import Model, Sequential


def version() -> str:
    """``keras.version()``: minidl's own version (``keras.__version__`` too)."""
    from .. import __version__

    return __version__


_LAZY = {"optimizers", "callbacks", "datasets", "backend", "saving", "preprocessing", "ops", "wrappers"}


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'minidl.keras' has no attribute {name!r}")


__all__ = ["activations", "initializers", "layers", "losses", "metrics", "models", "regularizers",
           "utils", "optimizers", "callbacks", "datasets", "saving", "preprocessing", "ops", "wrappers", "Input",
           "Model", "Sequential"]
