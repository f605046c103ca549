"""Export Keras-style minidl models to ONNX, to run them in onnxruntime or any ONNX tool.

    model.export("model.onnx")                 # or minidl.onnx.export(model, "model.onnx")
    import onnxruntime as ort
    session = ort.InferenceSession("model.onnx")
    probs = session.run(None, {"input": x_nhwc.astype("float32")})[0]   # == model.predict(x)

Needs the ``onnx`` package (``pip install minidl[onnx]``); it is imported only here.

What the graph looks like
-------------------------
* One graph input per model input, in the **same NHWC layout as** ``predict``, with a
  dynamic batch dimension named ``"batch"``; outputs are named ``output`` (or
  ``output_0``, ``output_1``, ... for several outputs).
* ONNX's Conv and pooling operators work on NCHW (channels first) tensors.  The
  exporter tracks the layout of every tensor and inserts a ``Transpose`` only where
  the layout has to change: NHWC→NCHW before the first Conv/Pool, NCHW→NHWC before
  Flatten, Dense, Reshape or the output, so Flatten orders the features exactly as
  minidl does (height, width, channel) and the Dense weights stay valid.
* Kernels: minidl stores conv kernels HWIO, ONNX wants OIHW (a transpose of the
  weights); Dense kernels (in, out) feed ``Gemm``/``MatMul`` unchanged (y = x·W + b).
* ``padding="same"`` becomes explicit pads computed as TensorFlow does: the total
  ``max((⌈n/s⌉ - 1)·s + k - n, 0)`` split with the extra row/column at the end
  (bottom/right).  Max pooling ignores the pads (as -inf); average pooling divides by
  the real pixels only (``count_include_pad=0``), both as minidl computes them.
* BatchNormalization is exported in inference form (moving statistics):
  y = γ·(x - μ)/√(σ² + ε) + β; Dropout disappears (identity at inference).

Supported layers: Input, Dense, Conv2D, MaxPooling2D, AveragePooling2D,
GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Reshape, Dropout, Activation,
BatchNormalization, Normalization and the merge layers Add, Subtract, Multiply,
Average, Maximum, Minimum, Concatenate.  Activations: see ``ACTIVATIONS`` below.
Anything else raises :class:`ExportError` naming the layers that cannot be exported.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .backend import to_numpy
from .errors import MinidlError

OPSET = 13  # every operator used here has had its current meaning since opset 13
IR_VERSION = 7  # the ONNX file-format version that goes with opset 13 (readable by old runtimes)


class ExportError(MinidlError):
    """The model holds something the ONNX exporter cannot translate."""


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the 'onnx' package: pip install minidl[onnx] "
                          "(or pip install onnx onnxruntime)") from None
    return onnx


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
        if v.nchw or len(v.shape) != 4:
            return v
        return _Value(self._transpose(v.name, [0, 3, 1, 2], True), v.shape, nchw=True)

    def to_nhwc(self, v: _Value) -> _Value:
        if not v.nchw:
            return v
        return _Value(self._transpose(v.name, [0, 2, 3, 1], False), v.shape, nchw=False)

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


# ---------------------------------------------------------------- layers

def _pads(layer: Any, v: _Value, kernel: tuple, strides: tuple) -> dict:
    """ONNX pads [top, left, bottom, right] for minidl's padding (TensorFlow's "same")."""
    from .kernels import pad_amounts

    h, w = v.shape[1], v.shape[2]
    if layer.padding == "valid":
        return {"pads": [0, 0, 0, 0]}
    if h is None or w is None:  # unknown image size: let the runtime pad, TensorFlow-style
        return {"auto_pad": "SAME_UPPER"}
    top, bottom, _ = pad_amounts(h, kernel[0], strides[0], "same")
    left, right, _ = pad_amounts(w, kernel[1], strides[1], "same")
    return {"pads": [top, left, bottom, right]}


def _dense(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nhwc(v)
    kernel = g.const("kernel", to_numpy(layer.kernel))
    bias = [g.const("bias", to_numpy(layer.bias))] if layer.use_bias else []
    if len(v.shape) == 2:  # Gemm: y = x·W + b in one node
        y = g.op("Gemm", [v.name, kernel, *bias])
    else:  # Dense acts on the last axis of any rank: MatMul broadcasts over the rest
        y = g.op("MatMul", [v.name, kernel])
        y = g.op("Add", [y, *bias]) if bias else y
    return _activate(g, layer, _Value(y, out))


def _conv(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nchw(v)
    kernel = g.const("kernel", to_numpy(layer.kernel).transpose(3, 2, 0, 1))  # HWIO -> OIHW
    bias = [g.const("bias", to_numpy(layer.bias))] if layer.use_bias else []
    y = g.op("Conv", [v.name, kernel, *bias], kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), **_pads(layer, v, layer.kernel_size, layer.strides))
    return _activate(g, layer, _Value(y, out, nchw=True))


def _pool(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nchw(v)
    strides = layer.strides or layer.pool_size
    attrs = dict(kernel_shape=list(layer.pool_size), strides=list(strides),
                 **_pads(layer, v, layer.pool_size, strides))
    if type(layer).__name__ == "MaxPooling2D":
        return _Value(g.op("MaxPool", [v.name], **attrs), out, nchw=True)
    return _Value(g.op("AveragePool", [v.name], count_include_pad=0, **attrs), out, nchw=True)


def _global_pool(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    axes = [2, 3] if v.nchw else [1, 2]
    op = "ReduceMax" if type(layer).__name__ == "GlobalMaxPooling2D" else "ReduceMean"
    y = g.op(op, [v.name], axes=axes, keepdims=int(layer.keepdims))
    return _Value(y, out, nchw=v.nchw and layer.keepdims)


def _flatten(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nhwc(v)  # flatten in (height, width, channel) order, as minidl does
    return _Value(g.op("Flatten", [v.name], axis=1), out)


def _reshape(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nhwc(v)
    shape = g.const("shape", np.array([0, *layer.target_shape], dtype=np.int64))  # 0: keep the batch
    return _Value(g.op("Reshape", [v.name, shape]), out)


def _batch_norm(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    rank = len(v.shape)
    if layer.axis % rank != rank - 1:
        raise ExportError(f"BatchNormalization layer {layer.name!r}: only the last (channel) axis "
                          f"can be exported, got axis={layer.axis}")
    mean, var = to_numpy(layer.moving_mean).astype(np.float64), to_numpy(layer.moving_variance).astype(np.float64)
    gamma = to_numpy(layer.gamma).astype(np.float64) if layer.scale else np.ones_like(mean)
    beta = to_numpy(layer.beta).astype(np.float64) if layer.center else np.zeros_like(mean)
    if rank == 2 or v.nchw:  # ONNX's BatchNormalization wants the channels on axis 1
        inputs = [g.const(n, a) for n, a in (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var))]
        return _Value(g.op("BatchNormalization", [v.name, *inputs], epsilon=layer.epsilon), out, v.nchw)
    # channels last on a rank-3+ tensor: the same affine map, y = x·s + t
    scale = gamma / np.sqrt(var + layer.epsilon)
    y = g.op("Mul", [v.name, g.const("scale", scale)])
    return _Value(g.op("Add", [y, g.const("shift", beta - mean * scale)]), out)


def _normalization(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nhwc(v)
    mean, var = (np.asarray(a, dtype=np.float64) for a in layer._statistics())
    std = np.maximum(np.sqrt(var), 1e-7)
    if layer.invert:
        y = g.op("Add", [g.op("Mul", [v.name, g.const("std", std)]), g.const("mean", mean)])
    else:
        y = g.op("Div", [g.op("Sub", [v.name, g.const("mean", mean)]), g.const("std", std)])
    return _Value(y, out)


def _merge(g: _Graph, layer: Any, values: list[_Value], out: tuple) -> _Value:
    names = [g.to_nhwc(v).name for v in values]
    kind = type(layer).__name__
    if kind == "Concatenate":
        return _Value(g.op("Concat", names, axis=layer.axis % len(out)), out)
    if kind == "Subtract":
        return _Value(g.op("Sub", names), out)
    if kind == "Multiply":
        y = names[0]
        for name in names[1:]:
            y = g.op("Mul", [y, name])
        return _Value(y, out)
    op = {"Add": "Sum", "Average": "Mean", "Maximum": "Max", "Minimum": "Min"}[kind]
    return _Value(g.op(op, names), out)


CONVERTERS: dict[str, Callable] = {
    "Dense": _dense, "Conv2D": _conv, "MaxPooling2D": _pool, "AveragePooling2D": _pool,
    "GlobalAveragePooling2D": _global_pool, "GlobalMaxPooling2D": _global_pool,
    "Flatten": _flatten, "Reshape": _reshape, "BatchNormalization": _batch_norm,
    "Normalization": _normalization,
    "Dropout": lambda g, layer, v, out: v,  # identity at inference
    "Activation": lambda g, layer, v, out: _activate(g, layer, v),
}
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")


# ---------------------------------------------------------------- model walk

def _model_nodes(model: Any) -> tuple[list, list, list]:
    """The model as (layer, input ids, output id, output shape) calls plus input and
    output ids with their shapes; Sequential models become a chain."""
    from .autograd import no_grad
    from .keras.layers.base import example_batch
    from .keras.layers.core import InputLayer
    from .keras.models.functional import Functional
    from .keras.models.sequential import Sequential

    if isinstance(model, Functional):
        calls = [(layer, sources, out) for layer, sources, out, *_ in model._nodes]  # *_: output index
        ids = {id(out): i for i, (_, _, out) in enumerate(calls)}
        nodes = [(layer, [ids[id(s)] for s in sources], ids[id(out)], out.shape)
                 for layer, sources, out in calls if not isinstance(layer, InputLayer)]
        return nodes, [(ids[id(t)], t.shape) for t in model.inputs], [ids[id(t)] for t in model.outputs]
    if not isinstance(model, Sequential):
        raise ExportError(f"{type(model).__name__} is a subclassed model: its structure is Python code; "
                          "ONNX export supports Sequential and functional Model(inputs, outputs) models")
    if not model.built or model.input_shape is None:
        raise ExportError("the model is not built yet: give it an input shape (layers.Input or "
                          "input_shape=) or call it on data before exporting")
    shape, nodes = tuple(model.input_shape), []
    for i, layer in enumerate(model.layers):
        with no_grad():  # run one zero example through the layer to learn its output shape
            y = layer(example_batch(shape, np.float32), training=False)
        nodes.append((layer, [i], i + 1, (None, *y.shape[1:])))
        shape = nodes[-1][3]
    return nodes, [(0, tuple(model.input_shape))], [len(nodes)]


def _check_supported(nodes: list) -> None:
    problems = []
    for layer, *_ in nodes:
        kind = type(layer).__name__
        if kind not in CONVERTERS and kind not in MERGES:
            problems.append(f"{layer.name!r} ({kind})")
        elif hasattr(layer, "activation") and _activation_name(layer) not in ACTIVATIONS:
            problems.append(f"{layer.name!r} ({kind} with activation {_activation_name(layer)})")
    if problems:
        raise ExportError(f"cannot export to ONNX: unsupported layer(s) {', '.join(dict.fromkeys(problems))}. "
                          f"Supported layers: {', '.join(sorted([*CONVERTERS, *MERGES]))}; "
                          f"activations: {', '.join(sorted(ACTIVATIONS))}")


def _value_info(onnx: Any, name: str, shape: tuple, elem: int) -> Any:
    dims = ["batch" if i == 0 else (f"{name}_dim{i}" if n is None else int(n)) for i, n in enumerate(shape)]
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def to_onnx(model: Any) -> Any:
    """Translate ``model`` into an ``onnx.ModelProto`` (checked with ``onnx.checker``)."""
    from . import __version__

    onnx = _require_onnx()
    nodes, inputs, outputs = _model_nodes(model)
    _check_supported(nodes)
    weights = model.get_weights()
    dtype = np.dtype(np.float64) if weights and weights[0].dtype == np.float64 else np.dtype(np.float32)
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    g = _Graph(onnx, dtype)
    values: dict[int, _Value] = {}
    graph_inputs = []
    for i, (vid, shape) in enumerate(inputs):
        name = "input" if len(inputs) == 1 else f"input_{i}"
        g.names.add(name)
        values[vid] = _Value(name, tuple(shape))
        graph_inputs.append(_value_info(onnx, name, shape, elem))
    for layer, sources, out_id, out_shape in nodes:
        g.scope = layer.name
        args = [values[s] for s in sources]
        kind = type(layer).__name__
        if kind in MERGES:
            values[out_id] = _merge(g, layer, args, tuple(out_shape))
        else:
            values[out_id] = CONVERTERS[kind](g, layer, args[0], tuple(out_shape))
    g.scope = ""
    graph_outputs = []
    for i, vid in enumerate(outputs):
        name = "output" if len(outputs) == 1 else f"output_{i}"
        v = g.to_nhwc(values[vid])
        g.nodes.append(onnx.helper.make_node("Identity", [v.name], [name], name=f"{name}/Identity"))
        graph_outputs.append(_value_info(onnx, name, v.shape, elem))
    graph = onnx.helper.make_graph(g.nodes, model.name, graph_inputs, graph_outputs, g.initializers)
    proto = onnx.helper.make_model(graph, producer_name="minidl", producer_version=__version__,
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto)
    return proto


def export(model: Any, filepath: str | os.PathLike) -> str:
    """Write ``model`` as an ONNX file (atomically: a temporary file renamed into place).

    The file takes the same NHWC input as ``model.predict`` with any batch size and
    gives the same outputs.  Returns the path written.
    """
    proto = to_onnx(model)
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(prefix=".minidl-onnx-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(proto.SerializeToString())
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return filepath
