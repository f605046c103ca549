"""minidl.plot: figures hold the expected axes and artists, with data checked against
independent computations (NumPy counts, the kernel arrays, autograd's own graph walk)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import minidl as mdl  # noqa: E402
from minidl import plot  # noqa: E402
from minidl.autograd import topological_order  # noqa: E402
from minidl.keras import layers, models  # noqa: E402
from minidl.plot.autograd_graph import layout  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _is_png(path) -> bool:
    data = path.read_bytes()
    return len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"


HISTORY = {"loss": [1.0, 0.6, 0.4, 0.3, 0.25], "accuracy": [0.5, 0.7, 0.8, 0.85, 0.9],
           "val_loss": [1.1, 0.7, 0.5, 0.55, 0.6], "val_accuracy": [0.45, 0.6, 0.75, 0.8, 0.7]}


class _History:
    history = HISTORY


def test_learning_curves(tmp_path):
    fig = plot.learning_curves(_History(), path=tmp_path / "curves.png")
    assert _is_png(tmp_path / "curves.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax, key in zip(fig.axes, ("loss", "accuracy")):
        lines = ax.get_lines()
        np.testing.assert_allclose(lines[0].get_ydata(), HISTORY[key])
        np.testing.assert_allclose(lines[1].get_ydata(), HISTORY[f"val_{key}"])
        assert lines[-1].get_xdata()[0] == 3  # the best-epoch line: val_loss is lowest at epoch 3
    star = fig.axes[0].get_lines()[2]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (3, 0.5)
    assert "best epoch: 3" in fig._suptitle.get_text()


def test_learning_curves_monitor_accuracy_and_train_only():
    fig = plot.learning_curves(HISTORY, monitor="val_accuracy")
    assert fig.axes[1].get_lines()[-1].get_xdata()[0] == 4  # highest val_accuracy
    fig = plot.learning_curves({"loss": [3, 2, 1]})
    assert len(fig.axes) == 1 and fig.axes[0].get_lines()[-1].get_xdata()[0] == 3
    with pytest.raises(ValueError, match="non-empty dict"):
        plot.learning_curves({})
    with pytest.raises(ValueError, match="monitor 'val_f1'"):
        plot.learning_curves(HISTORY, monitor="val_f1")


def test_confusion_matrix_cells_match_counts(tmp_path):
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 60)
    scores = rng.random((60, 3))  # model.predict-like scores: the argmax is the prediction
    fig = plot.confusion_matrix(y_true, scores, display_labels=["a", "b", "c"], path=tmp_path / "cm.png")
    assert _is_png(tmp_path / "cm.png")
    expected = np.zeros((3, 3), dtype=int)
    np.add.at(expected, (y_true, scores.argmax(axis=1)), 1)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the matrix and its colour bar
    cells = np.array([int(t.get_text()) for t in ax.texts]).reshape(3, 3)
    np.testing.assert_array_equal(cells, expected)
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="display_labels"):
        plot.confusion_matrix(y_true, scores, display_labels=["a", "b"])


def test_confusion_matrix_normalized():
    fig = plot.confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], normalize="true")
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.50", "0.50", "0.00", "1.00"]


def test_decision_grid_matches_the_rule():
    X = np.random.default_rng(1).normal(size=(50, 2))
    xx, yy, classes = plot.decision_grid(lambda P: 1 / (1 + np.exp(-(P[:, 0] - 2 * P[:, 1]))), X, 60)
    assert xx.shape == yy.shape == classes.shape == (60, 60)
    assert xx.min() < X[:, 0].min() and xx.max() > X[:, 0].max()
    np.testing.assert_array_equal(classes, (xx - 2 * yy > 0).astype(int))
    # three classes by score columns (argmax)
    _, _, classes = plot.decision_grid(lambda P: np.stack([P[:, 0], P[:, 1], -P[:, 0]], axis=1), X, 30)
    assert set(np.unique(classes)) <= {0, 1, 2} and len(np.unique(classes)) == 3


def test_decision_boundary_with_keras_model(tmp_path):
    model = models.Sequential([layers.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[1.0], [-1.0]]), np.zeros(1)])  # class 1 where x1 > x2
    X = np.random.default_rng(2).normal(size=(40, 2))
    xx, yy, classes = plot.decision_grid(model, X, 40)
    agree = classes == (xx > yy)
    assert agree.mean() > 0.99  # only points on the diagonal may round either way
    fig = plot.decision_boundary(model, X, (X[:, 0] > X[:, 1]).astype(int), path=tmp_path / "db.png")
    assert _is_png(tmp_path / "db.png")
    assert len(fig.axes) == 1 and len(fig.axes[0].collections) >= 2  # regions and points
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot.decision_boundary(model, np.zeros((5, 3)))


def test_filters_from_layer(tmp_path):
    mdl.manual_seed(0)
    conv = layers.Conv2D(5, 3)
    conv.build((None, 8, 8, 2))
    fig = plot.filters(conv, in_channel=1, path=tmp_path / "filters.png")
    assert _is_png(tmp_path / "filters.png")
    kernel = conv.kernel.numpy()
    assert len(fig.axes) == 5
    for k, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), kernel[:, :, 1, k])
    with pytest.raises(ValueError, match="in_channel"):
        plot.filters(conv, in_channel=2)
    with pytest.raises(ValueError, match="conv kernel"):
        plot.filters(np.zeros((3, 3)))


def test_filters_from_pytorch_style_conv():
    conv = mdl.nn.Conv2d(2, 3, 3)  # weights HWIO, as Keras
    fig = plot.filters(conv)
    assert len(fig.axes) == 3
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), conv.weight.numpy()[:, :, 0, 1])


def test_filters_rgb_and_max_filters():
    kernel = np.random.default_rng(3).normal(size=(3, 3, 3, 10))
    fig = plot.filters(kernel, max_filters=4)
    assert len(fig.axes) == 4
    image = fig.axes[2].images[0].get_array()
    w = kernel[:, :, :, 2]
    np.testing.assert_allclose(image, (w - w.min()) / np.ptp(w))


def test_feature_maps(tmp_path):
    maps = np.random.default_rng(4).random((1, 6, 7, 4)).astype(np.float32)
    fig = plot.feature_maps(mdl.tensor(maps), path=tmp_path / "maps.png")
    assert _is_png(tmp_path / "maps.png") and len(fig.axes) == 4
    np.testing.assert_array_equal(fig.axes[3].images[0].get_array(), maps[0, :, :, 3])
    with pytest.raises(ValueError, match="one example"):
        plot.feature_maps(np.zeros((2, 6, 6, 4)))


def test_saliency_overlay(tmp_path):
    rng = np.random.default_rng(5)
    image, sal = rng.random((8, 8, 1)), rng.normal(size=(1, 8, 8, 3))
    fig = plot.saliency(image, sal, path=tmp_path / "sal.png")
    assert _is_png(tmp_path / "sal.png")
    assert [ax.get_title() for ax in fig.axes] == ["image", "saliency", "overlay"]
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), np.abs(sal[0]).max(axis=2))
    assert len(fig.axes[2].images) == 2
    with pytest.raises(ValueError, match="does not fit"):
        plot.saliency(image, np.zeros((7, 8)))


def _expression():
    x = mdl.tensor(np.ones((2, 3)), requires_grad=True)
    x.name = "x"
    w = mdl.tensor(np.ones(3), requires_grad=True)
    return ((x * w + 1).tanh().sum(axis=1) * x.sum(axis=1)).mean()


def test_graph_nodes_count_functions_and_tensors(tmp_path):
    y = _expression()
    functions = list(topological_order(y))  # autograd's own walk, independent of the plot code
    tensors = {id(t) for fn in functions for t in fn.inputs} | {id(y)}
    assert (len(functions), len(tensors)) == (7, 10)
    fig = plot.graph(y, path=tmp_path / "graph.png")
    assert _is_png(tmp_path / "graph.png")
    ax = fig.axes[0]
    assert len(ax.texts) == len(functions) + len(tensors)  # one box per node
    assert len(ax.patches) == sum(len(fn.inputs) + 1 for fn in functions)  # one arrow per edge
    labels = sorted(t.get_text() for t in ax.texts if t.get_fontweight() == "bold")  # op boxes
    assert labels == sorted(type(fn).__name__ for fn in functions)
    assert "7 ops, 10 tensors" in ax.get_title()


def test_fused_nodes_say_they_include_relu():
    net = mdl.nn.Sequential(mdl.nn.Linear(3, 4), mdl.nn.ReLU(), mdl.nn.Linear(4, 2))
    text = plot.graph_text(net(mdl.tensor(np.ones((2, 3)))))
    assert "= Linear+ReLU(t0, t1, t2)" in text and "= Linear(t3, t4, t5)" in text
    conv = mdl.ops.conv.conv2d_relu(mdl.tensor(np.ones((1, 4, 4, 1))), mdl.nn.Conv2d(1, 2, 3).weight)
    assert "Conv2d+ReLU" in plot.graph_text(conv)


def test_graph_layout_points_downwards():
    nodes = plot.graph_nodes(_expression())
    pos, _ = layout(nodes)
    for node in nodes:
        for p in node.parents:
            assert pos[p][1] > pos[node.id][1]


def test_graph_text():
    text = plot.graph_text(_expression())
    lines = text.splitlines()
    assert lines[0] == "# 7 ops, 10 tensors" and len(lines) == 11
    assert lines[1] == "t0 = leaf x  (2, 3) float32  (requires_grad)"
    assert lines[3] == "t2 = Mul(t0, t1)  (2, 3) float32"
    assert lines[-1] == "t9 = Mean(t8)  () float32"


def test_graph_edge_cases():
    leaf = mdl.tensor([1.0, 2.0])
    assert len(plot.graph_nodes(leaf)) == 1 and len(plot.graph(leaf).axes[0].texts) == 1
    x = mdl.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):  # a long chain: no recursion limit
        y = y * 1.0
    assert len(plot.graph_nodes(y)) == 1 + 3000 * 3
    with pytest.raises(ValueError, match="max_nodes"):
        plot.graph(y)
    z = _expression()
    z.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        plot.graph(z)
