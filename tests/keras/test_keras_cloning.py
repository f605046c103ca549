"""clone_model, to_json / model_from_json and Model.from_config, as Keras 3 behaves.

Keras 3.15 behaviour pinned here (checked by hand with KERAS_BACKEND=jax): a clone has the
same layer names and configs but new, independently initialised weights; it is not compiled;
a subclassed model cannot be described (Keras raises NotImplementedError for to_json too).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import minidl as tf

keras = tf.keras
layers = keras.layers


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")[:, None]


def mlp() -> keras.Sequential:
    return keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu", name="hidden"),
                             layers.Dense(1, activation="sigmoid", name="out")], name="model_a")


def test_clone_then_copy_weights_the_reuse_pattern_of_the_course():
    """model_B = clone_model(model_A); model_B.set_weights(model_A.get_weights()); train B, A unchanged."""
    x, y = data()
    model_a = mlp()
    clone = keras.models.clone_model(model_a)
    assert [layer.name for layer in clone.layers] == ["hidden", "out"]
    assert [layer.get_config() for layer in clone.layers] == [layer.get_config() for layer in model_a.layers]
    assert not any(np.array_equal(a, b) for a, b in zip(clone.get_weights()[::2], model_a.get_weights()[::2]))
    assert clone.optimizer is None  # not compiled, as in Keras
    clone.set_weights(model_a.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model_a.predict(x, verbose=0))
    before = [w.copy() for w in model_a.get_weights()]
    clone.compile("sgd", "binary_crossentropy")
    clone.fit(x, y, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model_a.get_weights()))
    assert not np.array_equal(clone.get_weights()[0], before[0])


def test_clone_of_nested_and_functional_models_and_clone_function():
    x, _ = data()
    base = mlp()
    model = keras.Sequential([base, layers.Dense(2, name="head")])
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    assert clone.layers[0] is not base

    inputs = keras.Input((4,), name="features")
    hidden = layers.Dense(3, activation="tanh", name="h")(inputs)
    functional = keras.Model(inputs, [layers.Dense(1, name="a")(hidden), layers.Dense(2, name="b")(hidden)])
    copy = keras.models.clone_model(functional)
    copy.set_weights(functional.get_weights())
    for got, expected in zip(copy.predict(x, verbose=0), functional.predict(x, verbose=0)):
        np.testing.assert_array_equal(got, expected)

    def wider(layer):  # clone_function: each new layer from the old one's config, changed
        config = layer.get_config()
        if config.get("name") == "h":
            config["units"] = 5
        return type(layer).from_config(config)

    assert keras.models.clone_model(functional, clone_function=wider).get_layer("h").units == 5
    with pytest.raises(TypeError, match="clone_function must return a Layer"):
        keras.models.clone_model(functional, clone_function=lambda layer: None)


def test_to_json_model_from_json_and_from_config_round_trip():
    x, _ = data()
    model = mlp()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    for rebuilt in (keras.models.model_from_json(text), keras.Sequential.from_config(model.get_config()),
                    keras.Model.from_config(model.get_config())):
        assert [layer.name for layer in rebuilt.layers] == ["hidden", "out"]
        rebuilt.set_weights(model.get_weights())
        np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))
    inputs = keras.Input((4,))
    functional = keras.Model(inputs, layers.Dense(2)(inputs))
    assert type(keras.Model.from_config(functional.get_config())).__name__ == "Functional"
    with pytest.raises(ValueError, match="model_from_json expects the string of model.to_json"):
        keras.models.model_from_json("{not json")


def test_subclassed_models_are_described_by_their_config_as_keras():
    class Net(keras.Model):
        def __init__(self, units: int = 2, **kwargs) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

        def get_config(self) -> dict:
            return {**super().get_config(), "units": self.units}

    net = Net(3, name="net")
    net(np.zeros((1, 3), "float32"))
    description = json.loads(net.to_json())
    assert description["class_name"] == "Net" and description["config"]["units"] == 3
    assert keras.models.model_from_json(net.to_json(), custom_objects={"Net": Net}).units == 3
    with pytest.raises(tf.MinidlError, match="unknown model class 'Net'"):
        keras.models.model_from_json(net.to_json())
    clone = keras.models.clone_model(net)
    assert type(clone) is Net and clone.units == 3 and clone is not net
    with pytest.raises(ValueError, match="Sequential and functional models only"):
        keras.models.clone_model(net, clone_function=lambda layer: layer)


def test_clone_of_a_compiled_model_is_compiled_with_a_fresh_optimizer():
    """Keras 3.15: clone_model(compiled) -> compiled, optimizer from the config, no state."""
    x, y = data()
    model = mlp()
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, verbose=0)
    clone = keras.models.clone_model(model)
    assert type(clone.optimizer) is keras.optimizers.Adam and clone.optimizer is not model.optimizer
    assert float(clone.optimizer.learning_rate) == pytest.approx(0.01) and clone.optimizer.iterations == 0
    clone.set_weights(model.get_weights())
    assert clone.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))

    inputs = keras.Input((4,))
    two = keras.Model(inputs, [layers.Dense(1, name="p")(inputs), layers.Dense(2, name="q")(inputs)])
    two.compile("sgd", loss={"p": "mse", "q": "mae"}, loss_weights={"p": 1.0, "q": 0.5})
    copy = keras.models.clone_model(two)
    copy.set_weights(two.get_weights())
    targets = {"p": y, "q": np.hstack([y, y])}
    assert copy.evaluate(x, targets, verbose=0) == pytest.approx(two.evaluate(x, targets, verbose=0))
