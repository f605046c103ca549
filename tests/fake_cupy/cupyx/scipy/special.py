"""``cupyx.scipy.special`` of the fake CuPy: ``erf`` (SciPy's ufunc, or ``math.erf`` per element)."""

from __future__ import annotations

import math
from typing import Any

import cupy
import numpy as np

try:
    from scipy.special import erf as _scipy_erf
except ImportError:  # SciPy is optional
    _scipy_erf = None


def erf(x: Any) -> Any:
    """The error function of a cupy array (float32 stays float32, as in CuPy)."""
    if _scipy_erf is not None:
        return cupy.ufunc(_scipy_erf)(x)
    if not isinstance(x, cupy.ndarray):
        raise TypeError(f"Unsupported type {type(x)}")
    kind = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    return cupy.asarray(np.vectorize(math.erf, otypes=[kind])(x.get()))
