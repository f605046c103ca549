"""PyTorch-style layers: Linear, Flatten, Dropout, Embedding, activations, Sequential.

Note on layout: ``Linear.weight`` has shape (in_features, out_features) so that the
maths reads ``y = x @ W + b``; PyTorch stores the transpose, (out, in).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from ..backend import default_dtype
from ..errors import InvalidIndexError, ShapeError
from ..ops.linalg import linear_relu
from . import init
from .module import Module
from .parameter import Parameter


def _check_positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return float(value)


class Linear(Module):
    """y = x W + b with W of shape (in_features, out_features).

    Initialised as PyTorch: W and b ~ U(-1/√in, 1/√in).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = _check_positive("in_features", in_features)
        self.out_features = _check_positive("out_features", out_features)
        bound = 1 / math.sqrt(in_features)
        self.weight = Parameter(np.zeros((in_features, out_features), dtype=default_dtype()))
        init.uniform_(self.weight, -bound, bound)
        self.bias = None
        if bias:
            self.bias = Parameter(np.zeros(out_features, dtype=default_dtype()))
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(self._checked(x), self.weight, self.bias)

    def forward_relu(self, x: Tensor) -> Tensor:
        """``relu(self(x))`` as one autograd node (what ``Sequential`` runs for Linear, ReLU)."""
        return linear_relu(self._checked(x), self.weight, self.bias)

    def _checked(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear expected input with last dimension {self.in_features}, got shape {x.shape}"
            )
        return x

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1·d2·...): axes ``start_dim`` to ``end_dim`` (both included,
    negative counts from the end) merged into one, as ``torch.nn.Flatten``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if type(value) is not int:
                raise TypeError(f"Flatten {name} must be an int, got {value!r}")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if (self.start_dim, self.end_dim) == (1, -1):  # the usual case: (batch, features)
            if x.ndim < 2:
                raise ShapeError(f"Flatten expects input of shape (batch, ...) with at least 2 dimensions, "
                                 f"got shape {x.shape}")
            return x.flatten(1)
        n = max(x.ndim, 1)
        start, end = self.start_dim % n, self.end_dim % n
        if not (-n <= self.start_dim < n and -n <= self.end_dim < n) or start > end:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) does not fit "
                             f"an input of shape {x.shape}")
        return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x


class Dropout(Module):
    """Inverted dropout with drop probability ``p`` while training; identity in eval mode."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        # p = 1 (PyTorch: all zeros) is refused as in Keras: the inverted scaling 1/(1-p) is infinite
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0 <= p < 1:
            raise ValueError(f"Dropout probability must be a number in [0, 1), got {p!r}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Embedding(Module):
    """A lookup table: row i of ``weight`` is the vector of token i.  Init N(0, 1).

    ``padding_idx`` (as PyTorch): that row starts at zero and gets no gradient, so a
    padding token always maps to the zero vector.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None) -> None:
        super().__init__()
        self.num_embeddings = _check_positive("num_embeddings", num_embeddings)
        self.embedding_dim = _check_positive("embedding_dim", embedding_dim)
        if padding_idx is not None:
            if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)) \
                    or not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding padding_idx must be an int in [-{num_embeddings}, "
                                 f"{num_embeddings}), got {padding_idx!r}")
            padding_idx = int(padding_idx) % num_embeddings  # -1 means the last row, as PyTorch
        self.padding_idx = padding_idx
        self.weight = Parameter(np.zeros((num_embeddings, embedding_dim), dtype=default_dtype()))
        init.normal_(self.weight)
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0

    def forward(self, indices: Any) -> Tensor:
        return embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


