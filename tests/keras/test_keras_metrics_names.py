"""model.metrics_names: the names of evaluate()'s values, in the same order.

Keras 3.15 returns ``[]`` before compile (as here) and ``["loss", "compile_metrics"]``
after it, a list that does not match evaluate()'s values (keras-team/keras#20244);
minidl returns the names that do, as tf.keras 2 did.
"""

from __future__ import annotations

import numpy as np

from minidl import keras
from minidl.keras import layers


def test_names_match_evaluate_one_output():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), (rng.random((16, 1)) > 0.5).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    assert model.metrics_names == []
    model.compile("adam", "binary_crossentropy", metrics=["accuracy", "auc", keras.metrics.Precision()])
    assert model.metrics_names == ["loss", "accuracy", "auc", "precision"]
    values = model.evaluate(x, y, verbose=0)
    assert dict(zip(model.metrics_names, values)) == model.evaluate(x, y, verbose=0, return_dict=True)
    model.compile("adam", "mse")
    assert model.metrics_names == ["loss"]


def test_names_match_evaluate_two_outputs():
    rng = np.random.default_rng(1)
    inputs = keras.Input((4,))
    hidden = layers.Dense(5, activation="relu")(inputs)
    model = keras.Model(inputs, [layers.Dense(3, activation="softmax", name="cls")(hidden),
                                 layers.Dense(1, name="reg")(hidden)])
    model.compile("sgd", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                  metrics={"cls": ["accuracy"], "reg": ["mae"]})
    names = model.metrics_names
    assert names == ["loss", "cls_loss", "reg_loss", "cls_accuracy", "reg_mae"]
    x = rng.normal(size=(10, 4)).astype("float32")
    y = {"cls": rng.integers(0, 3, 10), "reg": rng.normal(size=(10, 1)).astype("float32")}
    assert len(model.evaluate(x, y, verbose=0)) == len(names)
