"""Plots about training and evaluation: learning curves, confusion matrix, decision boundary."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._common import finish, new_figure, to_numpy

PathLike = str | os.PathLike | None


def _history_dict(history: Any) -> dict[str, list[float]]:
    logs = history.history if hasattr(history, "history") else history
    if not isinstance(logs, dict) or not logs:
        raise ValueError("learning_curves expects a History (from model.fit) or a non-empty dict "
                         f"such as {{'loss': [...], 'val_loss': [...]}}, got {history!r}")
    out = {}
    for key, values in logs.items():
        values = np.asarray(values, dtype=float).ravel()
        if values.size == 0:
            raise ValueError(f"history entry {key!r} is empty")
        out[key] = values
    return out


def best_epoch(logs: dict[str, Any], monitor: str | None = None) -> tuple[str, int]:
    """The monitored series (default ``val_loss``, else ``loss``) and the index of its best
    value: the minimum for losses and errors, the maximum for anything else (accuracy...)."""
    monitor = monitor or ("val_loss" if "val_loss" in logs else "loss" if "loss" in logs else next(iter(logs)))
    if monitor not in logs:
        raise ValueError(f"monitor {monitor!r} is not in the history; it holds {sorted(logs)}")
    values = np.asarray(logs[monitor], dtype=float)
    lower_is_better = any(word in monitor for word in ("loss", "error", "mse", "mae"))
    return monitor, int(np.nanargmin(values) if lower_is_better else np.nanargmax(values))


def learning_curves(history: Any, monitor: str | None = None, path: PathLike = None) -> Any:
    """One panel per quantity (loss, accuracy, ...): training vs validation per epoch.

    The best epoch of ``monitor`` (default ``val_loss``) is marked on every panel by a
    dashed line, and by a dot on the monitored curve: with early stopping in mind,
    it is where validation stops improving while training keeps going (overfitting).
    """
    from matplotlib.ticker import MaxNLocator

    logs = _history_dict(history)
    names = list(dict.fromkeys(k[4:] if k.startswith("val_") else k for k in logs))
    monitor, best = best_epoch(logs, monitor)
    fig = new_figure(4.5 * len(names), 3.5)
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        for key, label, style in ((name, "train", "-"), (f"val_{name}", "validation", "--")):
            if key in logs:
                epochs = np.arange(1, len(logs[key]) + 1)
                ax.plot(epochs, logs[key], style, marker="o", markersize=3, label=label)
        if monitor in (name, f"val_{name}"):
            ax.plot(best + 1, logs[monitor][best], "r*", markersize=12, label=f"best ({monitor})")
        ax.axvline(best + 1, color="red", linestyle=":", linewidth=1)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"best epoch: {best + 1} ({monitor} = {logs[monitor][best]:.4g})")
    return finish(fig, path)


def _labels_from(y: Any) -> np.ndarray:
    """Class ids from labels, one-hot rows or per-class scores (argmax)."""
    y = to_numpy(y)
    return y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))


def confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None, normalize: str | None = None,
                     display_labels: list[str] | None = None, path: PathLike = None) -> Any:
    """The confusion matrix as a heat map with the value in each cell.

    Rows are true classes, columns predicted classes (scikit-learn's convention), as
    computed by :func:`minidl.metrics.confusion_matrix`.  ``y_true``/``y_pred`` may be
    labels, one-hot rows or class scores (``model.predict`` output: the argmax is used).
    ``normalize``: None (counts), "true" (rows sum to 1), "pred" or "all".
    """
    from .. import metrics

    t, p = _labels_from(y_true), _labels_from(y_pred)
    cm = metrics.confusion_matrix(t, p, labels=labels, normalize=normalize)
    classes = list(labels) if labels is not None else list(np.unique(np.concatenate([t, p])))
    names = [str(c) for c in (display_labels or classes)]
    if len(names) != cm.shape[0]:
        raise ValueError(f"display_labels has {len(names)} names but there are {cm.shape[0]} classes")
    size = 1.2 + 0.6 * len(names)
    fig = new_figure(size + 1.5, size)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax)
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            text = f"{cm[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center", color="white" if cm[i, j] > threshold else "black")
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix" + (f" (normalized over {normalize})" if normalize else ""))
    return finish(fig, path)


def decision_grid(model_or_fn: Any, X: Any, resolution: int = 200,
                  margin: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicted classes on a ``resolution``² grid covering the 2-D points ``X``.

    Returns (xx, yy, classes), each of shape (resolution, resolution).  Outputs with one
    column (or 1-D) are probabilities of class 1 (threshold 0.5); several columns are
    class scores (argmax).  ``margin`` widens the box by that fraction of its size.
    """
    from ..explain import as_function

    X = to_numpy(X)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"decision boundaries need 2-D points: X of shape (n, 2), got {X.shape}")
    low, high = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-12)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    points = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    scores = as_function(model_or_fn)(points)
    if scores.ndim == 2 and scores.shape[1] > 1:
        classes = scores.argmax(axis=1)
    else:
        classes = (scores.reshape(len(points)) > 0.5).astype(int)
    return xx, yy, classes.reshape(xx.shape)


def decision_boundary(model_or_fn: Any, X: Any, y: Any = None, resolution: int = 200,
                      path: PathLike = None) -> Any:
    """The class regions of a 2-D classifier, with the points ``X`` coloured by ``y``."""
    xx, yy, classes = decision_grid(model_or_fn, X, resolution)
    X = to_numpy(X)
    fig = new_figure(5.5, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    n_classes = int(max(classes.max(), 0 if y is None else _labels_from(y).max())) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(xx, yy, classes, levels=levels, cmap="coolwarm", alpha=0.3)
    colors = None if y is None else _labels_from(y)
    ax.scatter(X[:, 0], X[:, 1], c=colors, cmap="coolwarm", vmin=0, vmax=max(n_classes - 1, 1),
               edgecolors="k", s=20)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title("decision boundary")
    return finish(fig, path)
