"""``keras.utils.PyDataset``: the base class of a dataset that hands out whole batches.

    class Batches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):                         # batches per epoch
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, i):                  # batch i: (x, y) or (x, y, sample_weight)
            rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
            return self.x[rows], self.y[rows]

    model.fit(Batches(x, y, 32), epochs=5)

``fit`` visits the batches in a new random order each epoch when ``shuffle=True`` and
calls ``on_epoch_begin``/``on_epoch_end`` around each epoch (see models/batches.py).
minidl loads in the main process: ``workers``, ``use_multiprocessing`` and
``max_queue_size`` are kept for compatibility with Keras code but change nothing.
"""

from __future__ import annotations

from typing import Any


class PyDataset:
    """Subclass it and define ``__len__`` (number of batches) and ``__getitem__(i)`` (batch i)."""

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index) returning "
                                  "batch `index` as (x, y) or (x, y, sample_weight)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self): the number of batches")

    @property
    def num_batches(self) -> int | None:
        """The number of batches in an epoch (``len(self)``), as Keras 3."""
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before each epoch of ``fit``; override to prepare the epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch of ``fit``; override, e.g., to reshuffle your own data."""


Sequence = PyDataset  # Keras 2's name, kept as an alias by Keras 3
