"""Turning untrusted request data into a batch the model accepts, or a clear 400 error."""

from __future__ import annotations

from typing import Any

import numpy as np


class InputError(ValueError):
    """The request's data cannot be fed to the model (answered with HTTP 400)."""


def example_shape(model: Any) -> tuple:
    """The shape of one example the model takes (its input shape without the batch axis)."""
    shape = getattr(model, "input_shape", None)
    if isinstance(shape, list):
        raise ValueError(f"model {model.name!r} has {len(shape)} inputs; serving supports one-input models")
    if shape is None:
        raise ValueError(f"model {model.name!r} has no known input shape; build it before serving")
    return tuple(shape[1:])


def _fits(shape: tuple, expected: tuple) -> bool:
    return len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected, shape))


def check_examples(array: np.ndarray, expected: tuple, what: str = "inputs") -> np.ndarray:
    """A float32 batch (n, *expected) from numeric data holding one example or a batch.

    Rejects (with the reason): non-numeric values, NaN or infinity, an empty batch and
    a shape that is neither ``expected`` nor ``(n, *expected)``.
    """
    if array.dtype.kind == "b" or array.dtype.kind not in "iuf":
        found = {"b": "true/false", "U": "strings", "S": "strings", "O": "null or mixed values"}
        raise InputError(f"{what} must be numbers; got {found.get(array.dtype.kind, array.dtype.name)}")
    if array.size == 0:
        raise InputError(f"{what} is empty; send at least one example of shape {list(expected)}")
    finite = np.isfinite(array)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise InputError(f"{what} contains NaN or infinity (first at index {list(index)})")
    if _fits(array.shape, expected):
        array = array[None]  # a single example
    elif not _fits(array.shape[1:], expected):
        shown = [None if n is None else n for n in expected]
        raise InputError(f"wrong shape: the model expects one example of shape {shown} or a list of "
                         f"them, shape [n, {', '.join(map(str, shown))}]; got shape {list(array.shape)}")
    return array.astype(np.float32)


def parse_payload(payload: Any, expected: tuple) -> np.ndarray:
    """The batch in a decoded JSON body ``{"inputs": [[...], ...]}``."""
    if not isinstance(payload, dict):
        raise InputError('the body must be a JSON object like {"inputs": [[...], ...]}, '
                         f"got a JSON {type(payload).__name__}")
    if "inputs" not in payload:
        raise InputError(f'missing "inputs": the body must look like {{"inputs": [[...], ...]}}; '
                         f"got keys {sorted(payload)}")
    try:
        array = np.asarray(payload["inputs"])
    except ValueError:  # NumPy refuses ragged nested lists
        raise InputError("inputs are ragged: every example must have the same shape") from None
    return check_examples(array, expected)
