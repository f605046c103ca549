"""Keras's ``Bidirectional`` wrapper: one recurrent layer reads the sequence forwards, a copy
reads it backwards, and their outputs are merged.

    y  = forward_layer(x)                      x₁ … x_T
    y' = backward_layer(x)                     x_T … x₁  (go_backwards=True)
    output = merge(y, y')                      "concat" [y, y'], "sum" y + y', "mul" y ⊙ y',
                                               "ave" (y + y') / 2, None [y, y']

With ``return_sequences=True`` the backward sequence is flipped back first, so step t of
the output combines what both directions computed at input position t (as Keras).  Both
layers are fresh copies made from the wrapped layer's config (as Keras: the layer passed
in is a template, its weights are not shared): ``forward_<name>`` and ``backward_<name>``.
The weights are listed forward layer first, then backward layer, as in Keras.

A mask (from ``Embedding(mask_zero=True)``, ``Masking`` or ``mask=``) goes to both layers.
As Keras, both then give zeros on masked steps when returning sequences
(``zero_output_for_mask``); the backward layer meets right padding first, keeps its zero
state there and reads the real steps from the last to the first.  The output carries the
mask with ``return_sequences=True``.
"""

from __future__ import annotations

from typing import Any

from ...autograd import Tensor
from ...ops import concatenate
from .base import Layer
from .masking import as_mask, set_mask
from .recurrent import _RNN

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _strip(prefix: str, name: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


def _copy_layer(layer: _RNN, **changes: Any) -> _RNN:
    """A new layer of the same class and config (fresh weights), with ``changes`` applied."""
    config = layer.get_config()
    config.pop("input_shape", None)  # the wrapper owns the input shape
    config.update(changes)
    return type(layer).from_config(config)


def _layer_from_config(entry: Any) -> Layer:
    """A layer from ``{"class_name": ..., "config": ...}``, only among minidl's known layers."""
    from ..models.saving import _known_layers  # imported here: saving imports this package

    if not isinstance(entry, dict) or "class_name" not in entry or "config" not in entry:
        raise ValueError(f"Bidirectional expected a layer description {{'class_name', 'config'}}, got {entry!r}")
    cls = _known_layers(None).get(entry["class_name"])
    if cls is None:
        raise ValueError(f"Bidirectional cannot wrap the unknown layer class {entry['class_name']!r}")
    return cls.from_config(dict(entry["config"]))


def _check_recurrent(what: str, layer: Any) -> None:
    if not isinstance(layer, _RNN):
        raise ValueError(f"Bidirectional {what} must be a recurrent layer instance (SimpleRNN, LSTM or GRU), "
                         f"got {type(layer).__name__}: {layer!r}")


class Bidirectional(Layer):
    """Bidirectional wrapper for SimpleRNN, LSTM and GRU (see the module docstring).

    ``return_state=True`` on the wrapped layer gives [output, *forward states, *backward
    states] (with merge_mode=None: [y, y', *forward states, *backward states]).
    ``initial_state`` is a list: the forward layer's states, then the backward layer's.
    """

    def __init__(self, layer: Any, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Any = None, **kwargs: Any) -> None:
        _check_recurrent("layer", layer)
        if backward_layer is not None:
            _check_recurrent("backward_layer", backward_layer)
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional merge_mode must be one of 'concat', 'sum', 'mul', 'ave' or None, "
                             f"got {merge_mode!r}")
        if weights is not None:
            raise ValueError("Bidirectional(weights=...) is not supported by minidl; build the layer and call "
                             "set_weights(forward weights + backward weights) instead")
        if kwargs.get("input_shape") is None and layer.batch_input_shape is not None:
            kwargs["input_shape"] = layer.batch_input_shape[1:]  # LSTM(..., input_shape=) inside the wrapper
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, name=f"forward_{_strip('forward_', layer.name)}")
        if backward_layer is None:
            backward_layer = _copy_layer(layer, name=f"backward_{_strip('backward_', layer.name)}",
                                         go_backwards=True)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Bidirectional: the forward and backward layers must have different go_backwards "
                             f"values, got {self.forward_layer.go_backwards} for both")
        for attribute in ("return_sequences", "return_state"):
            ours, theirs = getattr(self.forward_layer, attribute), getattr(self.backward_layer, attribute)
            if ours != theirs:
                raise ValueError(f"Bidirectional: the forward and backward layers must have the same "
                                 f"{attribute}, got {ours} (forward) and {theirs} (backward)")
        self.merge_mode = merge_mode
        for direction in (self.forward_layer, self.backward_layer):  # as Keras: zeros on masked steps
            direction.zero_output_for_mask = direction.return_sequences

    supports_masking = True
    mask_aware = True  # passes the mask to both layers and sets the output's (masking.call_layer)

    @property
    def return_sequences(self) -> bool:
        return self.forward_layer.return_sequences

    @property
    def return_state(self) -> bool:
        return self.forward_layer.return_state

    def build(self, input_shape: tuple) -> None:
        self.forward_layer._ensure_built(input_shape)
        self.backward_layer._ensure_built(input_shape)

    def call(self, x: Tensor, training: bool | None = None, initial_state: Any = None,
             mask: Any = None) -> Any:
        mask = as_mask(mask, x, f"Bidirectional layer {self.name!r}")
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            half = len(self.forward_layer.state_names)
            if len(states) != 2 * half:
                raise ValueError(f"Bidirectional layer {self.name!r} expects {2 * half} initial states (the "
                                 f"forward layer's, then the backward layer's), got {len(states)}")
            forward_state, backward_state = states[:half], states[half:]
        y = self.forward_layer(x, training=training, initial_state=forward_state, mask=mask)
        y_reverse = self.backward_layer(x, training=training, initial_state=backward_state, mask=mask)
        states = []
        if self.return_state:
            states = [*y[1:], *y_reverse[1:]]
            y, y_reverse = y[0], y_reverse[0]
        if self.return_sequences:
            y_reverse = y_reverse[:, ::-1]  # back to input order: step t pairs with step t
        output = self._merge(y, y_reverse)
        if mask is not None and self.return_sequences:
            for tensor in output if isinstance(output, list) else [output]:
                set_mask(tensor, mask)
        if not self.return_state:
            return output
        return [*output, *states] if self.merge_mode is None else [output, *states]

    def _merge(self, y: Tensor, y_reverse: Tensor) -> Any:
        if self.merge_mode == "concat":
            return concatenate([y, y_reverse], axis=-1)
        if self.merge_mode == "sum":
            return y + y_reverse
        if self.merge_mode == "mul":
            return y * y_reverse
        if self.merge_mode == "ave":
            return (y + y_reverse) / 2
        return [y, y_reverse]

    def get_config(self) -> dict:
        def describe(layer: Layer) -> dict:
            return {"class_name": type(layer).__name__, "config": layer.get_config()}

        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": describe(self.forward_layer), "backward_layer": describe(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict) -> Bidirectional:
        config = dict(config)
        config["layer"] = _layer_from_config(config.get("layer"))
        if config.get("backward_layer") is not None:
            config["backward_layer"] = _layer_from_config(config["backward_layer"])
        return cls(**config)
