"""Models from their description: ``clone_model``, ``to_json`` / ``model_from_json``,
``Sequential.from_config`` / ``Model.from_config``.

All of them rebuild the layers from ``get_config()`` (as ``load_model`` does), so a
clone has the same architecture and layer names but freshly initialised weights, as in
Keras; copy the weights with ``clone.set_weights(model.get_weights())``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ...errors import MinidlError
from ..layers.base import Layer
from ..layers.core import InputLayer
from .saving import _known_layers, assemble, make_layer, model_from_config


def _described(model: Any) -> str:
    """The class name a model is described under: Sequential, Functional or its own class."""
    from .functional import Functional
    from .sequential import Sequential

    if isinstance(model, Sequential):
        return "Sequential"
    return "Functional" if isinstance(model, Functional) else type(model).__name__


def model_to_json(model: Any, **kwargs: Any) -> str:
    """``model.to_json()``: the architecture (no weights) as a JSON string.  A subclassed
    model is described by its class name and ``get_config()`` (its constructor arguments)."""
    return json.dumps({"class_name": _described(model), "config": model.get_config()}, **kwargs)


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Any:
    """A new model (fresh weights) from ``model.to_json()``'s string."""
    try:
        description = json.loads(json_string)
        class_name, config = description["class_name"], description["config"]
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(f"model_from_json expects the string of model.to_json(), got an unreadable one "
                         f"({error})") from None
    if not isinstance(class_name, str) or not isinstance(config, dict):
        raise ValueError("model_from_json expects the string of model.to_json(): a 'class_name' string and a "
                         f"'config' object, got {type(class_name).__name__} and {type(config).__name__}")
    if class_name in ("Sequential", "Functional"):
        return model_from_config(class_name, config, custom_objects)
    cls = _known_layers(custom_objects).get(class_name)  # a subclassed model: registered or passed
    if cls is None:
        raise MinidlError(f"model_from_json: unknown model class {class_name!r}; pass it in "
                          "custom_objects={'Name': Class} or register it with register_keras_serializable")
    return cls.from_config(config)


def clone_model(model: Any, input_tensors: Any = None, clone_function: Callable[[Layer], Layer] | None = None,
                **kwargs: Any) -> Any:
    """A new model with the same architecture and fresh weights (``clone_function(layer)``
    makes each new layer; by default ``type(layer).from_config(layer.get_config())``)."""
    if input_tensors is not None or kwargs:
        raise NotImplementedError("clone_model supports model and clone_function only; input_tensors=, "
                                  "call_function= and recursive= are not supported by minidl")
    from .inference import Inference

    if not isinstance(model, Inference):  # a layer or anything else: Keras refuses it too
        raise TypeError(f"clone_model expects a Keras model (Sequential, functional or subclassed), got "
                        f"{type(model).__name__}")
    if clone_function is not None and not callable(clone_function):
        raise TypeError(f"clone_model clone_function must be a function layer -> layer, got {clone_function!r}")
    class_name = _described(model)
    config = model.get_config()
    if class_name not in ("Sequential", "Functional"):  # subclassed: a new instance from its config
        if clone_function is not None:
            raise ValueError("clone_function works for Sequential and functional models only, as in Keras; "
                             f"{class_name} is a subclassed model")
        return _compiled_like(model, type(model).from_config(config))
    if class_name == "Sequential":
        sources = ([model._input_layer] if model._input_layer is not None else []) + list(model.layers)
    else:
        sources = list(model._modules.values())  # the order of config["layers"]
    if len(sources) != len(config["layers"]):
        raise MinidlError(f"clone_model: model {model.name!r} describes {len(config['layers'])} layers "
                          f"but holds {len(sources)}")
    known = _known_layers({type(layer).__name__: type(layer) for layer in sources})
    layers = []
    for layer, entry in zip(sources, config["layers"]):
        if clone_function is None or isinstance(layer, InputLayer):  # Keras keeps Inputs as they are
            layers.append(make_layer(entry, known))
            continue
        new = clone_function(layer)
        if not isinstance(new, Layer):
            raise TypeError(f"clone_function must return a Layer, got {type(new).__name__} for {layer.name!r}")
        layers.append(new)
    return _compiled_like(model, assemble(class_name, config, layers))


def _compiled_like(model: Any, clone: Any) -> Any:
    """As Keras 3: a clone of a compiled model is compiled the same way, with a new optimizer
    made from the old one's config (its state is not copied)."""
    from .. import optimizers
    from .multi_output import OutputLosses

    optimizer, loss = getattr(model, "optimizer", None), getattr(model, "loss", None)
    if optimizer is None or loss is None:
        return clone
    fresh = optimizers.get({"class_name": type(optimizer).__name__, "config": optimizer.get_config()})
    if isinstance(loss, OutputLosses):
        clone.compile(fresh, loss=dict(zip(loss.names, loss.losses)),
                      loss_weights=dict(zip(loss.names, loss.weights)), metrics=model._metric_ids)
    else:
        clone.compile(fresh, loss=loss, metrics=model._metric_ids)
    return clone


def from_config(cls: type, config: dict, custom_objects: dict | None = None) -> Any:
    """``Sequential.from_config(model.get_config())`` / ``Model.from_config(...)``."""
    if not isinstance(config, dict) or "layers" not in config:
        raise ValueError(f"{cls.__name__}.from_config expects the dict of model.get_config(), got {config!r:.80}")
    class_name = "Functional" if "nodes" in config else "Sequential"
    return model_from_config(class_name, config, custom_objects)
