"""Data for the course: MNIST (shipped with the package), toy sets, splits and batches.

>>> from minidl import datasets
>>> (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
>>> X, y = datasets.make_moons(200, noise=0.1, seed=0)
>>> X_tr, X_val, X_te, y_tr, y_val, y_te = datasets.train_val_test_split(X, y, seed=0)
>>> for xb, yb in datasets.batches(X_tr, y_tr, batch_size=32, seed=0):
...     pass
"""

from minidl.datasets import mnist
from minidl.datasets.mnist import DatasetError
from minidl.datasets.synthetic import (
    make_blobs,
    make_moons,
    make_regression,
    make_sequence_task,
    make_spirals,
)
from minidl.datasets.utils import (
    Standardizer,
    as_generator,
    batches,
    standardize,
    train_test_split,
    train_val_test_split,
)

__all__ = [
    "mnist",
    "DatasetError",
    "make_blobs",
    "make_moons",
    "make_regression",
    "make_sequence_task",
    "make_spirals",
    "Standardizer",
    "as_generator",
    "batches",
    "standardize",
    "train_test_split",
    "train_val_test_split",
]
