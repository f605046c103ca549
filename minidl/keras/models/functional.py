"""The functional API: ``Model(inputs, outputs)`` replays the recorded layer calls.

Calling a layer on a ``KerasTensor`` records (layer, input tensors).  Walking back
from the outputs gives the graph of calls; sorting it so that every call comes after
the calls producing its inputs gives the order in which to run it on real data.
"""

from __future__ import annotations

from typing import Any

from ...autograd import Tensor
from ..layers.base import KerasTensor, Layer
from ..layers.core import InputLayer
from ..layers.masking import call_layer
from .model import Model


class Functional(Model):
    """A model defined by symbolic inputs and outputs (possibly with branches and merges).
    Masks flow along the graph as :mod:`minidl.keras.layers.masking` describes."""

    mask_aware = True  # its layers handle the mask: nothing to add around the whole model

    def __init__(self, inputs: Any = None, outputs: Any = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        # outputs={"name": tensor}: Keras 3 flattens the dict in sorted key order, names the
        # outputs (logs, loss and target dicts) by its keys and returns dicts from predict
        output_keys = sorted(outputs) if isinstance(outputs, dict) else None
        if output_keys is not None:
            outputs = [outputs[k] for k in output_keys]
        object.__setattr__(self, "_output_keys", output_keys)
        inputs_list = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        outputs_list = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        for t in inputs_list + outputs_list:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model(inputs, outputs) expects symbolic tensors from layers.Input and "
                                f"layer calls, got {type(t).__name__}")
        for t in inputs_list:
            if not isinstance(t.history[0], InputLayer):
                raise ValueError("Model inputs must come from layers.Input(...)")
        nodes = _sorted_nodes(outputs_list)
        missing = [n for n in nodes if isinstance(n[0], InputLayer) and n[2] not in inputs_list]
        if missing:
            raise ValueError(f"output depends on input {missing[0][0].name!r}, which is not in `inputs`")
        object.__setattr__(self, "_inputs", inputs_list)
        object.__setattr__(self, "_outputs", outputs_list)
        object.__setattr__(self, "_nodes", nodes)
        object.__setattr__(self, "_single_input", not isinstance(inputs, (list, tuple)))
        object.__setattr__(self, "_single_output", not isinstance(outputs, (list, tuple)))
        for layer in _keras_layer_order(nodes, outputs_list):
            setattr(self, f"layer_{len(self._modules)}", layer)
        object.__setattr__(self, "built", True)
        object.__setattr__(self, "input_spec_shape", inputs_list[0].shape if self._single_input
                           else [t.shape for t in inputs_list])
        object.__setattr__(self, "output_shape_", outputs_list[0].shape if self._single_output
                           else [t.shape for t in outputs_list])

    @property
    def inputs(self) -> list[KerasTensor]:
        return self._inputs

    @property
    def outputs(self) -> list[KerasTensor]:
        return self._outputs

    @property
    def input_shape(self) -> Any:
        return self.input_spec_shape

    def _ensure_built(self, input_shape: Any) -> None:
        pass

    def _arrange_inputs(self, x: Any, name: str) -> Any:
        """A dict ``{input name: array}`` becomes the list of inputs in the model's order."""
        if not isinstance(x, dict):
            return x
        names = [t.name for t in self._inputs]
        unknown = sorted(set(x) - set(names))
        missing = [n for n in names if n not in x]
        if unknown or missing:
            raise ValueError(f"{name} is a dict whose keys must be the model's input names {names}; "
                             f"missing {missing}, unknown {unknown}")
        arrays = [x[n] for n in names]
        return arrays[0] if self._single_input else arrays

    def _check_input_shape(self, x: Any) -> None:
        given = x if isinstance(x, list) else [x]
        if len(given) != len(self._inputs):
            raise ValueError(f"model {self.name!r} expects {len(self._inputs)} inputs, got {len(given)}")
        for t, array in zip(self._inputs, given):
            _check_shape(self, t, array)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        given = inputs if isinstance(inputs, list) else [inputs]
        if len(given) != len(self._inputs):
            raise ValueError(f"model {self.name!r} expects {len(self._inputs)} inputs, got {len(given)}")
        values: dict[int, Tensor] = {}
        for t, x in zip(self._inputs, given):
            _check_shape(self, t, x)
            values[id(t)] = x
        calls: dict[tuple, Any] = {}  # a layer with several outputs runs once per call
        for layer, sources, out, index in self._nodes:
            if isinstance(layer, InputLayer):
                continue
            key = (id(layer), *(id(s) for s in sources))
            if key not in calls:
                args = [values[id(s)] for s in sources]
                calls[key] = call_layer(layer, args if len(args) > 1 or _takes_list(layer) else args[0], training)
            values[id(out)] = calls[key] if index is None else calls[key][index]
        results = [values[id(t)] for t in self._outputs]
        return results[0] if self._single_output else results

    def __call__(self, inputs: Any, training: bool | None = None, **kwargs: Any) -> Any:
        out = super().__call__(inputs, training=training, **kwargs)
        if self._output_keys is None or not isinstance(out, list) or isinstance(out[0], KerasTensor):
            return out
        return dict(zip(self._output_keys, out))  # as Keras: a dict-output model returns a dict

    def get_config(self) -> dict:
        layers = list(self._modules.values())
        index = {id(layer): i for i, layer in enumerate(layers)}
        tensor_ids: dict[int, int] = {}
        nodes = []
        for layer, sources, out, output_index in self._nodes:
            tensor_ids[id(out)] = len(tensor_ids)
            nodes.append([index[id(layer)], [tensor_ids[id(s)] for s in sources], tensor_ids[id(out)],
                          output_index])
        return {
            "name": self.name,
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()} for layer in layers],
            "nodes": nodes,
            "inputs": [tensor_ids[id(t)] for t in self._inputs],
            "outputs": [tensor_ids[id(t)] for t in self._outputs],
            "single_input": self._single_input, "single_output": self._single_output,
            "output_keys": self._output_keys,
        }


