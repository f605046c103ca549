"""``keras.utils.plot_model``: the layer graph of a model drawn with matplotlib.

Keras draws it with Graphviz (pydot); minidl lays the graph out itself: each layer is a
box on the row of its depth (the longest path from an input), arrows go from a layer to
the layers that take its output.  The picture is saved as PNG and the figure returned.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..plot._common import new_figure
from .layers.core import InputLayer
from .models.summary import shape_text


def layer_graph(model: Any) -> tuple[list[Any], list[tuple[int, int]]]:
    """(layers in drawing order, edges as (from index, to index)) of a Sequential or functional model."""
    from .models.functional import Functional
    from .models.model import Model
    from .models.sequential import Sequential

    if not isinstance(model, Model):
        raise TypeError(f"plot_model expects a keras Model (Sequential or functional), got {type(model).__name__}")
    if isinstance(model, Sequential):
        if not model.built:
            raise ValueError(f"plot_model: Sequential model {model.name!r} is not built yet; give it an "
                             "Input (or input_shape=) or call it on data first")
        layers = [model.inputs[0].history[0], *model.layers]
        return layers, [(i, i + 1) for i in range(len(layers) - 1)]
    if isinstance(model, Functional):
        layers: list[Any] = []
        index: dict[int, int] = {}
        for layer, *_ in model._nodes:  # every call after the calls producing its inputs
            if id(layer) not in index:
                index[id(layer)] = len(layers)
                layers.append(layer)
        edges = {(index[id(source.history[0])], index[id(layer)])
                 for layer, sources, _, _ in model._nodes for source in sources}
        return layers, sorted(edges)
    raise ValueError(f"plot_model draws Sequential and functional models; {type(model).__name__} is a "
                     "subclassed model, whose layers are joined by Python code in call(): use model.summary()")


def plot_model(model: Any, to_file: str | os.PathLike | None = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = True, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200, show_layer_activations: bool = False,
               show_trainable: bool = False, **kwargs: Any) -> Any:
    """Draw the model's layer graph; returns the matplotlib figure (saved to ``to_file``)."""
    if kwargs:  # as Keras: a misspelt option (show_shape=True) must not be ignored silently
        raise ValueError(f"plot_model got unrecognized keyword arguments: {sorted(kwargs)}")
    if to_file is not None and not isinstance(to_file, (str, os.PathLike)):
        raise TypeError(f"plot_model to_file must be a file path (str or pathlib.Path) or None, got "
                        f"{type(to_file).__name__}")
    folder = os.path.dirname(os.fspath(to_file)) if to_file is not None else ""
    if folder and not os.path.isdir(folder):
        raise FileNotFoundError(f"plot_model cannot save to {os.fspath(to_file)!r}: folder {folder!r} does not exist")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float, np.number)) or not dpi > 0:
        raise ValueError(f"plot_model dpi must be a positive number, got {dpi!r}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model rankdir must be 'TB' (top to bottom) or 'LR' (left to right), got {rankdir!r}")
    layers, edges = layer_graph(model)
    depth = [0] * len(layers)
    for src, dst in sorted(edges, key=lambda e: e[1]):  # sources come first in the order
        depth[dst] = max(depth[dst], depth[src] + 1)
    rows = _ordered_rows(depth, edges)
    width = max(len(r) for r in rows.values())
    positions = {}
    for d, members in rows.items():
        for k, i in enumerate(members):
            along, across = -d * 1.0, (k - (len(members) - 1) / 2) * 3.2
            positions[i] = (across, along) if rankdir == "TB" else (-along * 3.2, -across / 3.2)
    fig = new_figure(max(4.0, 3.4 * width) if rankdir == "TB" else 3.6 * len(rows),
                     max(2.0, 1.05 * len(rows)) if rankdir == "TB" else max(2.0, 1.1 * width))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    boxes = [ax.text(*positions[i], _label(layer, show_shapes, show_dtype, show_layer_names,
                                          show_layer_activations, show_trainable),
                     ha="center", va="center", fontsize=8, family="monospace", zorder=2,
                     bbox={"boxstyle": "round,pad=0.4", "edgecolor": "0.3",
                           "facecolor": "#dbe9f6" if isinstance(layer, InputLayer) else "white"})
             for i, layer in enumerate(layers)]
    for src, dst in edges:  # clipped to the boxes, so that every arrow head shows
        ax.annotate("", xy=positions[dst], xytext=positions[src], zorder=3,  # drawn after the boxes
                    arrowprops={"arrowstyle": "-|>", "color": "0.35", "patchA": boxes[src].get_bbox_patch(),
                                "patchB": boxes[dst].get_bbox_patch(), "shrinkA": 2, "shrinkB": 2})
    xs, ys = zip(*positions.values())
    ax.set_xlim(min(xs) - 1.8, max(xs) + 1.8)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    fig.tight_layout()
    if to_file is not None:
        fig.savefig(os.fspath(to_file), dpi=dpi, bbox_inches="tight")
    return fig


def _ordered_rows(depth: list[int], edges: list[tuple[int, int]]) -> dict[int, list[int]]:
    """The layers of each depth, ordered to cross few arrows: each row by the mean place of its
    parents (top down), then of its children (bottom up), then of its parents again."""
    rows: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        rows.setdefault(d, []).append(i)
    place = {i: k - (len(members) - 1) / 2 for members in rows.values() for k, i in enumerate(members)}

    def mean_place(i: int, neighbours: dict[int, list[int]]) -> float:
        near = neighbours.get(i, [])
        return sum(place[j] for j in near) / len(near) if near else place[i]

    parents: dict[int, list[int]] = {}
    children: dict[int, list[int]] = {}
    for src, dst in edges:
        parents.setdefault(dst, []).append(src)
        children.setdefault(src, []).append(dst)
    order = sorted(rows)
    for sweep, neighbours in ((order[1:], parents), (order[::-1][1:], children), (order[1:], parents)):
        for d in sweep:
            rows[d].sort(key=lambda i: mean_place(i, neighbours))
            place.update({i: k - (len(rows[d]) - 1) / 2 for k, i in enumerate(rows[d])})  # centred rows
    return rows


def _label(layer: Any, shapes: bool, dtype: bool, names: bool, activations: bool, trainable: bool) -> str:
    title = f"{layer.name} ({type(layer).__name__})" if names else type(layer).__name__
    lines = [title]
    if activations and getattr(layer, "activation", None) is not None:
        lines.append(f"activation: {getattr(layer.activation, '__name__', layer.activation)}")
    if shapes:
        given = layer.input_spec_shape if not isinstance(layer, InputLayer) else layer.batch_input_shape
        lines.append(f"{shape_text(given)} -> {shape_text(layer.output_shape)}")
    if dtype:
        lines.append("float32" if not isinstance(layer, InputLayer) else str(layer.output.dtype))
    if trainable:
        lines.append(f"trainable: {layer.trainable}")
    return "\n".join(lines)


def model_to_dot(model: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("model_to_dot builds a pydot (Graphviz) graph, which minidl does not use; "
                              "keras.utils.plot_model(model, to_file=...) draws the graph with matplotlib")


__all__ = ["plot_model", "model_to_dot"]
