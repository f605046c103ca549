"""``keras.backend``: the few global settings Keras 3 keeps there.

minidl has one backend (NumPy on CPU, CuPy on GPU), channels-last images and Keras's fuzz
factor 1e-7 built into its losses and metrics; these functions report those settings.
``set_floatx("float64")`` switches minidl's default dtype (``minidl.set_default_dtype``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend as _backend
from .layers.base import KerasTensor, clear_session

_EPSILON = 1e-7


def backend() -> str:
    """The name of the engine underneath (Keras answers "jax", "tensorflow" or "torch")."""
    return "minidl"


def epsilon() -> float:
    """The fuzz factor of losses and metrics (1e-7, as Keras)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"set_epsilon expects a number (the fuzz factor, 1e-7), got {type(value).__name__}")
    if value != _EPSILON:
        raise NotImplementedError(f"minidl's losses and metrics use Keras's default epsilon 1e-7; set_epsilon"
                                  f"({value!r}) is not supported (pass epsilon= to the optimizer or layer instead)")


def floatx() -> str:
    """The default float type of new weights and inputs ("float32" unless changed)."""
    return _backend.default_dtype().name


def set_floatx(value: str) -> None:
    """``"float32"`` or ``"float64"``: minidl's default dtype from now on."""
    if str(value) not in ("float32", "float64"):
        raise ValueError(f"set_floatx expects 'float32' or 'float64', got {value!r} (minidl has no float16 path)")
    _backend.set_default_dtype(np.dtype(str(value)))


def image_data_format() -> str:
    """Always "channels_last": minidl's images are NHWC, as Keras's default."""
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError(f"minidl supports data_format='channels_last' (NHWC) only, got {data_format!r}; "
                         "transpose the images to (batch, height, width, channels)")


def is_keras_tensor(x: Any) -> bool:
    """True for the symbolic tensors of the functional API (``keras.Input`` and layer calls on it)."""
    return isinstance(x, KerasTensor)


def get_value(x: Any) -> Any:
    """tf.keras 2's ``K.get_value``: a number or array as NumPy (``optimizer.learning_rate`` too)."""
    if hasattr(x, "numpy"):
        return x.numpy()
    try:
        value = np.asarray(x)
    except ValueError:  # NumPy's "inhomogeneous shape"
        raise TypeError("get_value got a nested list whose rows have different lengths") from None
    if value.dtype.kind not in "biuf":
        raise TypeError(f"get_value expects a tensor, a variable, an array or a number, got {type(x).__name__}")
    return value


def set_value(x: Any, value: Any) -> None:
    """tf.keras 2's ``K.set_value(model.optimizer.learning_rate, 1e-3)``."""
    if not hasattr(x, "assign"):
        raise TypeError(f"set_value works on optimizer.learning_rate (or another value with .assign), got "
                        f"{type(x).__name__}; for an optimizer write optimizer.learning_rate = value")
    x.assign(value)


__all__ = ["backend", "clear_session", "epsilon", "set_epsilon", "floatx", "set_floatx", "image_data_format",
           "set_image_data_format", "is_keras_tensor", "get_value", "set_value"]
