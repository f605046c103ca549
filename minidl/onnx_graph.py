"""The building blocks of the ONNX exporter (:mod:`minidl.onnx`): the graph being built
(:class:`_Graph`: nodes, weights, unique names, NHWC/NCHW layout changes), the tensors in it
(:class:`_Value`) and the activations, each written as ONNX operators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class _Value:
    """A tensor of the ONNX graph: its name, its shape as minidl sees it (NHWC, batch None),
    and whether the graph currently holds it channels-first (``nchw``)."""

    name: str
    shape: tuple
    nchw: bool = False


class _Graph:
    """Collects nodes and weights while the layers are translated one by one."""

    def __init__(self, onnx: Any, dtype: np.dtype) -> None:
        self.onnx, self.dtype = onnx, dtype
        self.nodes: list = []
        self.initializers: list = []
        self.names: set[str] = set()
        self.scope = ""
        self._layout_cache: dict[tuple[str, bool], str] = {}

    def fresh(self, hint: str) -> str:
        name = f"{self.scope}/{hint}" if self.scope else hint
        base, i = name, 1
        while name in self.names:
            name, i = f"{base}_{i}", i + 1
        self.names.add(name)
        return name

    def const(self, hint: str, array: Any, dtype: Any = None) -> str:
        """A weight (initializer); floating arrays take the model's dtype."""
        array = np.asarray(array)
        array = array.astype(dtype or (self.dtype if array.dtype.kind == "f" else array.dtype))
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        out = self.fresh(op_type)
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def to_nchw(self, v: _Value) -> _Value:
        """Channels first: (N, H, W, C) -> (N, C, H, W), and (N, L, C) -> (N, C, L) for sequences."""
        rank = len(v.shape)
        if v.nchw or rank not in (3, 4):
            return v
        return _Value(self._transpose(v.name, [0, rank - 1, *range(1, rank - 1)], True), v.shape, nchw=True)

    def to_nhwc(self, v: _Value) -> _Value:
        if not v.nchw:
            return v
        rank = len(v.shape)
        return _Value(self._transpose(v.name, [0, *range(2, rank), 1], False), v.shape, nchw=False)

    def _transpose(self, name: str, perm: list[int], to_nchw: bool) -> str:
        key = (name, to_nchw)  # a tensor read by two layers is transposed once
        if key not in self._layout_cache:
            self._layout_cache[key] = self.op("Transpose", [name], perm=perm)
        return self._layout_cache[key]


# ---------------------------------------------------------------- activations

def _softmax_axis(v: _Value) -> int:
    return 1 if v.nchw else len(v.shape) - 1  # the channel axis in either layout


def _gelu(g: _Graph, v: _Value) -> str:
    """gelu(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2))  (the exact form minidl computes)."""
    erf = g.op("Erf", [g.op("Mul", [v.name, g.const("inv_sqrt2", np.float32(1 / np.sqrt(2)))])])
    one_plus = g.op("Add", [erf, g.const("one", np.float32(1))])
    return g.op("Mul", [g.op("Mul", [v.name, one_plus]), g.const("half", np.float32(0.5))])


ACTIVATIONS: dict[str, Callable[[_Graph, _Value], str]] = {
    "linear": lambda g, v: v.name,
    "relu": lambda g, v: g.op("Relu", [v.name]),
    "sigmoid": lambda g, v: g.op("Sigmoid", [v.name]),
    "tanh": lambda g, v: g.op("Tanh", [v.name]),
    "softmax": lambda g, v: g.op("Softmax", [v.name], axis=_softmax_axis(v)),
    "log_softmax": lambda g, v: g.op("LogSoftmax", [v.name], axis=_softmax_axis(v)),
    "elu": lambda g, v: g.op("Elu", [v.name], alpha=1.0),
    "selu": lambda g, v: g.op("Selu", [v.name], alpha=1.6732632423543772, gamma=1.0507009873554805),
    "leaky_relu": lambda g, v: g.op("LeakyRelu", [v.name], alpha=0.2),  # Keras 3's slope
    "softplus": lambda g, v: g.op("Softplus", [v.name]),
    "exponential": lambda g, v: g.op("Exp", [v.name]),
    "swish": lambda g, v: g.op("Mul", [v.name, g.op("Sigmoid", [v.name])]),
    "silu": lambda g, v: g.op("Mul", [v.name, g.op("Sigmoid", [v.name])]),
    "gelu": _gelu,
}


def _activation_name(layer: Any) -> str:
    from .keras import activations

    try:
        return activations.serialize(layer.activation)
    except ValueError:
        return repr(layer.activation)


def _activate(g: _Graph, layer: Any, v: _Value) -> _Value:
    return _Value(ACTIVATIONS[_activation_name(layer)](g, v), v.shape, v.nchw)
