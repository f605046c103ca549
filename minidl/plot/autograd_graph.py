"""The computation graph behind a tensor, drawn with matplotlib or listed as text.

Every operation on tensors that need gradients records a ``Function`` as the output's
``creator``, with the input tensors in ``creator.inputs``.  Walking back from a tensor
through these links gives a DAG with two kinds of nodes:

* tensor nodes (rounded boxes): the leaves — parameters, inputs, constants — and every
  intermediate result, labelled with their name (if any), shape and dtype;
* op nodes (square boxes): one per Function, labelled with its class name (``Mul``,
  ``MatMul``, ``Conv2d``...), with an edge from each input tensor and one to its output.

Only operations that involve a tensor with ``requires_grad=True`` are recorded, and
``backward()`` frees the graph (unless ``retain_graph=True``): draw before backward.

The layout is the classic layered one: a node's layer is the length of the longest
path from a leaf to it, so every edge points downwards; within a layer, nodes are
ordered by the mean position of their parents (the barycentre heuristic), which
keeps most edges short and uncrossed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ops.common import is_shared_constant
from ._common import finish, new_figure

PathLike = str | os.PathLike | None


@dataclass
class GraphNode:
    """One node: ``kind`` is "tensor" or "op"; ``parents`` are the node ids feeding it."""

    id: int
    kind: str
    label: str
    parents: list[int] = field(default_factory=list)
    obj: Any = None


def _tensor_label(t: Any) -> str:
    name = getattr(t, "name", None)
    if not name:
        name = ("leaf" if t.requires_grad else "const") if t.creator is None else ""
    shape = "scalar" if t.shape == () else str(tuple(t.shape))
    return f"{name}\n{shape} {t.dtype}".strip()


def graph_nodes(tensor: Any) -> list[GraphNode]:
    """The nodes of the graph that produced ``tensor``, each after all of its parents.

    Iterative depth-first post-order, so very long chains do not hit the recursion limit.
    A tensor used twice is one node; the constants that Python numbers become (``x * 2.0``)
    are one node per use, although minidl shares them (:func:`minidl.ops.common.is_shared_constant`).
    """
    nodes: list[GraphNode] = []
    ids: dict[Any, int] = {}  # key of a tensor or Function -> node id

    def key_of(obj: Any, user: Any) -> Any:
        return (id(obj), id(user)) if is_shared_constant(obj) else id(obj)

    def parents_of(obj: Any, is_tensor: bool) -> list:
        if is_tensor:
            return [] if obj.creator is None else [(obj.creator, False, id(obj.creator))]
        if getattr(obj, "released", False) or obj.inputs is None:
            raise ValueError("the graph was freed by backward(); draw it before calling backward(), "
                             "or call backward(retain_graph=True)")
        return [(t, True, key_of(t, obj)) for t in obj.inputs]

    stack = [(tensor, True, False, id(tensor))]
    while stack:
        obj, is_tensor, expanded, key = stack.pop()
        if key in ids:
            continue
        parents = parents_of(obj, is_tensor)
        if not expanded:
            stack.append((obj, is_tensor, True, key))
            stack.extend((p, p_is_tensor, False, k) for p, p_is_tensor, k in reversed(parents)
                         if k not in ids)
            continue
        ids[key] = len(nodes)
        label = _tensor_label(obj) if is_tensor else _op_label(obj)
        nodes.append(GraphNode(len(nodes), "tensor" if is_tensor else "op", label,
                               [ids[k] for _, _, k in parents], obj))
    return nodes


def _op_label(fn: Any) -> str:
    """The op's class name, with "+ReLU" for the fused nodes (Linear, Conv2d with relu=True)."""
    return type(fn).__name__ + ("+ReLU" if getattr(fn, "relu", False) is True else "")


def graph_text(tensor: Any) -> str:
    """The graph as a listing, one line per tensor, e.g. ``t4 = Mul(t0, t3)  (2, 3) float32``."""
    nodes = graph_nodes(tensor)
    names = {}
    lines = []
    for node in nodes:
        if node.kind == "op":
            continue
        t = node.obj
        names[node.id] = f"t{len(names)}"
        shape = f"{tuple(t.shape)} {t.dtype}"
        if not node.parents:
            kind = "requires_grad" if t.requires_grad else "constant"
            name = f" {t.name}" if getattr(t, "name", None) else ""
            lines.append(f"{names[node.id]} = leaf{name}  {shape}  ({kind})")
        else:
            op = nodes[node.parents[0]]
            args = ", ".join(names[p] for p in op.parents)
            lines.append(f"{names[node.id]} = {op.label}({args})  {shape}")
    n_ops = sum(node.kind == "op" for node in nodes)
    return "\n".join([f"# {n_ops} ops, {len(nodes) - n_ops} tensors", *lines])


