"""Keras ``Embedding``: integer token ids -> learned vectors.

    y[n, t, :] = embeddings[x[n, t], :]

The lookup (and its scatter-add gradient) is :func:`minidl.nn.layers.embedding`, shared
with ``nn.Embedding``; only the defaults differ (Keras draws U(-0.05, 0.05), PyTorch N(0, 1)).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import Tensor
from ...nn.layers import embedding
from .. import initializers, regularizers
from .base import Layer


class Embedding(Layer):
    """A table of ``input_dim`` vectors of length ``output_dim``; (batch, ...) ids -> (batch, ..., output_dim)."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, mask_zero: bool = False,
                 input_length: int | None = None, **kwargs: Any) -> None:
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding {arg} must be a positive int, got {value!r}")
        if mask_zero:
            raise ValueError("Embedding: mask_zero=True is not supported by minidl (no masking); "
                             "expected mask_zero=False")
        if input_length is not None and kwargs.get("input_shape") is None:
            kwargs["input_shape"] = (input_length,)  # Keras 2's way of giving the sequence length
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)

    def build(self, input_shape: tuple) -> None:
        self.add_weight("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
                        self.embeddings_regularizer)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        return embedding(x, self.embeddings)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer)}