def embedding(indices: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by integer ``indices`` (gradient scatter-added).

    The row ``padding_idx`` (if given) is read through a mask, so its gradient is zero.
    """
    idx = indices.data if isinstance(indices, Tensor) else weight.xp.asarray(indices)
    if idx.dtype.kind not in "iu":
        if idx.dtype.kind != "f" or not idx.size:
            raise TypeError(f"Embedding expects integer indices, got dtype {idx.dtype}")
        whole = weight.xp.isfinite(idx) & (weight.xp.floor(idx) == idx)
        if not bool(whole.all()):  # name a value: "got dtype float32" alone puzzles
            bad = float(idx.reshape(-1)[int(np.argmin(whole.reshape(-1)))])
            raise TypeError(f"Embedding expects integer indices, got {bad!r} (dtype {idx.dtype}); "
                            "whole-number floats are accepted, other values are not")
        idx = idx.astype(np.int64)
    n = weight.shape[0]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise InvalidIndexError(f"Embedding index out of range: expected indices in [0, {n}), got "
                         f"min {int(idx.min())} and max {int(idx.max())}")
    rows = weight[idx]
    if padding_idx is None:
        return rows
    keep = (idx != padding_idx)[..., None].astype(weight.dtype)  # 0 where the padding token is
    # the same values, but the padding row's enter as a constant: no gradient reaches it
    return rows * Tensor._wrap(keep) + Tensor._wrap(rows.data * (1 - keep))


def _activation_module(name: str, fn: Any, doc: str) -> type:
    def forward(self: Module, x: Tensor) -> Tensor:
        return fn(x)

    return type(name, (Module,), {"forward": forward, "__doc__": doc})


ReLU = _activation_module("ReLU", F.relu, "max(x, 0)")
Sigmoid = _activation_module("Sigmoid", F.sigmoid, "1 / (1 + e^-x)")
Tanh = _activation_module("Tanh", F.tanh, "tanh x")


class GELU(Module):
    """x·Φ(x) (Φ the normal CDF); ``approximate="tanh"`` for the tanh formula, as PyTorch."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class LeakyReLU(Module):
    """x if x > 0 else negative_slope·x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = _check_number("negative_slope", negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x if x > 0 else alpha·(eˣ - 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = _check_number("alpha", alpha)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softmax(Module):
    """eˣ / Σ eˣ along ``axis`` (PyTorch calls it ``dim``)."""

    def __init__(self, axis: int = -1, dim: int | None = None) -> None:
        super().__init__()
        self.axis = axis if dim is None else dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Softmax):
    """log softmax(x) along ``axis`` (``dim``): the input ``NLLLoss`` expects.  The default is
    the last axis (PyTorch's ``dim=None`` guesses an axis from the input's rank, deprecated)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"dim={self.axis}"  # PyTorch's spelling


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``, as ``torch.nn.Unflatten``:
    ``Unflatten(1, (7, 7, 64))`` turns (N, 3136) into (N, 7, 7, 64).  One size may be -1."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        if type(dim) is not int:
            raise TypeError(f"Unflatten dim must be an int, got {dim!r}")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, (tuple, list)) else None
        if not sizes or not all(type(n) is int and (n >= 1 or n == -1) for n in sizes) \
                or sizes.count(-1) > 1:
            raise ValueError(f"Unflatten unflattened_size must be a non-empty tuple of positive ints "
                             f"(at most one -1), got {unflattened_size!r}")
        self.dim, self.unflattened_size = dim, sizes

    def forward(self, x: Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Unflatten dim {self.dim} is out of range for an input of shape {x.shape}")
        axis = self.dim % x.ndim
        sizes, size = self.unflattened_size, x.shape[axis]
        known = math.prod(n for n in sizes if n != -1)
        if (-1 in sizes and size % known) or (-1 not in sizes and known != size):
            raise ShapeError(f"Unflatten cannot split axis {self.dim} of size {size} (input shape {x.shape}) "
                             f"into {sizes}")
        return x.reshape(x.shape[:axis] + sizes + x.shape[axis + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Sequential(Module):
    """Apply modules in order: ``Sequential(a, b, c)(x) == c(b(a(x)))``."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):  # {name: module}, as PyTorch's OrderedDict
            for name, module in modules[0].items():
                self.append(module, str(name))
            return
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for i, module in enumerate(modules):
            self.append(module, str(i))

    def append(self, module: Module, name: str | None = None) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential takes Modules, got {type(module).__name__}")
        setattr(self, name if name is not None else str(len(self._modules)), module)
        return self

    def forward(self, x: Any) -> Any:
        from .conv import fused_conv_pool  # noqa: PLC0415 (conv imports this module)

        modules = list(self._modules.values())
        i = 0
        while i < len(modules):
            # inference runs Conv2d, ReLU, MaxPool2d as one kernel call when it can
            fused = fused_conv_pool(modules, i, x)
            if fused is not None:
                x, i = fused[0], i + fused[1]
            elif type(modules[i]) is Linear and i + 1 < len(modules) and type(modules[i + 1]) is ReLU:
                x, i = modules[i].forward_relu(x), i + 2  # one node: linear_relu
            else:
                x, i = modules[i](x), i + 1
        return x

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):  # a slice is a Sequential too, keeping the names (as PyTorch)
            return Sequential(dict(list(self._modules.items())[index]))
        return _item(self, index)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterable[Module]:
        return iter(self._modules.values())


def _item(container: Module, index: Any) -> Module:
    """``container[index]`` with a clear error for an index out of range."""
    modules = list(container._modules.values())
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"{type(container).__name__} indices must be ints or slices, got {index!r}")
    if not -len(modules) <= index < len(modules):
        raise InvalidIndexError(f"index {index} is out of range for a {type(container).__name__} of "
                         f"{len(modules)} modules")
    return modules[index]


class ModuleList(Module):
    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def _checked(self, modules: Any) -> list[Module]:
        """Every entry of an iterable of Modules, all checked before any is added."""
        if isinstance(modules, (str, bytes)) or not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList expects an iterable of Modules, got {type(modules).__name__}")
        modules = list(modules)
        for module in modules:
            if not isinstance(module, Module):
                raise TypeError(f"ModuleList takes Modules, got {type(module).__name__}")
        return modules

    def append(self, module: Module) -> ModuleList:
        self._checked([module])
        setattr(self, str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in self._checked(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index`` (as ``list.insert``); the names stay '0', '1', ..."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"ModuleList.insert index must be an int, got {index!r}")
        modules = list(self._modules.values())
        modules.insert(int(index), self._checked([module])[0])
        for position, entry in enumerate(modules):
            setattr(self, str(position), entry)

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return _item(self, index)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterable[Module]:
        return iter(self._modules.values())
