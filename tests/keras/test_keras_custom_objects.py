"""Custom layers and subclassed models as keras.io writes them, pinned to Keras 3.15.

``@keras.saving.register_keras_serializable()``, ``custom_objects=`` and
``custom_object_scope`` let ``load_model`` rebuild a custom layer from its ``get_config``.
Reference numbers: the same program under Keras 3.15 (JAX backend), same starting weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as tf
from minidl.errors import MinidlError

keras = tf.keras
layers = keras.layers


class Linear(layers.Layer):
    """The keras.io "making new layers" example: build() creates the weights with add_weight."""

    def __init__(self, units: int = 32, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape) -> None:
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="b")

    def call(self, inputs):
        return inputs @ self.w + self.b

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units}


class MLP(keras.Model):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.linear_1 = Linear(4)
        self.linear_2 = Linear(3)

    def call(self, inputs):
        return self.linear_2(keras.activations.relu(self.linear_1(inputs)))


def test_subclassed_model_of_custom_layers_trains_as_keras(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 5)).astype("float32"), rng.integers(0, 3, 12)
    mlp = MLP()
    mlp(x[:1])
    shapes = [w.shape for w in mlp.get_weights()]
    assert shapes == [(5, 4), (4,), (4, 3), (3,)]
    mlp.set_weights([np.linspace(-1, 1, int(np.prod(s))).reshape(s).astype("float32") * (i + 1) / 3
                     for i, s in enumerate(shapes)])
    mlp.compile(optimizer=keras.optimizers.Adam(0.01),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["sparse_categorical_accuracy"])
    history = mlp.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [1.59036, 1.54559, 1.50861], rtol=2e-5)
    np.testing.assert_allclose(history.history["sparse_categorical_accuracy"], [0.41667] * 3, rtol=1e-4)
    predicted = mlp.predict(x[:2], verbose=0)
    np.testing.assert_allclose(predicted, [[-0.85184, 0.56833, 1.76897], [-0.77771, 0.66631, 1.88783]],
                               rtol=2e-5)
    mlp.save_weights(tmp_path / "mlp.weights.h5")
    again = MLP()
    again(x[:1])
    again.load_weights(tmp_path / "mlp.weights.h5")
    np.testing.assert_array_equal(again.predict(x[:2], verbose=0), predicted)


def functional_with(layer: layers.Layer) -> keras.Model:
    inputs = keras.Input((5,))
    return keras.Model(inputs, layers.Dense(2)(layer(inputs)))


def test_custom_layer_reloads_through_custom_objects_scope_and_registry(tmp_path):
    x = np.random.default_rng(2).normal(size=(3, 5)).astype("float32")
    model = functional_with(Linear(6, name="lin"))
    expected = model.predict(x, verbose=0)
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(MinidlError, match=r"unknown layer 'Linear'.*register_keras_serializable"):
        keras.models.load_model(path)
    by_argument = keras.models.load_model(path, custom_objects={"Linear": Linear})
    np.testing.assert_array_equal(by_argument.predict(x, verbose=0), expected)
    assert by_argument.get_layer("lin").units == 6
    with keras.saving.custom_object_scope({"Linear": Linear}):
        np.testing.assert_array_equal(keras.models.load_model(path).predict(x, verbose=0), expected)
    with pytest.raises(MinidlError):  # the scope ended
        keras.models.load_model(path)


def test_register_keras_serializable_as_keras(tmp_path):
    @keras.saving.register_keras_serializable(package="course")
    class Scale(layers.Layer):
        def __init__(self, factor: float = 2.0, **kwargs) -> None:
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self) -> dict:
            return {**super().get_config(), "factor": self.factor}

    assert keras.saving.get_registered_name(Scale) == "course>Scale"  # Keras 3.15 prints the same
    assert keras.saving.get_registered_object("course>Scale") is Scale
    assert keras.utils.get_custom_objects()["course>Scale"] is Scale
    model = keras.Sequential([keras.Input((5,)), Scale(3.0), layers.Dense(2)])
    model.save(tmp_path / "scale.keras")
    reloaded = keras.saving.load_model(tmp_path / "scale.keras")
    assert reloaded.layers[0].factor == 3.0
    x = np.ones((2, 5), "float32")
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(TypeError, match="no get_config"):
        keras.utils.register_keras_serializable()(type("NoConfig", (), {}))
    for key in ("course>Scale", "Scale"):  # leave the global registry as the other tests expect it
        keras.saving.get_custom_objects().pop(key)
