"""Weight initializers by name or object, as ``keras.initializers``.

An initializer is called with a shape and a dtype and returns a NumPy array.  The
fan rules are in :mod:`minidl.nn.init` (shared with the PyTorch-style layers).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..nn import init as nn_init


class Initializer:
    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32") -> np.ndarray:
        t = Tensor(np.zeros(shape, dtype=dtype), dtype=dtype, device="cpu")  # on the host, whatever MINIDL_DEVICE
        self.fill(t)
        return t.data

    def fill(self, t: Tensor) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


class Zeros(Initializer):
    def fill(self, t: Tensor) -> None:
        nn_init.zeros_(t)


class Ones(Initializer):
    def fill(self, t: Tensor) -> None:
        nn_init.ones_(t)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def fill(self, t: Tensor) -> None:
        nn_init.constant_(t, self.value)


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05) -> None:
        self.mean, self.stddev = mean, stddev

    def fill(self, t: Tensor) -> None:
        nn_init.normal_(t, self.mean, self.stddev)


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05) -> None:
        self.minval, self.maxval = minval, maxval

    def fill(self, t: Tensor) -> None:
        nn_init.uniform_(t, self.minval, self.maxval)


class TruncatedNormal(RandomNormal):
    def fill(self, t: Tensor) -> None:
        nn_init.truncated_normal_(t, self.mean, self.stddev)


class VarianceScaling(Initializer):
    """Samples with variance scale / n, n = fan_in, fan_out or their mean (``mode``)."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal") -> None:
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(f"unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def fill(self, t: Tensor) -> None:
        fan_in, fan_out = nn_init.fans(t.shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            nn_init.uniform_(t, -limit, limit)
        elif self.distribution == "truncated_normal":  # Keras corrects the truncation's shrinkage
            nn_init.truncated_normal_(t, 0.0, math.sqrt(variance) / 0.87962566103423978)
        else:
            nn_init.normal_(t, 0.0, math.sqrt(variance))


class GlorotUniform(VarianceScaling):
    def __init__(self) -> None:
        super().__init__(1.0, "fan_avg", "uniform")

    def get_config(self) -> dict:
        return {}


class GlorotNormal(GlorotUniform):
    def __init__(self) -> None:
        VarianceScaling.__init__(self, 1.0, "fan_avg", "truncated_normal")


class HeNormal(GlorotUniform):
    def __init__(self) -> None:
        VarianceScaling.__init__(self, 2.0, "fan_in", "truncated_normal")


class HeUniform(GlorotUniform):
    def __init__(self) -> None:
        VarianceScaling.__init__(self, 2.0, "fan_in", "uniform")


class LecunNormal(GlorotUniform):
    def __init__(self) -> None:
        VarianceScaling.__init__(self, 1.0, "fan_in", "truncated_normal")


class LecunUniform(GlorotUniform):
    def __init__(self) -> None:
        VarianceScaling.__init__(self, 1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def fill(self, t: Tensor) -> None:
        nn_init.orthogonal_(t, self.gain)


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "uniform": RandomUniform, "normal": RandomNormal,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
}
_CLASS_TO_NAME = {cls: name for name, cls in reversed(_BY_NAME.items())}
xavier_uniform = GlorotUniform


def get(identifier: Any) -> Initializer:
    """An initializer from a name ("glorot_uniform"), a {"class_name", "config"} dict or an object."""
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, dict):
        cls = _BY_NAME.get(_snake(identifier.get("class_name", "")))
        if cls is None:
            raise ValueError(f"unknown initializer {identifier!r}")
        return cls(**identifier.get("config", {}))
    if isinstance(identifier, str) and _snake(identifier) in _BY_NAME:
        return _BY_NAME[_snake(identifier)]()
    raise ValueError(f"unknown initializer {identifier!r}; valid names are: {', '.join(sorted(_BY_NAME))}")


def serialize(initializer: Any) -> dict:
    cls = type(initializer)
    if cls not in _CLASS_TO_NAME:
        raise ValueError(f"cannot save the custom initializer {initializer!r}")
    return {"class_name": _CLASS_TO_NAME[cls], "config": initializer.get_config()}


def _snake(name: str) -> str:
    """"GlorotUniform" -> "glorot_uniform" (class names and Keras names both work)."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
