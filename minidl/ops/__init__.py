"""The op library, one module per family, and the Tensor methods built on it.

The methods below are bound here (not in ``autograd.py``) so that the core stays
small and each op lives next to its derivative.
"""

from __future__ import annotations

from ..autograd import Tensor
from . import activation, creation, elementwise, linalg, loss, reduction, rounding, selection, shape, sorting
from .activation import elu, gelu, leaky_relu, log_softmax, relu, softmax, softplus
from .constructors import BoolTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor
from .conv import conv2d
from .conv_transpose import conv_transpose2d
from .creation import (
    arange,
    dropout,
    eye,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    zeros,
    zeros_like,
)
from .einsum import einsum
from .elementwise import (
    abs,
    add,
    astype,
    cos,
    div,
    exp,
    log,
    mul,
    neg,
    pow,
    sigmoid,
    sin,
    sqrt,
    sub,
    tanh,
)
from .elementwise_extra import exp2, expm1, log1p, log2, log10, nan_to_num, reciprocal, rsqrt
from .indexing import gather, index_select, masked_select, nonzero, scatter, scatter_add, take_along_dim
from .linalg import linear, matmul
from .logical import isfinite, isinf, isnan, logical_and, logical_not, logical_or, logical_xor
from .pool import avg_pool2d, max_pool2d
from .products import diag, dot, outer, prod, trace
from .rearrange import expand, expand_as, flip, movedim, repeat, roll, tile
from .reduction import argmax, argmin, cumsum, logsumexp, max, mean, min, std, sum, var
from .reduction_extra import amax, amin, cumprod
from .rounding import ceil, floor, floor_divide, remainder, round, sign, trunc
from .selection import (
    clamp,
    clip,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    masked_fill,
    maximum,
    minimum,
    not_equal,
    tril,
    triu,
    where,
)
from .shape import (
    broadcast_to,
    cat,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    pad,
    reshape,
    squeeze,
    stack,
    swapaxes,
    transpose,
)
from .sorting import argsort, sort, topk
from .splitting import chunk, narrow, split, unbind
from .torch_spellings import bmm, clone, mm, numel, permute, rand_like, randn_like, randperm, unsqueeze

__all__ = [
    "activation", "creation", "elementwise", "linalg", "loss", "reduction", "selection", "shape",
    "abs", "add", "arange", "argmax", "argmin", "astype", "avg_pool2d", "broadcast_to", "clip",
    "concatenate", "conv2d", "div", "dropout", "elu", "equal", "exp", "expand_dims", "flatten",
    "full", "gelu", "getitem", "greater", "greater_equal", "leaky_relu", "less", "less_equal",
    "linear", "log", "log_softmax", "logsumexp", "matmul", "max", "max_pool2d", "maximum",
    "mean", "min", "minimum", "mul", "neg", "not_equal", "ones", "ones_like", "pad", "pow",
    "rand", "randn", "relu", "reshape", "sigmoid", "softmax", "softplus", "sqrt", "squeeze",
    "stack", "std", "sub", "sum", "swapaxes", "tanh", "transpose", "var", "where", "zeros",
    "zeros_like", "rounding", "sorting", "cat", "clamp", "cumsum", "eye", "floor_divide", "linspace",
    "masked_fill", "randint", "remainder", "sort", "topk", "tril", "triu",
    "bmm", "clone", "mm", "numel", "permute", "rand_like", "randn_like", "unsqueeze", "randperm", "sin", "cos",
    "split", "chunk", "unbind", "narrow", "repeat", "expand", "expand_as", "flip", "roll", "argsort",
    "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_xor", "logical_not",
    "sign", "round", "floor", "ceil", "trunc", "prod", "dot", "outer", "diag", "trace", "einsum",
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "BoolTensor",
    "gather", "take_along_dim", "index_select", "masked_select", "nonzero", "scatter", "scatter_add",
    "log1p", "expm1", "log2", "log10", "exp2", "reciprocal", "rsqrt", "nan_to_num",
    "amax", "amin", "cumprod", "tile", "movedim", "conv_transpose2d",
]


def _reflected(op):
    return lambda self, other: op(other, self)


def _bind_tensor_methods() -> None:
    methods = {
        "__add__": add, "__radd__": _reflected(add),
        "__sub__": sub, "__rsub__": _reflected(sub),
        "__mul__": mul, "__rmul__": _reflected(mul),
        "__truediv__": div, "__rtruediv__": _reflected(div),
        "__pow__": pow, "__rpow__": _reflected(pow),
        "__floordiv__": floor_divide, "__rfloordiv__": _reflected(floor_divide),
        "__mod__": remainder, "__rmod__": _reflected(remainder),
        "__matmul__": matmul, "__rmatmul__": _reflected(matmul),
        "__neg__": neg, "__abs__": abs, "__getitem__": getitem,
        "__eq__": equal, "__ne__": not_equal, "__lt__": less, "__le__": less_equal,
        "__gt__": greater, "__ge__": greater_equal,
        "exp": exp, "log": log, "sqrt": sqrt, "abs": abs, "tanh": tanh, "sigmoid": sigmoid,
        "sin": sin, "cos": cos,
        "relu": relu, "clip": clip, "astype": astype, "matmul": matmul,
        "sum": sum, "mean": mean, "max": max, "min": min, "var": var, "std": std,
        "argmax": argmax, "argmin": argmin, "logsumexp": logsumexp,
        "reshape": reshape, "transpose": transpose, "flatten": flatten, "squeeze": squeeze,
        "expand_dims": expand_dims, "softmax": softmax, "log_softmax": log_softmax,
        "clamp": clamp, "cumsum": cumsum, "masked_fill": masked_fill, "tril": tril, "triu": triu,
        "sort": sort, "topk": topk, "floor_divide": floor_divide, "remainder": remainder,
        "argsort": argsort, "sign": sign, "round": round, "floor": floor, "ceil": ceil, "trunc": trunc,
    }
    from . import (
        constructors,
        elementwise_extra,
        indexing,
        logical,
        products,
        rearrange,
        reduction_extra,
        splitting,
    )
    from .inplace import IN_PLACE_METHODS
    from .torch_spellings import TENSOR_METHODS, TensorSize

    for module in (constructors, logical, products, rearrange, splitting, indexing, elementwise_extra,
                   reduction_extra):
        methods.update(module.METHODS)
    for name, fn in {**methods, **TENSOR_METHODS, **IN_PLACE_METHODS}.items():
        setattr(Tensor, name, fn)
    Tensor.size = property(lambda self: TensorSize(tuple(self.data.shape)),
                           doc="The number of elements; size() is the shape, size(d) one axis (PyTorch).")
    Tensor.grad_fn = property(lambda self: self.creator, doc="PyTorch's name for creator.")
    Tensor.is_cuda = property(lambda self: self.device == "cuda")
    Tensor.T = property(lambda self: transpose(self), doc="The tensor with its axes reversed.")
    Tensor.float = lambda self: astype(self, "float32")
    Tensor.double = lambda self: astype(self, "float64")
    Tensor.cpu = lambda self: self.to("cpu")
    Tensor.tolist = lambda self: self.numpy().tolist()
    Tensor.__len__ = _length
    Tensor.__bool__ = lambda self: bool(self.data)
    Tensor.__float__ = lambda self: float(self.item())
    Tensor.__int__ = lambda self: int(self.item())


def _length(self: Tensor) -> int:
    if self.ndim == 0:
        raise TypeError("len() of a 0-d tensor")
    return self.data.shape[0]


_bind_tensor_methods()
