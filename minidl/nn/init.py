"""Weight initialisation (in place), with the fan rules of PyTorch and Keras.

For a dense weight of shape (in, out): fan_in = in, fan_out = out.  For an HWIO
conv kernel (kh, kw, in, out): fan_in = kh·kw·in, fan_out = kh·kw·out.

* Glorot/Xavier uniform: U(-a, a), a = √(6 / (fan_in + fan_out)), keeps the variance
  of activations and gradients roughly constant through tanh/linear layers.
* He/Kaiming: variance 2 / fan_in, the same idea for ReLU (which zeroes half the input).
"""

from __future__ import annotations

import math

import numpy as np

from .. import random
from ..autograd import Tensor


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight in minidl's layouts ((in, out) or HWIO)."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.data[...] = tensor.xp.asarray(values.astype(tensor.dtype))
    return tensor


def uniform_(tensor: Tensor, low: float = 0.0, high: float = 1.0) -> Tensor:
    return _fill(tensor, random.generator().uniform(low, high, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    return _fill(tensor, random.generator().normal(mean, std, tensor.shape))


def truncated_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Normal samples redrawn until they fall within two standard deviations (as Keras)."""
    values = random.generator().normal(0.0, 1.0, tensor.shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = random.generator().normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(values) > 2
    return _fill(tensor, mean + std * values)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, np.zeros(tensor.shape))


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, np.ones(tensor.shape))


def constant_(tensor: Tensor, value: float) -> Tensor:
    return _fill(tensor, np.full(tensor.shape, value))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor.shape)
    limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -limit, limit)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    fan_in, fan_out = fans(tensor.shape)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0) -> Tensor:
    """U(-b, b), b = gain·√(3 / fan_in), gain = √(2 / (1 + a²)) (PyTorch's leaky-ReLU gain)."""
    fan_in, _ = fans(tensor.shape)
    bound = math.sqrt(2.0 / (1 + a * a)) * math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0) -> Tensor:
    fan_in, _ = fans(tensor.shape)
    return normal_(tensor, 0.0, math.sqrt(2.0 / (1 + a * a)) / math.sqrt(fan_in))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix."""
    rows = int(np.prod(tensor.shape[:-1]))
    cols = tensor.shape[-1]
    flat = random.generator().normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q[:rows, :cols].reshape(tensor.shape))
