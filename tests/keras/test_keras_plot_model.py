"""keras.utils.plot_model drawn with matplotlib: the graph it draws and the PNG it writes."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as tf
from minidl.keras.plot_model import layer_graph

keras = tf.keras
layers = keras.layers

pytest.importorskip("matplotlib")


def two_input_model() -> keras.Model:
    title = keras.Input((None,), name="title")
    tags = keras.Input((12,), name="tags")
    features = layers.LSTM(4, name="lstm")(layers.Embedding(50, 3, name="embed")(title))
    joined = layers.concatenate([features, tags], name="joined")
    return keras.Model([title, tags], {"priority": layers.Dense(1, name="priority")(joined),
                                       "department": layers.Dense(3, name="department")(joined)})


def test_graph_of_a_functional_model_follows_the_calls():
    model = two_input_model()
    found, edges = layer_graph(model)
    names = [layer.name for layer in found]
    named_edges = {(names[a], names[b]) for a, b in edges}
    assert named_edges == {("title", "embed"), ("embed", "lstm"), ("lstm", "joined"), ("tags", "joined"),
                           ("joined", "priority"), ("joined", "department")}
    assert all(names.index(a) < names.index(b) for a, b in named_edges)  # every layer after its inputs


def test_plot_model_writes_a_png_and_returns_the_figure(tmp_path):
    import matplotlib.pyplot as plt

    sequential = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3, activation="relu"),
                                   layers.Flatten(), layers.Dense(10, activation="softmax")])
    found, edges = layer_graph(sequential)
    assert [type(layer).__name__ for layer in found] == ["InputLayer", "Conv2D", "Flatten", "Dense"]
    assert edges == [(0, 1), (1, 2), (2, 3)]
    for model, options in ((sequential, {"show_shapes": True, "show_layer_activations": True}),
                           (two_input_model(), {"rankdir": "LR", "show_trainable": True, "dpi": 50})):
        path = tmp_path / f"{model.name}.png"
        fig = keras.utils.plot_model(model, to_file=path, **options)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]  # not the arrows
        assert len(texts) == len(layer_graph(model)[0])
        plt.close(fig)
    assert "(None, 26, 26, 4) -> (None, 2704)" in "\n".join(
        t.get_text() for t in keras.utils.plot_model(sequential, to_file=None, show_shapes=True).axes[0].texts)
    plt.close("all")


def test_plot_model_errors_say_what_to_do():
    class Net(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    net = Net()
    net(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match="subclassed model.*model.summary"):
        keras.utils.plot_model(net, to_file=None)
    with pytest.raises(ValueError, match="not built yet"):
        keras.utils.plot_model(keras.Sequential([layers.Dense(2)]), to_file=None)
    with pytest.raises(ValueError, match="rankdir"):
        keras.utils.plot_model(two_input_model(), to_file=None, rankdir="BT")
    with pytest.raises(NotImplementedError, match="plot_model"):
        keras.utils.model_to_dot(two_input_model())
