"""Regularisation layers that add randomness while training: Dropout, GaussianNoise,
GaussianDropout, SpatialDropout2D and RandomFlip (data augmentation).

They act only with ``training=True`` (``fit``) and are the identity in ``predict`` and
``evaluate``.  The random numbers come from minidl's generator (``mdl.manual_seed`` /
``keras.utils.set_random_seed``), or from the layer's own generator when it is given
``seed=``, so runs repeat exactly.  The noise is a constant of the graph: the gradient
flows through the multiplication or addition that applies it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import functional as F
from ... import random
from ...autograd import Tensor
from ...backend import get_array_module
from ...errors import ShapeError
from ...ops.selection import where
from .activation_layers import as_float, check_number
from .base import Layer, check_rate
from .conv import _check_image


def _check_seed(owner: str, seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{owner} seed must be None or a non-negative int, got {seed!r}")
    return int(seed)


class _RandomLayer(Layer):
    """A layer that draws random numbers: from its own generator when given ``seed=``,
    else from minidl's shared one (read at each draw, so ``manual_seed`` takes effect)."""

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        seed = _check_seed(type(self).__name__, seed)
        super().__init__(**kwargs)
        self.seed = seed
        object.__setattr__(self, "_generator", None if seed is None else np.random.default_rng(seed))

    def _draw(self, kind: str, shape: tuple, like: Tensor) -> Any:
        """Standard normal (``kind="normal"``) or uniform [0, 1) samples on ``like``'s device.

        On the GPU they are drawn there (a host draw would copy the noise over at every
        step): by CuPy's generator, seeded with minidl's, or by the layer's own CuPy
        generator with ``seed=``; so a seeded GPU run repeats, but draws other numbers than the CPU."""
        xp, dtype = get_array_module(like.data), like.dtype
        if xp is not np:
            source = xp.random if self._generator is None else self._device_generator(xp)
            values = source.standard_normal(shape) if kind == "normal" else source.random_sample(shape)
            return values.astype(dtype, copy=False)
        generator = self._generator or random.generator()
        draw_dtype = np.float32 if dtype == np.float32 else np.float64
        values = generator.standard_normal(shape, dtype=draw_dtype) if kind == "normal" \
            else generator.random(shape, dtype=draw_dtype)
        return xp.asarray(values.astype(dtype, copy=False))

    def _device_generator(self, xp: Any) -> Any:
        if getattr(self, "_cupy_generator", None) is None:
            object.__setattr__(self, "_cupy_generator", xp.random.RandomState(self.seed))
        return self._cupy_generator

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}


class GaussianNoise(_RandomLayer):
    """While training: y = x + ε, ε ~ N(0, stddev²) drawn afresh for each element; dy/dx = 1."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        stddev = check_number("GaussianNoise", "stddev", stddev, 0.0)
        if stddev > 1:  # Keras 3 refuses it too
            raise ValueError(f"GaussianNoise stddev must be a number in [0, 1], got {stddev!r}")
        super().__init__(seed=seed, **kwargs)
        self.stddev = stddev

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.stddev == 0:
            return x
        x = as_float(x)
        return x + Tensor._wrap(self._draw("normal", x.shape, x) * x.dtype.type(self.stddev))

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_RandomLayer):
    """While training: y = x·m, m ~ N(1, rate/(1 - rate)) per element (the variance of inverted
    dropout with the same rate, without zeros); dy/dx = m."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        rate = check_rate("GaussianDropout", "rate", rate)
        super().__init__(seed=seed, **kwargs)
        self.rate = rate

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.rate == 0:
            return x
        x = as_float(x)
        stddev = x.dtype.type(math.sqrt(self.rate / (1.0 - self.rate)))
        return x * Tensor._wrap(self._draw("normal", x.shape, x) * stddev + x.dtype.type(1))

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}


