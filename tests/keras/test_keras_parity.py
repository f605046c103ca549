"""Behaviours a Keras 3 user notices, pinned to what Keras 3.15 does.

Reference values were obtained by running the same code with real Keras 3.15
(``KERAS_BACKEND=jax``) and are hard-coded here: CI does not install Keras.
"""

from __future__ import annotations

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers


def zzz(y_true, y_pred):
    return (y_pred * 0 + 1).mean(axis=-1)


def aaa(y_true, y_pred):
    return (y_pred * 0).mean(axis=-1)


def test_logs_history_and_return_dict_are_sorted_by_name_as_keras_3(capsys):
    # Keras 3.15 printed "... - aaa: 0.5900 - accuracy: 0.6000 - loss: 0.8747 - val_aaa: ...
    # - val_zzz: 0.6393 - zzz: 0.5900" and History keys in the same sorted order; the batch
    # logs too.  evaluate's list keeps the compile order [loss, zzz, accuracy, aaa].
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)).astype("float32"), rng.integers(0, 2, (20, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[zzz, "accuracy", aaa])
    seen = []
    batch_logs = keras.callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(list(logs)))
    history = model.fit(x, y, epochs=1, verbose=2, validation_split=0.25, batch_size=4,
                        callbacks=[batch_logs])
    keys = ["aaa", "accuracy", "loss", "val_aaa", "val_accuracy", "val_loss", "val_zzz", "zzz"]
    assert list(history.history) == keys
    assert seen[0] == ["aaa", "accuracy", "loss", "zzz"]
    line = capsys.readouterr().out
    assert [part.split(":")[0] for part in line.strip().split(" - ")[3:]] == keys
    assert list(model.evaluate(x, y, verbose=0, return_dict=True)) == ["aaa", "accuracy", "loss", "zzz"]
    loss, z, _, a = model.evaluate(x, y, verbose=0)
    assert (z, a) == (1.0, 0.0) and loss > 0


def test_subclassed_call_without_training_argument():
    # Keras passes training= only to a call() that takes it: `def call(self, x)` is fine.
    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    model = Net()
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    assert model.predict(x, verbose=0).shape == (6, 2)
    model.compile("sgd", "mse")
    history = model.fit(x, x[:, :2], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    hidden = model.hidden.get_weights()
    np.testing.assert_allclose(model(x).numpy(), np.maximum(x @ hidden[0] + hidden[1], 0)
                               @ model.out.get_weights()[0] + model.out.get_weights()[1], rtol=1e-5)


@pytest.mark.parametrize("signature", ["kwargs", "training"])
def test_custom_layer_receives_training_when_it_asks(signature):
    seen = []

    class Probe(layers.Layer):
        if signature == "kwargs":
            def call(self, x, **kwargs):
                seen.append(kwargs.get("training"))
                return x
        else:
            def call(self, x, training=None):
                seen.append(training)
                return x

    model = keras.Sequential([keras.Input((2,)), Probe(), layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.ones((4, 2), "float32")
    seen.clear()
    model.fit(x, x, epochs=1, batch_size=4, verbose=0)
    model.predict(x, verbose=0)
    assert True in seen and seen[-1] is False
