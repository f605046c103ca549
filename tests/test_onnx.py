"""ONNX export: the exported file, run by onnxruntime, must reproduce model.predict.

onnxruntime is an independent implementation of every operator, so agreement to
1e-5 checks the weight layouts (HWIO→OIHW), the NHWC↔NCHW transposes, the flatten
order, TensorFlow-style "same" padding and the BatchNorm inference formula.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import minidl as mdl
from minidl.keras import layers, models

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
from minidl.onnx import ExportError, export  # noqa: E402


def _run(path: str, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def _check(model, tmp_path, input_shape: tuple, name: str = "m.onnx") -> str:
    path = str(tmp_path / name)
    model.export(path)
    rng = np.random.default_rng(1)
    for n in (1, 7):  # the batch dimension is dynamic
        x = rng.normal(size=(n, *input_shape)).astype(np.float32)
        expected = model.predict(x, verbose=0)
        got = _run(path, x)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    return path


def _randomize_batchnorm(model, rng) -> None:
    """Non-trivial γ, β and moving statistics, as after training."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            c = layer.moving_mean.shape[0]
            weights = [rng.uniform(0.5, 2, c)] if layer.scale else []
            weights += [rng.normal(size=c)] if layer.center else []
            layer.set_weights(weights + [rng.normal(size=c), rng.uniform(0.2, 3, c)])


def test_course_cnn_matches_predict(tmp_path):
    mdl.manual_seed(0)
    model = models.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    path = _check(model, tmp_path, (28, 28, 1))
    graph = onnx.load(path).graph
    dims = graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [28, 28, 1]
    # one transpose into NCHW before the first conv and one back before Flatten
    assert sum(node.op_type == "Transpose" for node in graph.node) == 2


def test_mlp_with_batchnorm_and_dropout(tmp_path):
    mdl.manual_seed(1)
    model = models.Sequential([
        layers.Input(shape=(10,)),
        layers.Dense(32, activation="tanh"),
        layers.BatchNormalization(),
        layers.Dropout(0.5),
        layers.Dense(16, activation="sigmoid"),
        layers.BatchNormalization(center=False),
        layers.Dense(3),
        layers.Activation("softmax"),
    ])
    _randomize_batchnorm(model, np.random.default_rng(0))
    _check(model, tmp_path, (10,))


def test_same_padding_strides_and_pools(tmp_path):
    """Odd padding (extra row at the bottom), 4-D BatchNorm, GAP and other activations."""
    mdl.manual_seed(2)
    model = models.Sequential([
        layers.Input(shape=(8, 9, 3)),
        layers.Conv2D(5, 3, strides=2, padding="same", activation="leaky_relu"),
        layers.BatchNormalization(),
        layers.Conv2D(4, (2, 3), padding="same", activation="elu"),
        layers.MaxPooling2D(2, padding="same"),
        layers.AveragePooling2D((2, 2), strides=1, padding="same"),
        layers.Activation("softmax"),  # over channels: axis 1 inside the NCHW graph
        layers.Conv2D(6, 1, activation="gelu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2, activation="selu"),
    ])
    _randomize_batchnorm(model, np.random.default_rng(1))
    _check(model, tmp_path, (8, 9, 3))


def test_reshape_and_channels_last_batchnorm(tmp_path):
    mdl.manual_seed(3)
    model = models.Sequential([
        layers.Input(shape=(12,)),
        layers.Reshape((3, 4)),
        layers.BatchNormalization(),  # rank 3, channels last: exported as x·s + t
        layers.Dense(5, activation="swish"),  # Dense on the last axis of a rank-3 tensor
        layers.Reshape((5, 3, 1)),
        layers.Conv2D(2, 2, activation="softplus"),
        layers.GlobalMaxPooling2D(),
    ])
    _randomize_batchnorm(model, np.random.default_rng(2))
    _check(model, tmp_path, (12,))


def test_functional_model_with_merges(tmp_path):
    mdl.manual_seed(4)
    inputs = layers.Input(shape=(6, 6, 2))
    a = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    b = layers.Conv2D(4, 1)(inputs)
    s = layers.Add()([a, b])
    c = layers.Concatenate()([s, layers.Maximum()([a, b])])
    flat = layers.Flatten()(layers.MaxPooling2D()(c))
    d = layers.Dense(8, activation="relu")(flat)
    out = layers.Dense(3, activation="softmax")(layers.Average()([d, layers.Dense(8)(flat)]))
    model = models.Model(inputs, out)
    _check(model, tmp_path, (6, 6, 2))


def test_activation_reshaping_and_training_only_layers(tmp_path):
    model = models.Sequential([
        layers.Input(shape=(6, 6, 2)), layers.Rescaling([0.5, 2.0], offset=-0.25), layers.RandomFlip(),
        layers.ZeroPadding2D(((1, 0), (2, 1))), layers.Conv2D(4, 3), layers.ReLU(max_value=0.6),
        layers.GaussianNoise(0.3), layers.SpatialDropout2D(0.5), layers.Conv2D(3, 2), layers.LeakyReLU(),
        layers.ELU(alpha=0.7), layers.Flatten(), layers.Dropout(0.5), layers.GaussianDropout(0.2),
        layers.Dense(5), layers.Softmax(),
    ])
    _check(model, tmp_path, (6, 6, 2))


def test_relu_layer_with_a_slope_is_refused(tmp_path):
    model = models.Sequential([layers.Input(shape=(3,)), layers.ReLU(negative_slope=0.1)])
    with pytest.raises(ExportError, match="negative_slope"):
        export(model, tmp_path / "relu.onnx")
    assert not os.listdir(tmp_path)


def test_unsupported_layer_is_named(tmp_path):
    model = models.Sequential([layers.Input(shape=(5, 3)), layers.SimpleRNN(4), layers.Dense(2)])
    with pytest.raises(ExportError, match=r"simple_rnn.*SimpleRNN"):
        model.export(str(tmp_path / "rnn.onnx"))
    assert not os.listdir(tmp_path)  # nothing written, no temporary file left behind


def test_custom_activation_is_named(tmp_path):
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2, activation=lambda x: x * 2)])
    with pytest.raises(ExportError, match="activation"):
        export(model, tmp_path / "custom.onnx")


def test_failed_export_keeps_existing_file(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous")
    model = models.Sequential([layers.Input(shape=(5, 3)), layers.LSTM(2)])
    with pytest.raises(ExportError):
        export(model, path)
    assert path.read_bytes() == b"previous" and os.listdir(tmp_path) == ["model.onnx"]


def test_unbuilt_and_subclassed_models_are_rejected(tmp_path):
    with pytest.raises(ExportError, match="not built"):
        export(models.Sequential([layers.Dense(2)]), tmp_path / "a.onnx")

    class Custom(models.Model):
        def call(self, x, training=None):
            return x

    with pytest.raises(ExportError, match="subclassed"):
        export(Custom(), tmp_path / "b.onnx")


def test_missing_onnx_package_gives_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` fail
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    with pytest.raises(ImportError, match=r"pip install minidl\[onnx\]"):
        export(model, tmp_path / "m.onnx")