class Dropout(_RandomLayer):
    """Inverted dropout while training: each input is zeroed with probability ``rate`` and
    the kept ones are scaled by 1/(1 - rate), so E[output] = input and inference needs no
    change.  ``noise_shape`` (Keras) shares one draw along its axes of size 1, e.g.
    ``(None, 1, 1, C)``: one draw per image and channel; ``None`` entries take the input's size."""

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        rate = check_rate(type(self).__name__, "rate", rate)
        if noise_shape is not None and (not isinstance(noise_shape, (tuple, list)) or not all(
                d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0)
                for d in noise_shape)):
            raise ValueError(f"{type(self).__name__} noise_shape must be None or a tuple of "
                             f"positive ints and None, got {noise_shape!r}")
        super().__init__(seed=seed, **kwargs)
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def mask_shape(self, x: Tensor) -> tuple:
        """The shape of the keep/drop draw: the input's, or ``noise_shape`` (broadcast over x)."""
        if self.noise_shape is None:
            return x.shape
        if len(self.noise_shape) != x.ndim:
            raise ShapeError(f"{self.name}: noise_shape {self.noise_shape} has {len(self.noise_shape)} "
                             f"axes, the input {x.shape} has {x.ndim}")
        shape = tuple(n if d is None else d for d, n in zip(self.noise_shape, x.shape))
        if any(d not in (1, n) for d, n in zip(shape, x.shape)):
            raise ShapeError(f"{self.name}: noise_shape {self.noise_shape} does not broadcast to "
                             f"the input shape {x.shape} (each axis must be 1 or the input's size)")
        return shape

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.rate == 0:
            return x
        shape = self.mask_shape(x)
        x = as_float(x)  # integer input (uint8 pixels): scaling by 1/(1 - rate) needs floats
        if shape == x.shape and self._generator is None:  # the dropout op, minidl's generator
            return F.dropout(x, self.rate, training=True)
        keep = self._draw("uniform", shape, x) >= self.rate
        return x * Tensor._wrap(keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.rate)))

    def get_config(self) -> dict:
        config = {**super().get_config(), "rate": self.rate}
        if self.noise_shape is not None:
            config["noise_shape"] = list(self.noise_shape)
        return config


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps: while training, each channel of each image (NHWC) is
    zeroed with probability ``rate`` and the kept ones scaled by 1/(1 - rate), so neighbouring
    pixels, which are strongly correlated, cannot stand in for a dropped one."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        if "noise_shape" in kwargs:  # the draw's shape is fixed: (batch, 1, 1, channels)
            raise TypeError(f"SpatialDropout2D does not take noise_shape (got {kwargs['noise_shape']!r}): "
                            "it always drops whole channels; use Dropout(rate, noise_shape=...) instead")
        super().__init__(rate, seed=seed, **kwargs)

    def mask_shape(self, x: Tensor) -> tuple:
        _check_image(self, x)
        return (x.shape[0], 1, 1, x.shape[3])


FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(_RandomLayer):
    """Data augmentation: while training, each image is flipped with probability 1/2:
    left-right ("horizontal"), upside down ("vertical"), or both at once
    ("horizontal_and_vertical", as Keras 3: one draw per image flips both axes).

    As Keras preprocessing layers, it augments when called directly (``training``
    unspecified counts as True) and in ``fit``; ``predict`` and ``evaluate`` pass images unchanged.
    """

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None, **kwargs: Any) -> None:
        if mode not in FLIP_MODES:
            raise ValueError(f"RandomFlip mode must be one of {', '.join(repr(m) for m in FLIP_MODES)}, got {mode!r}")
        super().__init__(seed=seed, **kwargs)
        self.mode = mode

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if x.ndim not in (3, 4):
            raise ShapeError(f"RandomFlip layer {self.name!r} expected images (batch, height, width, "
                             f"channels) or one image (height, width, channels), got shape {x.shape}")
        x = as_float(x)
        if training is False:
            return x
        batched = x if x.ndim == 4 else x.reshape(1, *x.shape)
        rows = slice(None, None, -1) if self.mode != "horizontal" else slice(None)
        cols = slice(None, None, -1) if self.mode != "vertical" else slice(None)
        flips = self._draw("uniform", (batched.shape[0], 1, 1, 1), batched) < 0.5
        out = where(flips, batched[:, rows, cols, :], batched)
        return out if x.ndim == 4 else out.reshape(*x.shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}
