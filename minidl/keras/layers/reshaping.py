"""Layers that move pixels or axes around: ZeroPadding2D, Cropping2D, UpSampling2D,
Permute, RepeatVector (images NHWC, as everywhere in minidl).

Each is built from shape ops (``pad``, slicing, ``reshape``, ``broadcast_to``,
``transpose``), whose derivatives send every gradient back to the element it came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import Tensor
from ...errors import ShapeError
from ...ops.conv import pair
from ...ops.shape import broadcast_to, pad
from .base import Layer, check_positive_int
from .conv import _check_image


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def border_widths(owner: str, name: str, value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """Keras's three spellings of a 2-D border: ``n``, ``(rows, cols)`` or
    ``((top, bottom), (left, right))``, as ((top, bottom), (left, right)) of ints >= 0."""
    if _is_int(value):
        value = (value, value)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        if all(_is_int(v) for v in value):
            widths = ((value[0], value[0]), (value[1], value[1]))
        elif all(isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(n) for n in v) for v in value):
            widths = (tuple(value[0]), tuple(value[1]))
        else:
            widths = None
        if widths is not None and all(n >= 0 for side in widths for n in side):
            return tuple((int(a), int(b)) for a, b in widths)  # type: ignore[return-value]
    raise ValueError(f"{owner} {name} must be an int, a pair (rows, cols) or ((top, bottom), (left, right)) "
                     f"of non-negative ints, got {value!r}")


class ZeroPadding2D(Layer):
    """Add rows and columns of zeros around each image: (N, H, W, C) -> (N, H+t+b, W+l+r, C)."""

    def __init__(self, padding: Any = (1, 1), **kwargs: Any) -> None:
        widths = border_widths("ZeroPadding2D", "padding", padding)
        super().__init__(**kwargs)
        self.padding = widths

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x)
        return pad(x, ((0, 0), *self.padding, (0, 0)))

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": [list(side) for side in self.padding]}


class Cropping2D(Layer):
    """Remove rows and columns at the borders: (N, H, W, C) -> (N, H-t-b, W-l-r, C)."""

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), **kwargs: Any) -> None:
        widths = border_widths("Cropping2D", "cropping", cropping)
        super().__init__(**kwargs)
        self.cropping = widths

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x)
        (top, bottom), (left, right) = self.cropping
        height, width = x.shape[1], x.shape[2]
        if top + bottom >= height or left + right >= width:
            raise ShapeError(f"Cropping2D layer {self.name!r}: cropping {self.cropping} leaves nothing of "
                             f"images of height {height} and width {width} (input shape {x.shape})")
        return x[:, top:height - bottom, left:width - right, :]

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": [list(side) for side in self.cropping]}


class UpSampling2D(Layer):
    """Repeat each row ``size[0]`` times and each column ``size[1]`` times (nearest neighbour).

    As shape ops: (N, H, 1, W, 1, C) broadcast to (N, H, sh, W, sw, C), then merged into
    (N, H·sh, W·sw, C); the gradient of the broadcast sums each sh×sw block back onto its pixel.
    """

    def __init__(self, size: Any = (2, 2), interpolation: str = "nearest", **kwargs: Any) -> None:
        size = pair(size, "UpSampling2D size")
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D interpolation={interpolation!r} is not supported by minidl; "
                             "expected 'nearest'")
        super().__init__(**kwargs)
        self.size, self.interpolation = size, interpolation

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        _check_image(self, x)
        n, h, w, c = x.shape
        sh, sw = self.size
        spread = broadcast_to(x.reshape(n, h, 1, w, 1, c), (n, h, sh, w, sw, c))
        return spread.reshape(n, h * sh, w * sw, c)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": list(self.size), "interpolation": self.interpolation}


class Permute(Layer):
    """Permute the axes after the batch; ``dims`` counts from 1, e.g. ``Permute((2, 1))``
    turns (N, steps, features) into (N, features, steps)."""

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        ok = isinstance(dims, (list, tuple)) and all(_is_int(d) for d in dims) \
            and sorted(int(d) for d in dims) == list(range(1, len(dims) + 1))
        if not ok:
            raise ValueError(f"Permute dims must be a permutation of 1..n (axis 1 is the first axis "
                             f"after the batch), e.g. (2, 1); got {dims!r}")
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if x.ndim != len(self.dims) + 1:
            raise ShapeError(f"Permute layer {self.name!r} with dims {self.dims} expected "
                             f"{len(self.dims) + 1}-D input (batch first), got shape {x.shape}")
        return x.transpose(0, *self.dims)

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """(N, features) -> (N, n, features): the same vector at every step (e.g. before an RNN
    decoder); the gradient sums over the n copies."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        n = check_positive_int("RepeatVector", "n", n)
        super().__init__(**kwargs)
        self.n = n

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if x.ndim != 2:
            raise ShapeError(f"RepeatVector layer {self.name!r} expected 2-D input (batch, features), "
                             f"got shape {x.shape}")
        return broadcast_to(x.reshape(x.shape[0], 1, x.shape[1]), (x.shape[0], self.n, x.shape[1]))

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