def layout(nodes: list[GraphNode]) -> tuple[dict[int, tuple[float, float]], dict[tuple[int, int], list]]:
    """Positions (x, y) of the nodes and the bend points of the long edges.

    y = -layer, the layer being the longest path from a leaf (leaves sit just above
    their first use).  An edge spanning several layers gets one invisible waypoint per
    layer it crosses (Sugiyama's dummy nodes), so that it takes a slot in those rows
    and never runs through another node.  x: each row is sorted by the mean x of the
    parents (barycentre heuristic) and centred.
    """
    layer: dict[int, int] = {}
    for node in nodes:  # parents come first, so one pass gives the longest path
        layer[node.id] = 1 + max((layer[p] for p in node.parents), default=-1)
    children: dict[int, list[int]] = {}
    for node in nodes:
        for p in node.parents:
            children.setdefault(p, []).append(node.id)
    for node in nodes:
        if not node.parents and node.id in children:
            layer[node.id] = min(layer[c] for c in children[node.id]) - 1
    parents = {node.id: list(node.parents) for node in nodes}
    routes: dict[tuple[int, int], list[int]] = {}  # (child, input index) -> waypoint ids
    for node in nodes:
        for i, p in enumerate(node.parents):
            previous, route = p, []
            for depth in range(layer[p] + 1, layer[node.id]):
                dummy = len(layer)
                layer[dummy], parents[dummy] = depth, [previous]
                previous = dummy
                route.append(dummy)
            if route:
                parents[node.id][i] = previous
                routes[(node.id, i)] = route
    rows: dict[int, list[int]] = {}
    for n in sorted(layer):
        rows.setdefault(layer[n], []).append(n)
    x: dict[int, float] = {}
    for depth in sorted(rows):
        row = rows[depth]
        wanted = {n: np.mean([x[p] for p in parents[n]]) if parents[n] else -np.inf for n in row}
        row.sort(key=lambda n: wanted[n])
        for i, n in enumerate(row):
            x[n] = i - (len(row) - 1) / 2
    pos = {n: (x[n], -float(layer[n])) for n in x}
    bends = {edge: [pos[d] for d in route] for edge, route in routes.items()}
    return {node.id: pos[node.id] for node in nodes}, bends


def graph(tensor: Any, max_nodes: int = 200, path: PathLike = None) -> Any:
    """Draw the computation graph of ``tensor`` (leaves on top, ``tensor`` at the bottom)."""
    from matplotlib.patches import FancyArrowPatch

    nodes = graph_nodes(tensor)
    if len(nodes) > max_nodes:
        raise ValueError(f"the graph has {len(nodes)} nodes (more than max_nodes={max_nodes}); "
                         "use graph_text(tensor) or raise max_nodes")
    pos, bends = layout(nodes)
    every = [*pos.values(), *(b for route in bends.values() for b in route)]
    width = max(sum(1 for p in every if p[1] == y) for y in {p[1] for p in every})
    depth = -min(p[1] for p in pos.values()) + 1
    fig = new_figure(max(4.0, 2.0 * width), max(3.0, 1.1 * depth))
    ax = fig.add_subplot(1, 1, 1)
    for node in nodes:  # one arrow per edge; a long edge is a line through its bends first
        for i, p in enumerate(node.parents):
            points = [pos[p], *bends.get((node.id, i), [])]
            if len(points) > 1:
                ax.plot([q[0] for q in points], [q[1] for q in points], color="0.4", linewidth=1)
            ax.add_patch(FancyArrowPatch(points[-1], pos[node.id], arrowstyle="-|>", mutation_scale=12,
                                         shrinkA=14 if len(points) == 1 else 0, shrinkB=14, color="0.4"))
    for node in nodes:
        is_op = node.kind == "op"
        style = dict(boxstyle="square,pad=0.4" if is_op else "round,pad=0.4",
                     facecolor="#ffd59e" if is_op else ("#cfe8ff" if node.parents else "#d8f5d0"),
                     edgecolor="0.3")
        ax.text(*pos[node.id], node.label, ha="center", va="center", fontsize=8,
                fontweight="bold" if is_op else "normal", bbox=style)
    xs = [p[0] for p in pos.values()] + [b[0] for route in bends.values() for b in route]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(-depth + 0.4, 0.6)
    ax.axis("off")
    n_ops = sum(node.kind == "op" for node in nodes)
    ax.set_title(f"computation graph: {n_ops} ops, {len(nodes) - n_ops} tensors")
    return finish(fig, path)
