"""``minidl.utils.data``: PyTorch's data loading API (``torch.utils.data``).

    from minidl.utils.data import DataLoader, TensorDataset, random_split

    dataset = TensorDataset(x_train, y_train)            # NumPy arrays or tensors
    train, val = random_split(dataset, [0.9, 0.1])       # seeded by mdl.manual_seed
    for xb, yb in DataLoader(train, batch_size=64, shuffle=True):
        ...

The datasets live in :mod:`minidl.utils.datasets`, the loader and the collation rules
(and where they differ from PyTorch's) in :mod:`minidl.utils.dataloader`.
"""

from __future__ import annotations

from .dataloader import DataLoader, default_collate, default_convert
from .datasets import ConcatDataset, Dataset, Subset, TensorDataset, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
           "DataLoader", "default_collate", "default_convert"]
