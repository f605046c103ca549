"""PyTorch's spellings of things minidl already does, so tutorial code runs unchanged:
``x.view(-1, 784)``, ``x.size(0)``, ``x.unsqueeze(1)``, ``x.permute(0, 2, 1)``,
``x.type(mdl.float)``, ``x.long()``, ``x.clone()``, ``mdl.max(x, 1)`` ...

Each is a thin alias of a minidl op (its derivative lives there), except :class:`Clone`.
Where PyTorch and NumPy disagree, the Tensor methods keep NumPy's meaning (design.md):
``x.max(1)`` is the maximum along axis 1, while ``x.max(dim=1)`` and the function
``mdl.max(x, 1)`` return (values, indices) as PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import default_dtype
from ..errors import ShapeError
from .common import as_tensor, normalize_axes
from .creation import rand, randn
from .elementwise import add, astype, div, mul, pow, sub
from .linalg import matmul
from .reduction import _extreme
from .shape import expand_dims, reshape, transpose


class Clone(Function):
    """z = a, in new memory (so an in-place update of z leaves a alone);  dz/da = 1."""

    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return (g,)


def clone(a: Tensor) -> Tensor:
    """A copy that stays in the graph (``detach().clone()`` gives one outside it)."""
    return Clone.apply(as_tensor(a))


class TensorSize(int):
    """``x.size`` is the number of elements (NumPy's meaning, kept by design.md), and calling
    it gives PyTorch's: ``x.size()`` the shape, ``x.size(0)`` the length of one axis."""

    shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...]) -> TensorSize:
        size = super().__new__(cls, math.prod(shape))
        size.shape = shape
        return size

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"size(dim) needs an int dim, got {dim!r}")
        if not self.shape or not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size({dim}): dim out of range for a tensor with {len(self.shape)} dimensions")
        return self.shape[dim]


def view(a: Tensor, *shape: Any) -> Tensor:
    """PyTorch's name for :func:`reshape` (minidl has no strides, so any tensor can be viewed).
    ``x.view(dtype)`` (reinterpreting bits) is not supported."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer)):
        raise TypeError(f"view takes sizes, e.g. x.view(-1, 784), got {shape[0]!r}; "
                        "to change the dtype use x.to(dtype) or x.type(dtype)")
    return reshape(a, *shape)


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """A new axis of size 1 at ``dim`` (PyTorch's name for :func:`expand_dims`)."""
    return expand_dims(a, dim)


def permute(a: Tensor, *dims: Any) -> Tensor:
    """Reorder all the axes: ``x.permute(0, 3, 1, 2)`` turns NHWC into NCHW."""
    a = as_tensor(a)
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    if len(dims) != a.ndim:
        raise ValueError(f"permute needs one entry per axis ({a.ndim}), got {dims!r}")
    return transpose(a, dims)


def t(a: Tensor) -> Tensor:
    """The transpose of a matrix (a tensor of at most 2 dimensions, as PyTorch)."""
    a = as_tensor(a)
    if a.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape {a.shape}; "
                         "use x.transpose(d0, d1) or x.permute(...)")
    return transpose(a)


def to_type(a: Tensor, dtype: Any = None) -> Any:
    """``x.type(mdl.float)`` converts (as ``astype``); ``x.type()`` names the dtype."""
    if dtype is None:
        return str(a.dtype)
    return astype(a, dtype)


def numel(a: Any) -> int:
    """The number of elements."""
    shape = a.shape if isinstance(a, Tensor) else _numeric_array(a, "numel's input").shape
    return int(np.prod(shape, dtype=np.int64))


