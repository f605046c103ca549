"""Keras's ``keras.datasets.mnist``, served from the copy shipped with minidl.

>>> from minidl.keras.datasets import mnist
>>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
>>> x_train.shape, x_train.dtype
((60000, 28, 28), dtype('uint8'))
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import numpy as np

from minidl.datasets import mnist as _mnist

__all__ = ["load_data"]


def load_data(
    path: str | PathLike[str] = "mnist.npz",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return ``(x_train, y_train), (x_test, y_test)`` as ``keras.datasets.mnist.load_data``.

    Same signature and same arrays as Keras: uint8 images of shape
    (60000, 28, 28) and (10000, 28, 28), uint8 labels 0-9.

    In Keras ``path`` names the file the download is cached in. minidl ships
    the data, so there is nothing to download and a file name is accepted and
    unused (the arrays are the same either way). A directory holding the four
    IDX ``.gz`` files and ``SHA256SUMS`` is read instead of the shipped copy
    (see :func:`minidl.datasets.mnist.load_data`).
    """
    folder = Path(path).expanduser()
    return _mnist.load_data(folder if folder.is_dir() else None)
