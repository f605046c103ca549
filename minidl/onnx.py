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

Supported layers: Input, Dense, Conv2D, Conv2DTranspose, MaxPooling2D, AveragePooling2D,
GlobalAveragePooling2D, GlobalMaxPooling2D, the 1-D layers Conv1D, MaxPooling1D, AveragePooling1D,
GlobalAveragePooling1D, GlobalMaxPooling1D, ZeroPadding1D (see :mod:`minidl.onnx_conv1d`), Flatten,
Reshape, Activation, ReLU, LeakyReLU,
ELU, Softmax, Rescaling, ZeroPadding2D, BatchNormalization, Normalization, the training-only
layers (Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout, RandomFlip: dropped), and
the merge layers Add, Subtract, Multiply,
Average, Maximum, Minimum, Concatenate.  Activations: see ``onnx_graph.ACTIVATIONS``.
Anything else raises :class:`ExportError` naming the layers that cannot be exported.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from .backend import to_numpy
from .errors import MinidlError
from .onnx_conv1d import CONVERTERS_1D
from .onnx_graph import ACTIVATIONS, _activate, _activation_name, _Graph, _Value

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


def _conv_transpose(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    """ONNX ConvTranspose: pads crop the full result (start, end); output_padding extends the end."""
    from .ops.conv_transpose import transpose_axis

    v = g.to_nchw(v)
    kernel = g.const("kernel", to_numpy(layer.kernel).transpose(3, 2, 0, 1))  # (kh, kw, out, in) -> (in, out, kh, kw)
    bias = [g.const("bias", to_numpy(layer.bias))] if layer.use_bias else []
    ops = layer.output_padding or (None, None)
    starts, ends, extras = [], [], []
    for k, s, op in zip(layer.kernel_size, layer.strides, ops):
        crop, size = transpose_axis(2, k, s, layer.padding, op)  # the crops do not depend on the input size
        end = (s + k) - crop - size  # rows of the full result ((2 - 1)·s + k of them) past the output
        starts.append(crop), ends.append(max(end, 0)), extras.append(max(-end, 0))
    y = g.op("ConvTranspose", [v.name, kernel, *bias], kernel_shape=list(layer.kernel_size),
             strides=list(layer.strides), pads=starts + ends, output_padding=extras)
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


def _elementwise(make: Callable[[_Graph, Any, str], str]) -> Callable:
    """A converter for a layer that acts on each value alone (any layout will do)."""
    return lambda g, layer, v, out: _Value(make(g, layer, v.name), v.shape, v.nchw)


def _relu_layer(g: _Graph, layer: Any, x: str) -> str:
    """ReLU(max_value, negative_slope, threshold); the plain and capped forms only."""
    if layer.negative_slope != 0 or layer.threshold != 0:
        raise ExportError(f"cannot export ReLU layer {layer.name!r} with negative_slope or threshold to ONNX")
    y = g.op("Relu", [x])
    if layer.max_value is not None:
        y = g.op("Min", [y, g.const("max_value", np.float32(layer.max_value))])
    return y


def _rescaling(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nhwc(v)  # a per-channel scale or offset lies along the last axis
    y = g.op("Mul", [v.name, g.const("scale", np.asarray(layer.scale))])
    return _Value(g.op("Add", [y, g.const("offset", np.asarray(layer.offset))]), out)


def _zero_padding(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nhwc(v)
    (top, bottom), (left, right) = layer.padding
    pads = g.const("pads", np.array([0, top, left, 0, 0, bottom, right, 0], dtype=np.int64))
    return _Value(g.op("Pad", [v.name, pads]), out)


def _softmax_layer(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    if not isinstance(layer.axis, int):
        raise ExportError(f"cannot export Softmax layer {layer.name!r} over several axes to ONNX")
    v = g.to_nhwc(v)
    return _Value(g.op("Softmax", [v.name], axis=layer.axis % len(out)), out)


def _identity(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    return v  # Dropout and the other training-only noise: the identity at inference


CONVERTERS: dict[str, Callable] = {
    "Dense": _dense, "Conv2D": _conv, "Conv2DTranspose": _conv_transpose, "MaxPooling2D": _pool,
    "AveragePooling2D": _pool,
    "GlobalAveragePooling2D": _global_pool, "GlobalMaxPooling2D": _global_pool,
    "Flatten": _flatten, "Reshape": _reshape, "BatchNormalization": _batch_norm,
    "Normalization": _normalization,
    "Dropout": _identity, "SpatialDropout2D": _identity, "GaussianNoise": _identity,
    "GaussianDropout": _identity, "RandomFlip": _identity,
    "ReLU": _elementwise(_relu_layer),
    "LeakyReLU": _elementwise(lambda g, layer, x: g.op("LeakyRelu", [x], alpha=float(layer.negative_slope))),
    "ELU": _elementwise(lambda g, layer, x: g.op("Elu", [x], alpha=float(layer.alpha))),
    "Softmax": _softmax_layer, "Rescaling": _rescaling, "ZeroPadding2D": _zero_padding,
    "Activation": lambda g, layer, v, out: _activate(g, layer, v),
    **CONVERTERS_1D,
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
        if getattr(layer, "mask_zero", False) or kind == "Masking":  # skipped steps: no ONNX equivalent here
            problems.append(f"{layer.name!r} ({kind} makes a mask of padded steps, which the export cannot "
                            "express; train without the mask or serve the model with minidl)")
        elif kind not in CONVERTERS and kind not in MERGES:
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
