"""ONNX converters of the Keras 1-D layers (Conv1D, MaxPooling1D, AveragePooling1D,
GlobalAveragePooling1D, GlobalMaxPooling1D, ZeroPadding1D), used by :mod:`minidl.onnx`.

ONNX's Conv and pooling operators take (N, C, L) for sequences, as (N, C, H, W) for
images, so the exporter's layout tracking applies unchanged: a ``Transpose`` to channels
first before the first Conv/Pool and back before anything that needs channels last.
Kernels: minidl's (k, in, out) becomes ONNX's (out, in, k).  Padding: "same" as TensorFlow
(the extra zero at the end), "causal" as (k - 1)·dilation zeros at the start only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backend import to_numpy
from .onnx_graph import _activate, _Graph, _Value


def _pads_1d(layer: Any, v: _Value, span: int, stride: int) -> dict:
    """ONNX pads [start, end] for a window of ``span`` steps (the dilated kernel's length)."""
    from .kernels import pad_amounts

    if layer.padding == "valid":
        return {"pads": [0, 0]}
    if layer.padding == "causal":
        return {"pads": [span - 1, 0]}
    if stride == 1:  # span - 1 zeros whatever the length (and onnxruntime's SAME_UPPER refuses dilation)
        return {"pads": [(span - 1) // 2, span - 1 - (span - 1) // 2]}
    if v.shape[1] is None:  # unknown length, strided: let the runtime pad, TensorFlow-style
        return {"auto_pad": "SAME_UPPER"}
    start, end, _ = pad_amounts(v.shape[1], span, stride, "same")
    return {"pads": [start, end]}


def _conv1d(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nchw(v)
    (k,), (stride,), (dilation,) = layer.kernel_size, layer.strides, layer.dilation_rate
    kernel = g.const("kernel", to_numpy(layer.kernel).transpose(2, 1, 0))  # (k, in, out) -> (out, in, k)
    bias = [g.const("bias", to_numpy(layer.bias))] if layer.use_bias else []
    y = g.op("Conv", [v.name, kernel, *bias], kernel_shape=[k], strides=[stride], dilations=[dilation],
             **_pads_1d(layer, v, (k - 1) * dilation + 1, stride))
    return _activate(g, layer, _Value(y, out, nchw=True))


def _pool1d(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nchw(v)
    (size,), (stride,) = layer.pool_size, layer.strides
    attrs = dict(kernel_shape=[size], strides=[stride], **_pads_1d(layer, v, size, stride))
    if type(layer).__name__ == "MaxPooling1D":
        return _Value(g.op("MaxPool", [v.name], **attrs), out, nchw=True)
    return _Value(g.op("AveragePool", [v.name], count_include_pad=0, **attrs), out, nchw=True)


def _global_pool1d(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    op = "ReduceMax" if type(layer).__name__ == "GlobalMaxPooling1D" else "ReduceMean"
    y = g.op(op, [v.name], axes=[2 if v.nchw else 1], keepdims=int(layer.keepdims))
    return _Value(y, out, nchw=v.nchw and layer.keepdims)


def _zero_padding1d(g: _Graph, layer: Any, v: _Value, out: tuple) -> _Value:
    v = g.to_nhwc(v)
    start, end = layer.padding
    pads = g.const("pads", np.array([0, start, 0, 0, end, 0], dtype=np.int64))
    return _Value(g.op("Pad", [v.name, pads]), out)


CONVERTERS_1D = {
    "Conv1D": _conv1d, "MaxPooling1D": _pool1d, "AveragePooling1D": _pool1d,
    "GlobalAveragePooling1D": _global_pool1d, "GlobalMaxPooling1D": _global_pool1d,
    "ZeroPadding1D": _zero_padding1d,
}