def _sorted_nodes(outputs: list[KerasTensor]) -> list[tuple[Layer, list[KerasTensor], KerasTensor]]:
    """(layer, inputs, output, output index) of each call, each after the calls producing its inputs
    (iterative depth-first search from the outputs)."""
    order: list = []
    done: set[int] = set()
    stack: list[tuple[KerasTensor, bool]] = [(t, False) for t in reversed(outputs)]
    while stack:
        tensor, expanded = stack.pop()
        if id(tensor) in done:
            continue
        layer, sources, index = tensor.history
        if expanded:
            done.add(id(tensor))
            order.append((layer, list(sources), tensor, index))
            continue
        stack.append((tensor, True))
        stack.extend((s, False) for s in sources if id(s) not in done)
    return order


def _keras_layer_order(nodes: list, outputs: list[KerasTensor]) -> list[Layer]:
    """The layers in Keras's order, which is also the order of ``get_weights()``.

    Keras sorts the layers by decreasing depth (the longest path from a layer to an
    output: the inputs first, the output layers last); layers at the same depth keep the
    order in which a depth-first walk from the outputs first reaches them.  Weights
    copied from a Keras model with ``set_weights`` then land on the same layers.
    """
    def call_of(layer: Layer, sources: list) -> tuple:
        return (id(layer), *(id(s) for s in sources))

    producer = {id(out): call_of(layer, sources) for layer, sources, out, _ in nodes}
    call_depth: dict[tuple, int] = {}
    layer_depth: dict[int, int] = {}
    for layer, sources, _, _ in reversed(nodes):  # consumers before producers
        depth = max(call_depth.get(call_of(layer, sources), 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = depth
        for s in sources:
            key = producer[id(s)]
            call_depth[key] = max(call_depth.get(key, 0), depth + 1)
    first_seen: dict[int, int] = {}
    seen: set[int] = set()
    stack = list(reversed(outputs))
    while stack:  # pre-order walk from the outputs, each call's inputs in order
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        layer, sources, _ = tensor.history
        first_seen.setdefault(id(layer), len(first_seen))
        stack.extend(reversed(sources))
    layers = {id(layer): layer for layer, *_ in nodes}
    return sorted(layers.values(), key=lambda layer: (-layer_depth[id(layer)], first_seen[id(layer)]))


def _takes_list(layer: Layer) -> bool:
    return getattr(layer, "takes_list", False)


def _check_shape(model: Model, expected: KerasTensor, x: Tensor) -> None:
    shape = expected.shape
    if x.ndim != len(shape) or any(e is not None and e != s for e, s in zip(shape[1:], x.shape[1:])):
        raise ValueError(f"input {expected.name!r} of model {model.name!r} expects shape {shape}, "
                         f"got {x.shape}")


def functional_from_config(config: dict, layers: list[Layer]) -> Functional:
    """Rebuild a functional model: re-run the recorded calls on fresh symbolic tensors."""
    tensors: dict[int, KerasTensor] = {}
    calls: dict[tuple, Any] = {}
    for layer_index, sources, out, output_index in config["nodes"]:
        layer = layers[layer_index]
        if isinstance(layer, InputLayer):
            tensors[out] = layer.output
            continue
        key = (layer_index, *sources)
        if key not in calls:
            args = [tensors[s] for s in sources]
            calls[key] = layer(args if len(args) > 1 or _takes_list(layer) else args[0])
        tensors[out] = calls[key] if output_index is None else calls[key][output_index]
    inputs = [tensors[i] for i in config["inputs"]]
    outputs: Any = [tensors[i] for i in config["outputs"]]
    if config.get("output_keys"):
        outputs = dict(zip(config["output_keys"], outputs))
        return Functional(inputs[0] if config.get("single_input", True) else inputs, outputs, name=config["name"])
    return Functional(inputs[0] if config.get("single_input", True) else inputs,
                      outputs[0] if config.get("single_output", True) else outputs, name=config["name"])
