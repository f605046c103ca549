"""ONNX export of the Keras 1-D layers: the file, run by onnxruntime (an independent
implementation of Conv/MaxPool/AveragePool), must reproduce model.predict.  This checks the
kernel layout ((k, in, out) -> (out, in, k)), the NLC <-> NCL transposes, "same", "causal"
and dilated padding, and the flatten order after a channels-first tensor."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.keras import layers as L

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
from minidl.onnx import ExportError  # noqa: E402


def test_time_series_cnn_matches_predict(tmp_path, onnx_matches_predict):
    mdl.manual_seed(0)
    model = keras.Sequential([
        keras.Input((20, 3)), L.Conv1D(8, 3, strides=2, padding="same", activation="relu"), L.MaxPooling1D(2),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2, use_bias=False), L.BatchNormalization(),
        L.AveragePooling1D(3, strides=1, padding="same"), L.ZeroPadding1D((1, 2)),
        L.Conv1D(5, 2, activation="tanh"), L.MaxPooling1D(3, strides=2, padding="same"), L.Flatten(), L.Dense(2),
    ])
    bn = model.layers[3]
    bn.set_weights([np.linspace(0.5, 2, 4), np.linspace(-1, 1, 4), np.linspace(-0.3, 0.3, 4), np.linspace(0.5, 3, 4)])
    onnx_matches_predict(model, tmp_path / "ts.onnx", [(1, 20, 3), (6, 20, 3)])


@pytest.mark.parametrize("pool", [L.GlobalMaxPooling1D, L.GlobalAveragePooling1D])
def test_variable_length_sequences_match_predict(tmp_path, pool, onnx_matches_predict):
    mdl.manual_seed(1)
    inputs = keras.Input((None, 3))
    x = L.Conv1D(6, 4, padding="same", activation="relu")(inputs)
    x = L.Conv1D(6, 3, padding="same", dilation_rate=2)(x)  # the runtime pads (SAME_UPPER)
    x = L.MaxPooling1D(3, strides=2, padding="same")(x)
    x = L.Conv1D(6, 3, padding="causal", dilation_rate=3)(x)
    outputs = L.Dense(2, activation="softmax")(pool()(x))
    onnx_matches_predict(keras.Model(inputs, outputs), tmp_path / "var.onnx", [(2, 9, 3), (3, 16, 3)])


def test_unsupported_1d_layer_is_named(tmp_path):
    model = keras.Sequential([keras.Input((8, 2)), L.UpSampling1D(), L.Flatten()])
    with pytest.raises(ExportError, match="UpSampling1D"):
        model.export(str(tmp_path / "up.onnx"))
