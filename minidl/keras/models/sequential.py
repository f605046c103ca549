"""``Sequential``: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from typing import Any

from ...autograd import Tensor
from ..layers.base import KerasTensor, Layer
from ..layers.conv import fused_conv_pool
from ..layers.core import InputLayer
from ..layers.masking import call_layer
from .model import Model


class Sequential(Model):
    """``Sequential([layers...])`` or ``model.add(layer)``.  The input shape comes from
    ``layers.Input(shape=...)`` first in the list, ``input_shape=`` on the first layer,
    or the first batch the model sees.  A mask (``Embedding(mask_zero=True)``, ``Masking``)
    flows from layer to layer as :mod:`minidl.keras.layers.masking` describes."""

    mask_aware = True  # its layers handle the mask: nothing to add around the whole model

    def __init__(self, layers: list | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        object.__setattr__(self, "_input_layer", None)
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"Sequential expects a list of layers, got {type(layers).__name__}; "
                            "write Sequential([layer, ...])")
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: Any) -> None:
        if isinstance(layer, KerasTensor):  # layers.Input(...) placed in the list
            layer = layer.history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a Layer, got {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self.layers or self._input_layer is not None:
                raise ValueError("an Input can only come first in a Sequential model")
            object.__setattr__(self, "_input_layer", layer)
            self._build_from(layer.batch_input_shape)
            return
        names = {existing.name for existing in self.layers}
        if layer.name in names:
            raise ValueError(f"all layers must have unique names; {layer.name!r} is already in the model")
        setattr(self, f"layer_{len(self._modules)}", layer)
        # as Keras, input_shape= counts only on the first layer of a model without an Input
        shape = layer.batch_input_shape
        if shape is None and isinstance(layer, Model) and layer.built:  # a model with an Input, as Keras
            shape = layer.input_spec_shape if isinstance(layer.input_spec_shape, tuple) else None
        if len(self.layers) == 1 and shape is not None and self._input_layer is None:
            self._build_from(shape)
        elif self.built:  # extend the known shapes through the new layer
            self._build_from(self.input_shape)

    def pop(self) -> Layer:
        if not self.layers:
            raise ValueError("pop() on an empty Sequential model")
        key = list(self._modules)[-1]
        layer = self._modules.pop(key)
        object.__delattr__(self, key)
        if self.built:  # the model's output is now the previous layer's
            object.__setattr__(self, "output_shape_", self.layers[-1].output_shape if self.layers
                               else self.input_spec_shape)
        return layer

    def _build_from(self, batch_input_shape: tuple) -> None:
        """Run shapes through the layers symbolically, building their weights (and giving each
        layer its symbolic ``input`` and ``output``, as Keras)."""
        out = self._input_tensor(tuple(batch_input_shape))
        for layer in self.layers:
            out = layer(out)
            if isinstance(out, (list, tuple)):  # as Keras: one tensor flows from layer to layer
                raise ValueError(f"all layers in a Sequential model must have a single output, but "
                                 f"{layer.name!r} ({type(layer).__name__}) returns {len(out)}; use the "
                                 "functional API (keras.Model(inputs, outputs)) for several outputs")
        object.__setattr__(self, "_output_tensor", out)
        object.__setattr__(self, "built", True)
        object.__setattr__(self, "input_spec_shape", tuple(batch_input_shape))
        object.__setattr__(self, "output_shape_", out.shape)

    def _input_tensor(self, batch_input_shape: tuple) -> KerasTensor:
        """The symbolic input: the ``Input`` given first, else one made for the shape."""
        layer = self._input_layer or self.__dict__.get("_made_input")
        if layer is None or layer.batch_input_shape != batch_input_shape:
            layer = InputLayer(shape=batch_input_shape[1:])
            object.__setattr__(self, "_made_input", layer)
        return layer.output

    @property
    def input_shape(self) -> tuple | None:
        return self.input_spec_shape

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic input, in a list (``Model(model.inputs, model.layers[i].output)``)."""
        self._require_built("inputs")
        return [self._input_tensor(self.input_spec_shape)]

    @property
    def outputs(self) -> list[KerasTensor]:
        self._require_built("outputs")
        return [self.__dict__["_output_tensor"]]

    def _require_built(self, what: str) -> None:
        if not self.built or "_output_tensor" not in self.__dict__:
            raise AttributeError(f"Sequential model {self.name!r} is not built yet, so it has no {what}: "
                                 "start it with layers.Input(shape=...) or call it on data")

    def build(self, input_shape: Any = None) -> None:
        if input_shape is not None and self.layers:
            self._build_from(tuple(input_shape))

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if self.built and self.input_spec_shape is not None:
            _check_input(self, x)
        layers = list(self._modules.values())
        i = 0
        while i < len(layers):
            # inference runs Conv2D + MaxPooling2D as one kernel call when it can
            fused = fused_conv_pool(layers[i], layers[i + 1], x) if i + 1 < len(layers) else None
            if fused is not None:
                x, i = fused, i + 2
            else:
                x, i = call_layer(layers[i], x, training), i + 1
        return x

    def _ensure_built(self, input_shape: Any) -> None:
        if not self.built and self.layers:
            self._build_from(input_shape)

    def _check_input_shape(self, x: Any) -> None:
        if not self.layers:
            raise ValueError(f"Sequential model {self.name!r} has no layers; add some with model.add(layer)")
        if self.built and self.input_spec_shape is not None:
            _check_input(self, x)

    def get_config(self) -> dict:
        layers = [_layer_config(layer) for layer in self.layers]
        if self._input_layer is not None:
            layers.insert(0, _layer_config(self._input_layer))
        elif self.built and self.input_spec_shape is not None:  # built by fit or a call: as Keras,
            return {"name": self.name, "layers": layers,  # the shape to rebuild it with on load
                    "build_input_shape": list(self.input_spec_shape)}
        return {"name": self.name, "layers": layers}


def _layer_config(layer: Layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _check_input(model: Model, x: Any) -> None:
    """Name the first layer and both shapes when the data does not fit the model."""
    expected = model.input_spec_shape
    shape = x.shape if not isinstance(x, list) else None
    if shape is None:
        return
    ok = len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected[1:], shape[1:]))
    if not ok:
        first = model.layers[0].name if model.layers else model.name
        raise ValueError(
            f"input of layer {first!r} is incompatible with the model: expected shape "
            f"{expected}, got {(None, *shape[1:])} (full input shape {shape})"
        )
