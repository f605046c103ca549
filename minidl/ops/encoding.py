"""One-hot encoding of integer labels (a constant: labels have no gradient)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor
from ..errors import InvalidIndexError


def one_hot(labels: Any, num_classes: int = -1) -> Tensor:
    """Integer labels of shape S as an int64 tensor of shape S + (num_classes,) with a 1 at
    each label (as ``torch.nn.functional.one_hot``).  ``num_classes=-1``: max label + 1."""
    array = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if array.dtype.kind not in "iu":
        raise TypeError(f"one_hot expects integer labels, got dtype {array.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or not (num_classes == -1 or num_classes >= 1):
        raise ValueError(f"one_hot num_classes must be a positive int or -1, got {num_classes!r}")
    if array.size and int(array.min()) < 0:
        raise InvalidIndexError(f"one_hot expects labels >= 0, got {int(array.min())}")
    if num_classes == -1:
        if not array.size:
            raise ValueError("one_hot cannot infer num_classes from empty labels; pass num_classes")
        num_classes = int(array.max()) + 1
    elif array.size and int(array.max()) >= num_classes:
        raise InvalidIndexError(f"one_hot label {int(array.max())} is out of range: expected labels in "
                                f"[0, {num_classes}) for num_classes={num_classes}")
    xp = labels.xp if isinstance(labels, Tensor) else np
    encoded = (array[..., None] == xp.arange(int(num_classes))).astype(np.int64)
    return Tensor._wrap(encoded)
