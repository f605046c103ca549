"""Reductions: sum, mean, max, min, var, std, logsumexp, argmax; and the running sum, cumsum.

Axes follow NumPy: ``axis=None`` reduces everything, an int or a tuple reduces those
axes, ``keepdims=True`` keeps them with size 1.  In every backward pass the reduced
axes are first put back (size 1) so the gradient broadcasts over the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import as_dtype, get_array_module
from .common import as_tensor, axis_and_keepdims, expand_reduced, normalize_axes
from .elementwise import _quiet


class Sum(Function):
    """z = Σ_axes a;  dz/da = 1 for every summed element."""

    def forward(self, a):
        self.shape = a.shape
        return a.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        g = expand_reduced(g, self.shape, self.axes, self.keepdims)
        return (get_array_module(g).broadcast_to(g, self.shape),)


class Mean(Function):
    """z = (1/n) Σ_axes a;  dz/da = 1/n, with n the number of averaged elements."""

    def forward(self, a):
        self.shape = a.shape
        return a.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        n = 1
        for axis in self.axes:
            n *= self.shape[axis]
        g = expand_reduced(g, self.shape, self.axes, self.keepdims)
        # n >= 1: mean() rejects empty reductions (and ``max`` here is this module's op)
        return (get_array_module(g).broadcast_to(g / n, self.shape),)


class MaxMin(Function):
    """z = max_axes a (or min);  dz/da = 1/k at the k elements equal to the extreme.

    Ties split the gradient evenly (as PyTorch's ``amax``), so that the gradient
    matches the one-sided derivatives on average and stays symmetric.
    """

    def forward(self, a):
        self.a = a
        reduce = a.max if self.largest else a.min
        self.z = reduce(axis=self.axes, keepdims=True)
        return self.z if self.keepdims else self.z.reshape(_drop(a.shape, self.axes))

    def backward(self, g):
        hits = (self.a == self.z).astype(g.dtype)
        count = hits.sum(axis=self.axes, keepdims=True)
        g = expand_reduced(g, self.a.shape, self.axes, self.keepdims)
        with _quiet():  # a nan maximum equals nothing: 0/0 = nan, as PyTorch
            return (g * hits / count,)


class Var(Function):
    """z = Σ (a - ā)² / (n - ddof);  dz/da = 2 (a - ā) / (n - ddof)."""

    def forward(self, a):
        self.shape = a.shape
        self.centered = a - a.mean(axis=self.axes, keepdims=True)
        n = 1
        for axis in self.axes:
            n *= a.shape[axis]
        self.denominator = n - self.ddof
        total = (self.centered * self.centered).sum(axis=self.axes, keepdims=self.keepdims)
        return total / self.denominator

    def backward(self, g):
        g = expand_reduced(g, self.shape, self.axes, self.keepdims)
        return (g * 2 * self.centered / self.denominator,)


class Std(Var):
    """z = √var(a);  dz/da = (a - ā) / ((n - ddof) z).

    Where z = 0 (all values equal) the derivative is 0, as PyTorch (sqrt∘var composed
    would give 0 · ∞ = nan there)."""

    def forward(self, a):
        self.z = get_array_module(a).sqrt(super().forward(a))
        return self.z

    def backward(self, g):
        z = expand_reduced(self.z, self.shape, self.axes, self.keepdims)
        g = expand_reduced(g, self.shape, self.axes, self.keepdims)
        with _quiet():
            scale = get_array_module(g).where(z == 0, 0, g / z)
        return (scale * self.centered / self.denominator,)


class LogSumExp(Function):
    """z = log Σ e^a, computed as m + log Σ e^(a-m) with m = max a (no overflow);
    dz/da = e^(a-z) = softmax(a)."""

    def forward(self, a):
        xp = get_array_module(a)
        self.a = a
        m = a.max(axis=self.axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        with _quiet():  # all -inf: log 0 = -inf, the right answer
            self.z = m + xp.log(xp.exp(a - m).sum(axis=self.axes, keepdims=True))
        return self.z if self.keepdims else self.z.reshape(_drop(a.shape, self.axes))

    def backward(self, g):
        xp = get_array_module(g)
        g = expand_reduced(g, self.a.shape, self.axes, self.keepdims)
        with _quiet():  # a row of -inf: -inf - (-inf) = nan, as PyTorch
            return (g * xp.exp(self.a - self.z),)


class CumSum(Function):
    """z_i = Σ_{j <= i} a_j along one axis;  dL/da_j = Σ_{i >= j} dL/dz_i, the running sum
    of the gradient taken from the other end (reverse, cumsum, reverse)."""

    def forward(self, a):
        return get_array_module(a).cumsum(a, axis=self.axis, dtype=self.dtype)

    def backward(self, g):
        xp = get_array_module(g)
        return (xp.flip(xp.cumsum(xp.flip(g, axis=self.axis), axis=self.axis), axis=self.axis),)


def _drop(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _floating(a: Any) -> Tensor:
    from .elementwise import _floating as floating

    return floating(a)


def _check_nonempty(a: Tensor, axes: tuple[int, ...], name: str) -> None:
    if any(a.shape[i] == 0 for i in axes) or (a.ndim and a.size == 0 and not axes):
        raise ValueError(f"{name}() of an empty tensor (shape {a.shape}) has no value")


# ---------------------------------------------------------------- user functions


def sum(a: Tensor, axis: Any = None, keepdims: bool = False, *,  # noqa: A001
        dim: Any = None, keepdim: bool | None = None) -> Tensor:
    """Σ over ``axis`` (``dim=``/``keepdim=`` as PyTorch spells them)."""
    a = as_tensor(a)
    axis, keepdims = axis_and_keepdims(axis, keepdims, dim, keepdim, "sum")
    return Sum.apply(a, axes=normalize_axes(axis, a.ndim), keepdims=keepdims)


def mean(a: Tensor, axis: Any = None, keepdims: bool = False, *,
         dim: Any = None, keepdim: bool | None = None) -> Tensor:
    a = _floating(a)
    axis, keepdims = axis_and_keepdims(axis, keepdims, dim, keepdim, "mean")
    axes = normalize_axes(axis, a.ndim)
    _check_nonempty(a, axes, "mean")
    return Mean.apply(a, axes=axes, keepdims=keepdims)


def max(a: Tensor, axis: Any = None, keepdims: bool = False, *,  # noqa: A001
        dim: Any = None, keepdim: bool | None = None) -> Any:
    """The largest value over ``axis`` (NumPy's ``amax``; ties share the gradient).

    As PyTorch: ``x.max(dim=1)`` returns ``(values, indices)`` (the gradient goes to the
    first maximum), and ``x.max(y)`` with a tensor ``y`` is :func:`maximum`."""
    return _extreme(a, axis, keepdims, dim, keepdim, largest=True)


def min(a: Tensor, axis: Any = None, keepdims: bool = False, *,  # noqa: A001
        dim: Any = None, keepdim: bool | None = None) -> Any:
    """The smallest value over ``axis``; ``dim=`` and ``x.min(y)`` as in :func:`max`."""
    return _extreme(a, axis, keepdims, dim, keepdim, largest=False)


def _extreme(a: Any, axis: Any, keepdims: Any, dim: Any, keepdim: Any, largest: bool) -> Any:
    name = "max" if largest else "min"
    if isinstance(axis, Tensor) and dim is None:  # PyTorch's x.max(other): elementwise
        from .selection import maximum, minimum

        return (maximum if largest else minimum)(a, axis)
    a = as_tensor(a)
    axis, keepdims = axis_and_keepdims(axis, keepdims, dim, keepdim, name)
    axes = normalize_axes(axis, a.ndim)
    _check_nonempty(a, axes, name)
    if dim is not None:
        from .sorting import extreme_along

        return extreme_along(a, dim, keepdims, largest)
    return MaxMin.apply(a, axes=axes, keepdims=keepdims, largest=largest)


def var(a: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0, *, dim: Any = None,
        keepdim: bool | None = None, correction: Any = None, unbiased: bool | None = None) -> Tensor:
    """Variance with divisor n - ddof.  PyTorch's ``correction=`` is ``ddof``, and
    ``unbiased=True`` is ddof=1; the default stays NumPy's ddof=0 (PyTorch's is 1)."""
    return _variance(Var, a, axis, keepdims, ddof, dim, keepdim, correction, unbiased)


def _variance(op: type[Var], a: Any, axis: Any, keepdims: Any, ddof: Any, dim: Any = None,
              keepdim: Any = None, correction: Any = None, unbiased: Any = None) -> Tensor:
    a = _floating(a)
    name = op.__name__.lower()
    axis, keepdims = axis_and_keepdims(axis, keepdims, dim, keepdim, name)
    ddof = _ddof(ddof, correction, unbiased, name)
    axes = normalize_axes(axis, a.ndim)
    n = 1
    for i in axes:
        n *= a.shape[i]
    if isinstance(ddof, bool) or not isinstance(ddof, (int, float, np.integer, np.floating)) or not ddof >= 0:
        raise ValueError(f"{name}() ddof must be a non-negative number, got {ddof!r}")
    if n - ddof <= 0:
        raise ValueError(f"{name}() needs more than ddof={ddof} elements per reduction, got {n}")
    return op.apply(a, axes=axes, keepdims=keepdims, ddof=ddof)


def _ddof(ddof: Any, correction: Any, unbiased: Any, name: str) -> Any:
    """ddof from NumPy's ``ddof=`` or PyTorch's ``correction=`` / ``unbiased=`` (only one)."""
    given = [k for k, v in (("correction", correction), ("unbiased", unbiased)) if v is not None]
    if len(given) > 1 or (given and ddof != 0):
        raise TypeError(f"{name} got more than one of ddof, correction and unbiased; give one")
    if unbiased is not None:
        if not isinstance(unbiased, (bool, np.bool_)):
            raise TypeError(f"{name} unbiased must be True or False, got {unbiased!r}")
        return int(unbiased)
    return ddof if correction is None else correction


def std(a: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0, *, dim: Any = None,
        keepdim: bool | None = None, correction: Any = None, unbiased: bool | None = None) -> Tensor:
    """Standard deviation, √var (its gradient is var's divided by 2·std, 0 where std = 0).
    Takes PyTorch's spellings as :func:`var` does."""
    return _variance(Std, a, axis, keepdims, ddof, dim, keepdim, correction, unbiased)


def logsumexp(a: Tensor, axis: Any = None, keepdims: bool = False, *,
              dim: Any = None, keepdim: bool | None = None) -> Tensor:
    a = _floating(a)
    axis, keepdims = axis_and_keepdims(axis, keepdims, dim, keepdim, "logsumexp")
    axes = normalize_axes(axis, a.ndim)
    _check_nonempty(a, axes, "logsumexp")
    return LogSumExp.apply(a, axes=axes, keepdims=keepdims)


def cumsum(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``, as ``torch.cumsum`` (the output has ``a``'s shape).
    Integer and bool tensors give int64, as PyTorch; ``dtype=`` converts ``a`` first
    (``mdl.cumsum(counts, 0, dtype=mdl.float64)``), so the gradient flows through."""
    return running(CumSum, "cumsum", a, dim, dtype)


def running(op: type[Function], name: str, a: Any, dim: Any, dtype: Any) -> Tensor:
    """A running reduction ``op`` (CumSum, CumProd) along ``dim``: checks ``dim``, converts to
    ``dtype`` first when given, and gives int64 for integer and bool input (PyTorch's rule)."""
    a = as_tensor(a)
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name} dim must be an int, got {dim!r}")
    axis = normalize_axes(dim, a.ndim)
    if dtype is not None:
        dtype = as_dtype(dtype)
        if dtype.kind not in "iuf":
            raise TypeError(f"{name} dtype must be an integer or floating dtype, got {dtype}")
        a = a if a.dtype == dtype else a.astype(dtype)
    dtype = a.dtype if a.dtype.kind == "f" or dtype is not None else np.dtype(np.int64)
    if not a.ndim:  # the running result of one number is itself
        return op.apply(a.reshape(1), axis=0, dtype=dtype).reshape(())
    return op.apply(a, axis=axis[0], dtype=dtype)


def argmax(a: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the largest element (the first one on ties); an int64 tensor, no gradient.
    ``axis=None`` indexes the flattened tensor, as NumPy (``dim=``/``keepdim=`` as PyTorch)."""
    return _arg(a, *axis_and_keepdims(axis, keepdims, dim, keepdim, "argmax"), "argmax")


def argmin(a: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the smallest element (the first one on ties); an int64 tensor, no gradient."""
    return _arg(a, *axis_and_keepdims(axis, keepdims, dim, keepdim, "argmin"), "argmin")


def _arg(a: Any, axis: Any, keepdims: bool, name: str) -> Tensor:
    a = as_tensor(a)
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} axis must be None or an int, got {axis!r}")
    axes = normalize_axes(axis, a.ndim)
    _check_nonempty(a, axes, name)
    if axis is not None and a.ndim:
        axis = axes[0]
    elif axis is not None:
        axis = None  # a 0-d tensor: axis 0 or -1 indexes the only element
    out = getattr(a.data, name)(axis=axis, keepdims=keepdims)
    return Tensor._wrap(np.asarray(out) if isinstance(a.data, np.ndarray) else out)  # 0-d: an array
