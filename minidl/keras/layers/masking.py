"""Keras masking: padded time steps that the layers downstream skip.

A mask is a bool tensor (batch, time): True for a real step, False for padding.  Two
layers make one: ``Embedding(mask_zero=True)`` (``ids != 0``) and ``Masking(mask_value)``
(``any(x != mask_value, axis=-1)``).  How it travels (Keras keeps it on the tensor as
``_keras_mask``; minidl's ``Tensor`` has fixed slots, so the mask sits in a side table
keyed by the tensor, and goes away with it):

- a *mask-aware* layer reads its input's mask in ``call`` (``mask=`` overrides it) and
  attaches the mask of its output there too: Embedding and Masking make one; SimpleRNN,
  LSTM, GRU and Bidirectional skip the masked steps and pass the mask on with
  ``return_sequences=True``, end it otherwise; GlobalAveragePooling1D averages the valid
  steps only and ends it.  These work the same called directly (``lstm(embedding(ids))``).
- Sequential and functional models run each layer through :func:`call_layer`, which
  carries the mask across the layers Keras marks ``supports_masking`` because they keep
  the time axis and do not mix steps (Dense, Dropout, Activation, normalization, ...): the
  output gets the input's mask.  Merge layers (Add, Concatenate on the features, ...) give
  the AND of their inputs' masks.  Any other layer ends the mask with a warning, as Keras
  (Flatten, Conv1D, ...).  A custom layer can set ``supports_masking = True``.

Models without masks pay one ``if`` per layer: the side table is empty.

Not done: Keras 3 also weights the per-step losses and metrics of a masked *sequence* output
(e.g. ``LSTM(return_sequences=True)`` then ``Dense`` for tagging) by the mask; minidl's
losses average every step, padding included.  Models whose output drops the time axis
(classification after an LSTM or GlobalAveragePooling1D) train exactly as in Keras.
"""

from __future__ import annotations

import numbers
import warnings
import weakref
from typing import Any

import numpy as np

from ...autograd import Tensor
from ...errors import ShapeError
from .base import Layer

# id(tensor) -> (weak reference to the tensor, its bool mask Tensor (batch, time))
_masks: dict[int, tuple[weakref.ref, Tensor]] = {}


def get_mask(tensor: Any) -> Tensor | None:
    """The mask attached to ``tensor`` (a bool Tensor (batch, time)), or None."""
    if not _masks or not isinstance(tensor, Tensor):
        return None
    entry = _masks.get(id(tensor))
    return entry[1] if entry is not None and entry[0]() is tensor else None


def set_mask(tensor: Tensor, mask: Any) -> Tensor:
    """Attach ``mask`` to ``tensor`` (None removes it); returns ``tensor``."""
    key = id(tensor)
    if mask is None:
        _masks.pop(key, None)
        return tensor
    _masks[key] = (weakref.ref(tensor, lambda _, key=key: _masks.pop(key, None)), mask)
    return tensor


def as_mask(mask: Any, x: Tensor, owner: str) -> Tensor | None:
    """A user's ``mask=`` (array or Tensor, (batch, time)) as a bool Tensor on ``x``'s device,
    or the mask attached to ``x`` when ``mask`` is None."""
    if mask is None:
        return get_mask(x)
    data = mask.data if isinstance(mask, Tensor) else x.xp.asarray(np.asarray(mask))
    if data.dtype.kind not in "biu":
        raise TypeError(f"{owner}: mask must hold booleans (True for the steps to use), got dtype {data.dtype}")
    if tuple(data.shape) != tuple(x.shape[:2]):
        raise ShapeError(f"{owner}: mask must have shape (batch, time) = {tuple(x.shape[:2])}, "
                         f"got {tuple(data.shape)}")
    return Tensor._wrap(data.astype(bool))


def step_weights(mask: Tensor, dtype: Any) -> Any:
    """The mask as 1.0/0.0 of ``dtype``, shape (batch, time, 1): broadcasts over the features."""
    return mask.data.astype(dtype)[:, :, None]


