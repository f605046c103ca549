"""minidl: a small, readable deep learning engine.

>>> import minidl as mdl
>>> x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])

Map of the package: ``autograd.py`` (Tensor, Function, backward), ``backend.py``
(NumPy/CuPy, dtypes), ``ops/`` (one module per op family), ``kernels/`` (Numba and
CuPy hot paths), ``functional.py``, ``nn/``, ``optim/``, ``keras/``, ``datasets/``.
"""

from __future__ import annotations

try:  # thread policy first: it must run before NumPy/Numba start their thread pools
    from .kernels.threads import configure_threads as _configure_threads

    _configure_threads()
except ImportError:  # pragma: no cover
    pass

import numpy as _np

from . import backend, ops
from .autograd import Function, Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import cuda, default_dtype, set_default_dtype
from .errors import (
    DeviceMismatchError,
    DeviceUnavailableError,
    DivisionByZeroError,
    GradcheckError,
    GraphError,
    InvalidIndexError,
    MinidlError,
    NotFiniteError,
    NotReadyError,
    ShapeError,
    StateDictError,
)
from .gradcheck import gradcheck
from .ops import (
    abs,
    amax,
    amin,
    arange,
    argmax,
    argmin,
    argsort,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clamp,
    clip,
    concatenate,
    cos,
    cumprod,
    cumsum,
    diag,
    dot,
    einsum,
    exp,
    exp2,
    expand,
    expand_as,
    expand_dims,
    expm1,
    eye,
    flatten,
    flip,
    floor,
    floor_divide,
    full,
    gather,
    index_select,
    isfinite,
    isinf,
    isnan,
    linspace,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logsumexp,
    masked_fill,
    masked_select,
    matmul,
    maximum,
    mean,
    minimum,
    movedim,
    nan_to_num,
    narrow,
    nonzero,
    ones,
    ones_like,
    outer,
    pad,
    pow,
    prod,
    rand,
    randint,
    randn,
    reciprocal,
    remainder,
    repeat,
    reshape,
    roll,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    squeeze,
    stack,
    sum,
    take_along_dim,
    tanh,
    tile,
    topk,
    trace,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    where,
    zeros,
    zeros_like,
)
from .ops.constructors import (  # PyTorch's legacy typed constructors: torch.FloatTensor([1, 2])
    BoolTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
)
from .ops.torch_spellings import (  # PyTorch's names: torch.max(x, 1) gives (values, indices)
    allclose,
    bmm,
    clone,
    is_tensor,
    max,
    min,
    mm,
    numel,
    permute,
    rand_like,
    randn_like,
    randperm,
    unsqueeze,
)
from .ops.torch_spellings import device as _device
from .random import manual_seed
from .tf_compat import (  # the TensorFlow spellings (``import minidl as tf``)
    PhysicalDevice,
    Variable,
    add,
    cast,
    config,
    constant,
    convert_to_tensor,
    divide,
    multiply,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_sum,
    square,
    subtract,
)
from .tf_tape import GradientTape, UnconnectedGradients

float16 = _np.dtype("float16")
float32 = _np.dtype("float32")
float64 = _np.dtype("float64")
int32 = _np.dtype("int32")
int64 = _np.dtype("int64")
bool_ = _np.dtype("bool")

__version__ = "0.1.0"


def tensor(data, requires_grad: bool = False, dtype=None, device: str | None = None) -> Tensor:
    """Make a tensor (a copy of ``data``).  Floating data becomes float32 unless ``dtype``
    says otherwise; integer and bool data keep their kind (and cannot require grad).  A
    Tensor keeps its dtype (as ``torch.tensor(t)``): ``tensor(x64)`` stays float64."""
    if dtype is None and isinstance(data, Tensor):
        dtype = data.dtype
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device, copy=True)


