"""model.summary() after fit: the "Optimizer params" line and a Total that includes it (Keras 3).

The expected numbers were printed by Keras 3.15 (JAX backend) for the same model, a
Dense(16) -> BatchNormalization -> Dense(1) MLP on 8 features (193 trainable weights, 32
non-trainable), after one epoch of fit with each optimizer."""

from __future__ import annotations

import numpy as np
import pytest

from minidl.keras import Input, Sequential, layers, optimizers

KERAS_OPTIMIZER_PARAMS = [  # (optimizer, Keras's "Optimizer params" line, Keras's "Total params" line)
    (lambda: optimizers.SGD(0.01), "2 (8.00 B)", "227 (908.00 B)"),
    (lambda: optimizers.SGD(0.01, momentum=0.9), "195 (780.00 B)", "420 (1.64 KB)"),
    (lambda: optimizers.SGD(0.01, momentum=0.9, nesterov=True), "195 (780.00 B)", "420 (1.64 KB)"),
    (lambda: optimizers.Adam(), "388 (1.52 KB)", "613 (2.39 KB)"),
    (lambda: optimizers.Adam(amsgrad=True), "581 (2.27 KB)", "806 (3.15 KB)"),
    (lambda: optimizers.AdamW(), "388 (1.52 KB)", "613 (2.39 KB)"),
    (lambda: optimizers.RMSprop(), "195 (780.00 B)", "420 (1.64 KB)"),
    (lambda: optimizers.RMSprop(momentum=0.9, centered=True), "581 (2.27 KB)", "806 (3.15 KB)"),
    (lambda: optimizers.Adagrad(), "195 (780.00 B)", "420 (1.64 KB)"),
    (lambda: optimizers.Nadam(), "389 (1.52 KB)", "614 (2.40 KB)"),  # + Keras's u_product scalar
    (lambda: optimizers.Adamax(), "388 (1.52 KB)", "613 (2.39 KB)"),
    # a schedule is no variable: only the iteration count is left
    (lambda: optimizers.SGD(optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)), "1 (4.00 B)", "226 (904.00 B)"),
]


def mlp() -> Sequential:
    return Sequential([Input((8,)), layers.Dense(16, activation="relu"), layers.BatchNormalization(),
                       layers.Dense(1)])


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((64, 8), dtype=np.float32), rng.random((64, 1), dtype=np.float32)


def summary_lines(model: Sequential) -> dict[str, str]:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    counts = [line.strip().split(": ", 1) for line in "\n".join(lines).splitlines() if "params:" in line]
    return dict(counts)


@pytest.mark.parametrize("make_optimizer, optimizer_line, total_line", KERAS_OPTIMIZER_PARAMS)
def test_optimizer_params_after_fit_match_keras(make_optimizer, optimizer_line, total_line):
    model = mlp()
    model.compile(make_optimizer(), "mse")
    before = summary_lines(model)
    assert "Optimizer params" not in before  # not built yet: Keras prints no line either
    assert before["Total params"] == "225 (900.00 B)"
    model.fit(*data(), epochs=1, verbose=0)
    after = summary_lines(model)
    assert after["Optimizer params"] == optimizer_line
    assert after["Total params"] == total_line
    assert after["Trainable params"] == "193 (772.00 B)"
    assert after["Non-trainable params"] == "32 (128.00 B)"


def test_mnist_mlp_adam_line_from_keras_docs():
    """784 -> 128 -> 10 with Adam: 2 slots per weight + iteration + learning rate."""
    model = Sequential([Input((784,)), layers.Dense(128, activation="relu"), layers.Dense(10)])
    model.compile("adam", "mse")
    model.train_on_batch(np.zeros((2, 784), np.float32), np.zeros((2, 10), np.float32))
    assert summary_lines(model)["Optimizer params"] == "203,542 (795.09 KB)"


def test_frozen_layer_then_recompile_counts_only_trainable_weights():
    """Transfer learning: freeze, recompile with a new optimizer, fit (Keras: 51 = 49 momenta + 2)."""
    model = mlp()
    model.compile("adam", "mse")
    model.fit(*data(), verbose=0)
    model.layers[0].trainable = False
    model.compile(optimizers.SGD(momentum=0.9), "mse")
    assert "Optimizer params" not in summary_lines(model)
    model.fit(*data(), verbose=0)
    lines = summary_lines(model)
    assert lines["Optimizer params"] == "51 (204.00 B)"
    assert lines["Total params"] == "276 (1.08 KB)"
    assert lines["Non-trainable params"] == "176 (704.00 B)"


def test_optimizer_variables_list_as_keras():
    optimizer = optimizers.Adam(0.01)
    model = mlp()
    model.compile(optimizer, "mse")
    model.fit(*data(), batch_size=32, verbose=0)
    variables = optimizer.variables
    assert int(variables[0]) == 2 and float(variables[1]) == pytest.approx(0.01)  # iteration, lr
    assert len(variables) == 2 + 2 * 6  # momentum and velocity for each of the 6 trainable weights
    assert [v.shape for v in variables[2:4]] == [(8, 16), (8, 16)]
