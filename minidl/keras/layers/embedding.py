"""Keras ``Embedding``: integer token ids -> learned vectors.

    y[n, t, :] = embeddings[x[n, t], :]

The lookup (and its scatter-add gradient) is :func:`minidl.nn.layers.embedding`, shared
with ``nn.Embedding``; only the defaults differ (Keras draws U(-0.05, 0.05), PyTorch N(0, 1)).

``mask_zero=True`` reserves id 0 for padding: the output carries the mask ``ids != 0``
(see :mod:`minidl.keras.layers.masking`), so the recurrent layers after it skip those steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import Tensor
from ...nn.layers import embedding
from .. import initializers, regularizers
from .base import Layer
from .masking import set_mask


class Embedding(Layer):
    """A table of ``input_dim`` vectors of length ``output_dim``; (batch, ...) ids -> (batch, ..., output_dim)."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, mask_zero: bool = False,
                 input_length: int | None = None, **kwargs: Any) -> None:
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding {arg} must be a positive int, got {value!r}")
        if not isinstance(mask_zero, (bool, np.bool_)):
            raise TypeError(f"Embedding mask_zero must be True or False, got {mask_zero!r}")
        if input_length is not None and kwargs.get("input_shape") is None:
            kwargs["input_shape"] = (input_length,)  # Keras 2's way of giving the sequence length
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero = bool(mask_zero)

    def build(self, input_shape: tuple) -> None:
        self.add_weight("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
                        self.embeddings_regularizer)

    mask_aware = True  # makes its own mask (or none): an earlier mask does not pass through

    @property
    def supports_masking(self) -> bool:
        return self.mask_zero

    def compute_mask(self, inputs: Any, mask: Any = None) -> Tensor | None:
        """``ids != 0`` with ``mask_zero=True`` (a bool Tensor shaped like the ids), else None."""
        if not self.mask_zero:
            return None
        ids = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return Tensor._wrap(ids != 0)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        out = embedding(x, self.embeddings)
        return set_mask(out, self.compute_mask(x)) if self.mask_zero else out

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "mask_zero": self.mask_zero}