def from_numpy(array: _np.ndarray) -> Tensor:
    """A tensor that shares memory with a NumPy array (as ``torch.from_numpy``): no copy and
    no dtype change, so writes to one show in the other.  ``tensor()`` copies instead."""
    if type(array) is not _np.ndarray:
        kind = type(array)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {name}; "
                        "use minidl.tensor(data) for other data")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"from_numpy supports float, int and bool arrays, got dtype {array.dtype}")
    return Tensor._wrap(array)


def __getattr__(name: str):
    """Load the larger sub-packages on first use (``mdl.keras``, ``mdl.nn``, ...)."""
    import importlib

    lazy = {"nn", "optim", "keras", "functional", "datasets", "metrics", "plot", "tune",
            "explain", "monitor", "io", "kernels", "serve", "onnx", "random", "utils",
            "gradients"}
    if name in lazy:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".io", __name__), name)
    raise AttributeError(f"module 'minidl' has no attribute {name!r}")


get_default_dtype = default_dtype
inference_mode = no_grad


def as_tensor(data, dtype=None, device: str | None = None) -> Tensor:
    """``data`` as a tensor, without a copy when it already is one of that dtype and device."""
    if isinstance(data, Tensor) and (dtype is None or backend.as_dtype(dtype) == data.dtype) \
            and (device is None or device == data.device):
        return data
    return Tensor(data, dtype=dtype, device=device)


def empty(*shape, dtype=None, device: str | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` to be filled in (zeros in minidl, never garbage)."""
    return zeros(*shape, dtype=dtype, device=device, requires_grad=requires_grad)


__all__ = [
    "Tensor", "Function", "tensor", "from_numpy", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "manual_seed", "gradcheck", "cuda", "backend", "ops",
    "default_dtype", "set_default_dtype", "MinidlError", "DeviceMismatchError",
    "GradcheckError", "GraphError", "ShapeError", "StateDictError", "InvalidIndexError",
    "float16", "float32", "float64", "int32",
    "int64", "bool_", "abs", "arange", "argmax", "argmin", "broadcast_to", "clip",
    "concatenate", "exp", "expand_dims", "flatten", "full", "log", "logsumexp", "matmul",
    "maximum", "mean", "minimum", "ones", "ones_like", "pad", "rand", "randn", "reshape",
    "sigmoid", "softmax", "sqrt", "squeeze", "stack", "sum", "tanh", "transpose", "where",
    "zeros", "zeros_like", "save", "load", "DivisionByZeroError", "DeviceUnavailableError",
    "NotFiniteError", "NotReadyError", "cat", "clamp", "cumsum", "eye",
    "floor_divide", "linspace", "masked_fill", "randint", "remainder", "sort", "topk", "tril", "triu",
    "PhysicalDevice", "Variable", "add", "cast", "config", "constant", "convert_to_tensor", "divide",
    "multiply", "reduce_max", "reduce_mean", "reduce_min", "reduce_sum", "square", "subtract",
    "GradientTape", "UnconnectedGradients",
]

__all__ += [  # PyTorch's spellings (``import minidl as torch``)
    "allclose", "as_tensor", "bmm", "clone", "device", "empty", "get_default_dtype", "inference_mode",
    "is_tensor", "max", "min", "mm", "numel", "permute", "rand_like", "randn_like", "unsqueeze",
    "randperm", "sin", "cos",
    "float", "double", "half", "long", "int", "bool",
    "split", "chunk", "unbind", "narrow", "repeat", "expand", "expand_as", "flip", "roll", "argsort",
    "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_xor", "logical_not",
    "sign", "round", "floor", "ceil", "trunc", "prod", "pow", "dot", "outer", "diag", "trace", "einsum",
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "BoolTensor",
    "gather", "take_along_dim", "index_select", "masked_select", "nonzero", "scatter", "scatter_add",
    "log1p", "expm1", "log2", "log10", "exp2", "reciprocal", "rsqrt", "nan_to_num",
    "amax", "amin", "cumprod", "tile", "movedim",
]

# PyTorch's names for dtypes and devices, defined last: they shadow builtins in this module
device = _device
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
bool = bool_  # noqa: A001

del annotations  # the __future__ import's name: not part of minidl's API