def norm(a: Tensor, p: Any = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The p-norm (2: Euclidean, 1: sum of absolute values) of all elements or along ``dim``;
    built from abs, pow and sum, so the gradient follows from theirs."""
    a = as_tensor(a)
    if p not in (1, 2) and not (isinstance(p, (int, float)) and p > 0):
        raise ValueError(f"norm p must be a positive number, got {p!r}")
    if p == 2:
        return (a * a).sum(axis=dim, keepdims=keepdim).sqrt()
    if p == 1:
        return a.abs().sum(axis=dim, keepdims=keepdim)
    return (a.abs() ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)


def _boolean(name: str) -> Any:
    def reduce(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        a = as_tensor(a)
        axes = None if dim is None else normalize_axes(dim, a.ndim)
        return Tensor._wrap(a.xp.asarray(getattr(a.xp, name)(a.data, axis=axes, keepdims=keepdim)))

    reduce.__name__ = name
    reduce.__doc__ = f"True where {name} of the elements (along ``dim``) is true; a bool tensor, no gradient."
    return reduce


any_, all_ = _boolean("any"), _boolean("all")


# ---------------------------------------------------------------- module-level functions


def max(a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001
        keepdims: bool | None = None) -> Any:
    """PyTorch's ``torch.max``: the largest element; with ``dim``, (values, indices) along it;
    with a tensor as second argument, the elementwise maximum.  NumPy's ``axis=``/``keepdims=``
    give the values only, as ``x.max(axis=...)``."""
    return _torch_extreme(a, dim, keepdim, axis, keepdims, True)


def min(a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001
        keepdims: bool | None = None) -> Any:
    """PyTorch's ``torch.min``: the smallest element; with ``dim``, (values, indices).  NumPy's
    ``axis=``/``keepdims=`` give the values only, as ``x.min(axis=...)``."""
    return _torch_extreme(a, dim, keepdim, axis, keepdims, False)


def _torch_extreme(a: Any, dim: Any, keepdim: Any, axis: Any, keepdims: Any, largest: bool) -> Any:
    a = as_tensor(a)
    if axis is not None or keepdims is not None:
        if dim is not None:
            raise TypeError(f"{'max' if largest else 'min'}() got both dim={dim!r} and axis={axis!r}; give one")
        return _extreme(a, axis, bool(keepdims), None, None, largest)
    if isinstance(dim, Tensor):
        return _extreme(a, dim, False, None, None, largest)
    return _extreme(a, None, False, dim, keepdim if dim is not None else None, largest)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(f"mm expects two 2-D tensors, got shapes {a.shape} and {b.shape}; use matmul")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product: (B, n, m) @ (B, m, p) -> (B, n, p)."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ShapeError(f"bmm expects (B, n, m) and (B, m, p) tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def rand_like(a: Any, dtype: Any = None) -> Tensor:
    """Uniform [0, 1) numbers in ``a``'s shape, of a floating dtype."""
    a = as_tensor(a)
    return rand(*a.shape, dtype=dtype or (a.dtype if a.dtype.kind == "f" else default_dtype()), device=a.device)


def randn_like(a: Any, dtype: Any = None) -> Tensor:
    """Standard normal numbers in ``a``'s shape, of a floating dtype."""
    a = as_tensor(a)
    return randn(*a.shape, dtype=dtype or (a.dtype if a.dtype.kind == "f" else default_dtype()), device=a.device)


def randperm(n: int, dtype: Any = "int64", device: str | None = None) -> Tensor:
    """A random order of 0 .. n-1 from the generator seeded by ``mdl.manual_seed``."""
    from .. import random

    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"randperm needs a count n >= 0, got {n!r}")
    return Tensor(random.generator().permutation(int(n)), dtype=dtype, device=device)


def device(name: str) -> str:
    """PyTorch's ``torch.device("cuda" if ... else "cpu")``: minidl names devices by plain
    strings, so this checks the name and returns "cpu" or "cuda" (an index is ignored)."""
    if not isinstance(name, str) or name.split(":")[0].lower() not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {name!r}; expected 'cpu' or 'cuda'")
    return name.split(":")[0].lower()


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """Are all elements of ``a`` and ``b`` close (NumPy's and PyTorch's test)?"""
    arrays = []
    for name, x in (("first", a), ("second", b)):
        array = x.numpy() if isinstance(x, Tensor) else _numeric_array(x, f"allclose's {name} argument")
        arrays.append(array)
    try:
        np.broadcast_shapes(arrays[0].shape, arrays[1].shape)
    except ValueError:
        raise ShapeError(f"allclose got shapes {arrays[0].shape} and {arrays[1].shape}, which do not "
                         "broadcast together") from None
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or value < 0:
            raise ValueError(f"allclose {name} must be a number >= 0, got {value!r}")
    return bool(np.allclose(*arrays, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _numeric_array(value: Any, what: str) -> np.ndarray:
    """``value`` (a number, nested list or NumPy array) as a NumPy array of numbers or bools."""
    try:
        array = np.asarray(value)
    except ValueError:  # a ragged nested list
        raise TypeError(f"{what} must be a tensor, an array or a number, got a nested list whose "
                        "rows have different lengths") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be a tensor, an array or a number, got {type(value).__name__}")
    return array


TENSOR_METHODS = {
    "view": view, "unsqueeze": unsqueeze, "permute": permute, "t": t, "type": to_type,
    "numel": numel, "dim": lambda self: self.ndim, "clone": clone, "contiguous": lambda self: self,
    "norm": norm, "any": any_, "all": all_,
    "view_as": lambda self, other: view(self, tuple(as_tensor(other).shape)),
    "reshape_as": lambda self, other: reshape(self, tuple(as_tensor(other).shape)),
    "type_as": lambda self, other: astype(self, as_tensor(other).dtype),
    "add": add, "sub": sub, "mul": mul, "div": div, "pow": pow,
    "long": lambda self: astype(self, "int64"), "int": lambda self: astype(self, "int32"),
    "bool": lambda self: astype(self, "bool"), "half": lambda self: astype(self, "float16"),
}
