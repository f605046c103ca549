"""Helpers shared by the plotting functions: figures, saving, array conversion."""

from __future__ import annotations

import os
from typing import Any

import numpy as np


def new_figure(width: float, height: float) -> Any:
    """A pyplot figure (so ``plt.show()`` and notebooks display it).

    pyplot picks a non-interactive backend (Agg) by itself on a machine without a
    display, so these functions also work on servers and in CI.  Close figures you
    no longer need with ``plt.close(fig)``.
    """
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(width, height))


def finish(fig: Any, path: str | os.PathLike | None) -> Any:
    """Lay the figure out, save it as PNG when ``path`` is given, and return it."""
    fig.tight_layout()
    if path is not None:
        fig.savefig(os.fspath(path), format="png", dpi=100, bbox_inches="tight")
    return fig


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array from a NumPy array, a list, a minidl Tensor or Parameter."""
    if hasattr(x, "numpy") and callable(x.numpy):
        return np.asarray(x.numpy())
    return np.asarray(x)


def grid(n: int) -> tuple[int, int]:
    """Rows and columns of a nearly square grid holding ``n`` panels."""
    cols = int(np.ceil(np.sqrt(n)))
    return int(np.ceil(n / cols)), cols
