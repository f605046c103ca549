"""PyTorch's other ways of making tensors: ``x.new_zeros(2, 3)`` and friends (a new
tensor with ``x``'s dtype and device), and the legacy typed constructors of old
tutorials, ``torch.FloatTensor([1, 2])`` and ``torch.LongTensor(3, 4)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..autograd import Tensor
from .creation import _filled, _shape


def _dtype_device(a: Tensor, dtype: Any, device: Any) -> tuple[np.dtype, str]:
    return (a.dtype if dtype is None else backend.as_dtype(dtype)), (a.device if device is None else device)


def new_zeros(a: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` with ``a``'s dtype and device (unless given): ``x.new_zeros(2, 3)``."""
    dtype, device = _dtype_device(a, dtype, device)
    return _filled(_shape(size), 0, dtype, device, requires_grad)


def new_ones(a: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``size`` with ``a``'s dtype and device (unless given)."""
    dtype, device = _dtype_device(a, dtype, device)
    return _filled(_shape(size), 1, dtype, device, requires_grad)


def new_empty(a: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` to be filled in, with ``a``'s dtype and device (zeros in minidl)."""
    return new_zeros(a, *size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(a: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``fill_value`` in every element of ``size``, with ``a``'s dtype and device (unless
    given): ``x.new_full((2, 3), 0.5)``.  An integer tensor truncates a float fill value."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (int, float, np.number, np.bool_)):
        raise TypeError(f"new_full needs a number as the fill value, got {fill_value!r}")
    dtype, device = _dtype_device(a, dtype, device)
    return _filled(_shape((size,)), fill_value, dtype, device, requires_grad)


def new_tensor(a: Tensor, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` with ``a``'s dtype and device (unless given), as PyTorch:
    ``x.new_tensor([1, 2])`` is float32 when ``x`` is float32."""
    dtype, device = _dtype_device(a, dtype, device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device, copy=True)


def _legacy(dtype: str, torch_name: str) -> Any:
    def make(*args: Any, device: Any = None) -> Tensor:
        # one sequence, array or tensor is data, as in PyTorch; ints are sizes
        sizes = len(args) != 1 or isinstance(args[0], (int, np.integer)) and not isinstance(args[0], bool)
        if sizes:  # FloatTensor(2, 3): a new tensor of that shape (zeros here, garbage in PyTorch)
            if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in args):
                raise TypeError(f"{torch_name} takes either sizes (ints), e.g. {torch_name}(2, 3), or data, "
                                f"e.g. {torch_name}([1, 2]); got {args!r}")
            return _filled(_shape(args) if args else (0,), 0, dtype, device, False)
        return Tensor(args[0], dtype=dtype, device=device, copy=True)

    make.__name__ = make.__qualname__ = torch_name
    make.__doc__ = (f"PyTorch's legacy constructor of {dtype} tensors: ``{torch_name}([1, 2])`` copies the "
                    f"data as {dtype}; ``{torch_name}(2, 3)`` makes a (2, 3) tensor of zeros.  "
                    f"``mdl.tensor(data, dtype=...)`` is the modern spelling.")
    return make


FloatTensor = _legacy("float32", "FloatTensor")
DoubleTensor = _legacy("float64", "DoubleTensor")
HalfTensor = _legacy("float16", "HalfTensor")
LongTensor = _legacy("int64", "LongTensor")
IntTensor = _legacy("int32", "IntTensor")
BoolTensor = _legacy("bool", "BoolTensor")

METHODS = {"new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_empty, "new_full": new_full,
           "new_tensor": new_tensor}