class Masking(Layer):
    """Mask the time steps whose features all equal ``mask_value`` (and zero them, as Keras):

        mask[n, t] = any(x[n, t, :] != mask_value)        y = x ⊙ mask[..., None]

    The zeroing is a product by a constant 0/1 array, so dy/dx is the mask itself.
    """

    supports_masking = True
    mask_aware = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        if isinstance(mask_value, (bool, np.bool_)) or not isinstance(mask_value, numbers.Real):
            raise TypeError(f"Masking mask_value must be a number (the value of the padded steps), "
                            f"got {mask_value!r}")
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Tensor:
        x = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
        self._check(x)
        return Tensor._wrap((x.data != self.mask_value).any(axis=-1))

    def _check(self, x: Tensor) -> None:
        if x.dtype.kind not in "fiu":
            raise TypeError(f"Masking layer {self.name!r} expected numeric input (batch, time, features), "
                            f"got dtype {x.dtype}")
        if x.ndim < 3:
            raise ShapeError(f"Masking layer {self.name!r} expected input (batch, time, features), "
                             f"got shape {x.shape}")

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        mask = self.compute_mask(x)
        keep = mask.data[..., None]
        return set_mask(x * keep.astype(x.dtype), mask)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}


def _passing_classes() -> tuple[type, ...]:
    """minidl's layers that Keras 3 marks ``supports_masking`` and that pass the mask unchanged."""
    from . import activation_layers, core, noise, normalization, transform

    return (core.Dense, core.Activation, noise.Dropout, noise.GaussianDropout, noise.GaussianNoise,
            normalization.BatchNormalization, normalization.LayerNormalization,
            normalization.Normalization, transform.Rescaling, activation_layers.ReLU,
            activation_layers.LeakyReLU, activation_layers.ELU, activation_layers.PReLU,
            activation_layers.Softmax)


def passes_mask(layer: Any) -> bool:
    """Whether ``layer`` hands its input's mask to its output unchanged."""
    declared = getattr(layer, "supports_masking", None)
    if declared is not None:
        return bool(declared)
    return isinstance(layer, _passing_classes())


def call_layer(layer: Layer, inputs: Any, training: bool | None, **kwargs: Any) -> Any:
    """``layer(inputs, training=training)``, carrying the inputs' mask to the output (see
    the module docstring); used by Sequential and functional models for every layer."""
    if not _masks:  # no mask anywhere (every model without masking layers): the plain call
        return layer(inputs, training=training, **kwargs)
    masks = [get_mask(t) for t in inputs] if isinstance(inputs, list) else [get_mask(inputs)]
    out = layer(inputs, training=training, **kwargs)
    if all(m is None for m in masks) or getattr(layer, "mask_aware", False):
        return out  # no mask, or the layer attached its output's mask itself
    mask = _merged(masks) if isinstance(inputs, list) else masks[0]
    outputs = out if isinstance(out, (list, tuple)) else [out]
    fits = mask is not None and all(isinstance(o, Tensor) and o.ndim >= 2 and o.shape[:2] == mask.shape
                                    for o in outputs)
    if fits and (passes_mask(layer) or (isinstance(inputs, list) and _is_merge(layer))):
        for o in outputs:
            set_mask(o, mask)
    elif not any(get_mask(o) is not None for o in outputs if isinstance(o, Tensor)):
        warnings.warn(f"Layer {layer.name!r} ({type(layer).__name__}) was passed an input with a mask, but "
                      "it does not support masking: the layers after it will not see the mask (as Keras)",
                      stacklevel=2)
    return out


def _merged(masks: list[Tensor | None]) -> Tensor | None:
    """The AND of the inputs' masks (an input without a mask counts as all valid)."""
    given = [m for m in masks if m is not None]
    if any(m.shape != given[0].shape for m in given):
        return None
    result = given[0].data
    for m in given[1:]:
        result = result & m.data
    return Tensor._wrap(result)


def _is_merge(layer: Layer) -> bool:
    """Add, Multiply, ... and Concatenate (whose output must keep the steps: checked by the caller)."""
    from .merge import _Merge

    return isinstance(layer, _Merge)
