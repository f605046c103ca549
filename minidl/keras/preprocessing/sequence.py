"""``pad_sequences``: lists of token ids of different lengths as one rectangular array.

``keras.utils.pad_sequences`` and ``keras.preprocessing.sequence.pad_sequences`` in Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def pad_sequences(sequences: Any, maxlen: int | None = None, dtype: Any = "int32", padding: str = "pre",
                  truncating: str = "pre", value: float = 0.0) -> np.ndarray:
    """Shape ``(len(sequences), maxlen, *item_shape)``: each sequence cut to ``maxlen`` (its
    first or last steps dropped: ``truncating="pre"|"post"``) and filled up with ``value``
    before or after it (``padding="pre"|"post"``).  ``maxlen=None``: the longest length."""
    for name, given in (("padding", padding), ("truncating", truncating)):
        if given not in ("pre", "post"):
            raise ValueError(f"pad_sequences {name} must be 'pre' or 'post', got {given!r}")
    if not hasattr(sequences, "__len__") or isinstance(sequences, (str, bytes)):
        raise ValueError(f"pad_sequences expects a list of sequences, got {type(sequences).__name__}")
    rows = []
    for i, seq in enumerate(sequences):
        if not hasattr(seq, "__len__"):
            raise ValueError(f"pad_sequences: sequence {i} is {type(seq).__name__}, not a list of values")
        rows.append(np.asarray(seq))
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer))
                               or maxlen < 0):
        raise ValueError(f"pad_sequences maxlen must be a non-negative int or None, got {maxlen!r}")
    if isinstance(value, (str, bytes)) and np.dtype(dtype).kind not in "SUO" or \
            not isinstance(value, (str, bytes, bool, int, float, np.number, np.bool_)):
        raise TypeError(f"pad_sequences value must be a number (the padding), got {value!r}")
    length = max((len(r) for r in rows), default=0) if maxlen is None else int(maxlen)
    item_shape = next((r.shape[1:] for r in rows if len(r)), ())
    out = np.full((len(rows), length, *item_shape), value, dtype=dtype)
    for i, row in enumerate(rows):
        if not len(row) or not length:
            continue
        if row.shape[1:] != item_shape:
            raise ValueError(f"pad_sequences: sequence {i} has items of shape {row.shape[1:]}, the first "
                             f"non-empty one {item_shape}; all items must have one shape")
        kept = row[-length:] if truncating == "pre" else row[:length]
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, length - len(kept):] = kept
    return out


__all__ = ["pad_sequences"]
