"""Saving and loading whole models: architecture (JSON), weights and optimizer state.

The file is a minidl archive (see :mod:`minidl.io`): arrays in an ``.npz`` zip plus a
JSON description.  Loading rebuilds layers only from the known layer classes (or
``custom_objects`` the caller passes in); nothing in the file is ever executed.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ...backend import to_numpy
from ...errors import MinidlError
from ...io import read_archive, write_archive
from .. import metrics

KIND = "keras_model"


def _known_layers(custom_objects: dict | None) -> dict[str, type]:
    from .. import layers
    from ..saving import active_custom_objects

    known = {name: getattr(layers, name) for name in layers.__all__
             if isinstance(getattr(layers, name), type)}
    from .functional import Functional
    from .sequential import Sequential

    known.update({"Sequential": Sequential, "Functional": Functional})  # a model used as a layer
    known.update(active_custom_objects())  # @register_keras_serializable and custom_object_scope
    known.update(custom_objects or {})
    return known


def _check_overwrite(filepath: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")


def save_model(model: Any, filepath: str, overwrite: bool = True) -> None:
    from .functional import Functional
    from .sequential import Sequential

    if not isinstance(model, (Sequential, Functional)):
        raise NotImplementedError(
            f"{type(model).__name__} is a subclassed model: its architecture is Python code, which "
            "minidl does not store; use model.save_weights(path) and rebuild the model in code"
        )
    if not model.built:
        raise ValueError("the model has no weights yet: build it (input_shape=, Input, or fit) before saving")
    _check_overwrite(filepath, overwrite)
    arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
    meta: dict = {"kind": KIND, "class_name": type(model).__name__, "config": model.get_config()}
    if model.optimizer is not None:
        meta["compile_config"] = model._compile_config
        metrics.warn_unsaved(model._metric_ids)
        meta["optimizer"] = {"config": model.optimizer.get_config(),
                             "class_name": type(model.optimizer).__name__}
        state = model.optimizer.state_dict() if hasattr(model.optimizer, "state_dict") else {}
        meta["optimizer"]["state"] = _split_state(state, arrays)
    write_archive(filepath, arrays, meta)


def _split_state(state: Any, arrays: dict, prefix: str = "opt") -> Any:
    """Move the arrays of an optimizer state into ``arrays``; keep the rest as JSON."""
    if isinstance(state, dict):
        return {"dict": {str(k): _split_state(v, arrays, f"{prefix}.{k}") for k, v in state.items()}}
    if isinstance(state, (list, tuple)):
        return {"list": [_split_state(v, arrays, f"{prefix}.{i}") for i, v in enumerate(state)]}
    if hasattr(state, "shape") and hasattr(state, "dtype"):
        key = f"{prefix}#{len(arrays)}"
        arrays[key] = to_numpy(state)  # a Tensor or an array (a cuda one is copied to the host)
        return {"array": key}
    if isinstance(state, np.generic):
        state = state.item()
    return {"value": state}


def _join_state(node: Any, arrays: dict) -> Any:
    if "dict" in node:
        return {k: _join_state(v, arrays) for k, v in node["dict"].items()}
    if "list" in node:
        return [_join_state(v, arrays) for v in node["list"]]
    if "array" in node:
        return arrays[node["array"]]
    return node["value"]


def make_layer(entry: dict, known: dict[str, type], where: str = "the model") -> Any:
    """A layer from its ``{"class_name", "config"}`` entry; only known or registered classes."""
    cls = known.get(entry.get("class_name"))
    if cls is None:
        raise MinidlError(f"{where} uses the unknown layer {entry.get('class_name')!r}; "
                          "pass it in custom_objects={'Name': Class} or decorate its class with "
                          "@keras.saving.register_keras_serializable()")
    return cls.from_config(dict(entry["config"]))


def assemble(class_name: str, config: dict, layers: list, where: str = "the model") -> Any:
    """A Sequential or functional model of ``layers`` (in ``config["layers"]`` order)."""
    from .functional import functional_from_config
    from .sequential import Sequential

    if class_name == "Sequential":
        model = Sequential(layers, name=config["name"])
        if not model.built and config.get("build_input_shape"):  # built by fit, not by an Input
            model.build(tuple(config["build_input_shape"]))
        return model
    if class_name == "Functional":
        return functional_from_config(config, layers)
    raise MinidlError(f"{where}: unknown model class {class_name!r} (expected Sequential or Functional)")


def model_from_config(class_name: str, config: dict, custom_objects: dict | None = None,
                      where: str = "the model") -> Any:
    """A new model (fresh weights) from ``get_config()``'s dict."""
    known = _known_layers(custom_objects)
    return assemble(class_name, config, [make_layer(entry, known, where) for entry in config["layers"]], where)


def load_model(filepath: str, custom_objects: dict | None = None, compile: bool = True) -> Any:  # noqa: A002
    """Rebuild a model saved with ``model.save``: same predictions, same optimizer state."""
    from .. import optimizers

    arrays, meta = read_archive(filepath)
    if meta.get("kind") != KIND:
        raise MinidlError(f"{filepath!r} does not hold a Keras-style model (use minidl.load for saved objects)")
    try:
        model = model_from_config(meta["class_name"], meta["config"], custom_objects, repr(str(filepath)))
        weights = [arrays[f"weight_{i}"] for i in range(sum(k.startswith("weight_") for k in arrays))]
        if not model.built and weights:
            raise MinidlError(f"{filepath!r}: the saved model has no input shape to rebuild it from")
        model.set_weights(weights)
    except (KeyError, TypeError, ValueError) as error:
        raise MinidlError(f"{filepath!r} holds a corrupted model description ({error})") from None
    if compile and meta.get("compile_config") and meta["compile_config"].get("loss"):
        opt_meta = meta["optimizer"]
        optimizer = optimizers.get({"class_name": opt_meta["class_name"], "config": opt_meta["config"]})
        model.compile(optimizer=optimizer, loss=meta["compile_config"]["loss"]["class_name"],
                      metrics=meta["compile_config"]["metrics"])
        from .. import losses

        object.__setattr__(model, "loss", losses.get(meta["compile_config"]["loss"]))
        state = _join_state(opt_meta.get("state", {"value": None}), arrays)
        if state and state.get("variables") and hasattr(optimizer, "load_state_dict"):  # trained before
            optimizer.build(model.trainable_weights)
            optimizer.load_state_dict(state)
    return model


def save_weights(model: Any, filepath: str, overwrite: bool = True) -> None:
    _check_overwrite(filepath, overwrite)
    arrays = {f"weight_{i}": w for i, w in enumerate(model.get_weights())}
    write_archive(filepath, arrays, {"kind": "keras_weights"})


def load_weights(model: Any, filepath: str) -> None:
    arrays, meta = read_archive(filepath)
    if meta.get("kind") not in ("keras_weights", KIND):
        raise MinidlError(f"{filepath!r} does not hold model weights")
    weights = [arrays[f"weight_{i}"] for i in range(sum(k.startswith("weight_") for k in arrays))]
    model.set_weights(weights)
