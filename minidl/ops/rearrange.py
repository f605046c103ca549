"""Copying and reordering a tensor's elements, as PyTorch spells it: repeat and tile,
expand (broadcast without copying), flip, roll and movedim.

Each derivative sends every output gradient back to the element it was copied from;
where an element was copied several times (repeat, expand) the gradients add up.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function, Tensor
from ..errors import ShapeError
from .common import as_tensor, normalize_axes
from .elementwise import _xp
from .shape import _is_int, broadcast_to, transpose


class Repeat(Function):
    """z = a tiled ``reps[i]`` times along axis i (NumPy's ``tile``, PyTorch's ``repeat``).

    Output axis i is (copy k, position j) with index k·n_i + j, so dz/da sums the gradient
    over the copies: reshape G to (r_0, n_0, r_1, n_1, ...) and sum the r axes."""

    def forward(self, a):
        return _xp(a).tile(a, self.reps)

    def backward(self, g):
        split = []
        for r, n in zip(self.reps, self.tiled_shape):
            split += [r, n]
        grad = g.reshape(split).sum(axis=tuple(range(0, 2 * len(self.reps), 2)))
        return (grad.reshape(self.shape),)


class Flip(Function):
    """z = a reversed along ``axes``;  dz/da is G reversed along the same axes."""

    def forward(self, a):
        return _xp(a).flip(a, axis=self.axes)

    def backward(self, g):
        return (_xp(g).flip(g, axis=self.axes),)


class Roll(Function):
    """z = a shifted cyclically by ``shifts`` along ``axes`` (None: the flattened tensor);
    dz/da is G shifted back by -shifts."""

    def forward(self, a):
        return _xp(a).roll(a, self.shifts, axis=self.axes)

    def backward(self, g):
        back = -self.shifts if self.axes is None else tuple(-s for s in self.shifts)
        return (_xp(g).roll(g, back, axis=self.axes),)


# ---------------------------------------------------------------- user functions


def _sizes(sizes: tuple, name: str) -> tuple[int, ...]:
    """Sizes given as ints (``x.repeat(2, 3)``) or as one sequence (``x.repeat((2, 3))``)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if not all(_is_int(n) for n in sizes):
        raise TypeError(f"{name} needs integer sizes, got {sizes!r}")
    return tuple(int(n) for n in sizes)


def repeat(a: Tensor, *sizes: Any) -> Tensor:
    """``a`` copied ``sizes[i]`` times along each axis, as ``torch.Tensor.repeat`` (and
    ``np.tile``): ``x.repeat(2, 1)`` stacks two copies of a matrix.  Extra leading sizes
    add new axes.  (NumPy's ``repeat``, which repeats each element, is a different op.)"""
    a = as_tensor(a)
    reps = _sizes(sizes, "repeat")
    if len(reps) < a.ndim:
        raise ValueError(f"repeat needs at least one size per axis ({a.ndim}) of a tensor of shape "
                         f"{a.shape}, got {reps}")
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat sizes must be non-negative, got {reps}")
    tiled_shape = (1,) * (len(reps) - a.ndim) + a.shape
    return Repeat.apply(a, reps=reps, tiled_shape=tiled_shape, shape=a.shape)


def expand(a: Tensor, *sizes: Any) -> Tensor:
    """``a`` broadcast to ``sizes``, as ``torch.Tensor.expand``: axes of size 1 grow, -1
    keeps an axis as it is, extra leading sizes add new axes.  The gradient of the copies
    is summed back (the engine's unbroadcast)."""
    a = as_tensor(a)
    target = _sizes(sizes, "expand")
    new = len(target) - a.ndim
    if new < 0:
        raise ShapeError(f"expand needs at least {a.ndim} sizes for a tensor of shape {a.shape}, got {target}")
    if any(n < 0 for n in target[:new]):
        raise ShapeError(f"expand: -1 can only keep an existing axis, not a new leading one; got {target} "
                         f"for a tensor of shape {a.shape}")
    shape = target[:new] + tuple(old if n == -1 else n for n, old in zip(target[new:], a.shape))
    for i, (n, old) in enumerate(zip(shape[new:], a.shape)):
        if n != old and old != 1:
            raise ShapeError(f"expand: axis {i} of a tensor of shape {a.shape} has size {old}, which cannot "
                             f"become {n} (only size-1 axes grow); target sizes {target}")
    return a if shape == a.shape else broadcast_to(a, shape)


def expand_as(a: Tensor, other: Any) -> Tensor:
    """``a`` expanded to ``other``'s shape: ``a.expand(*other.shape)``."""
    return expand(a, tuple(as_tensor(other).shape))


def flip(a: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """``a`` reversed along ``dims`` (an int or a sequence of ints), as ``torch.flip``:
    ``x.flip(0)``, ``x.flip(0, 1)``, ``mdl.flip(x, dims=(0, 1))``.  (Unlike NumPy, ``dims``
    is required.)"""
    a = as_tensor(a)
    if dims is not None:
        if args:
            raise TypeError(f"flip got dims twice: {args!r} and dims={dims!r}; give one")
        args = (dims,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if not args:
        raise TypeError("flip needs the dims to reverse, e.g. x.flip(0) or mdl.flip(x, (0, 1))")
    axes = normalize_axes(args, a.ndim)
    return Flip.apply(a, axes=axes) if axes else a


def roll(a: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """``a`` shifted cyclically by ``shifts`` along ``dims``, as ``torch.roll``: elements
    that leave one end come back at the other.  Without ``dims`` the tensor is rolled as
    if flattened (and keeps its shape); otherwise ``shifts`` and ``dims`` pair up."""
    a = as_tensor(a)
    if dims is None:
        if not _is_int(shifts):
            raise TypeError(f"roll without dims takes one int shift, got {shifts!r}")
        return Roll.apply(a, shifts=int(shifts), axes=None)
    shift_list = (shifts,) if _is_int(shifts) else tuple(shifts) if isinstance(shifts, (tuple, list)) else None
    dim_list = (dims,) if _is_int(dims) else tuple(dims) if isinstance(dims, (tuple, list)) else None
    if shift_list is None or not all(_is_int(s) for s in shift_list):
        raise TypeError(f"roll shifts must be an int or a sequence of ints, got {shifts!r}")
    if dim_list is None or not all(_is_int(d) for d in dim_list):
        raise TypeError(f"roll dims must be an int or a sequence of ints, got {dims!r}")
    if len(dim_list) != len(shift_list):
        raise ValueError(f"roll needs one dim per shift, got shifts={shifts!r} and dims={dims!r}")
    axes = tuple(normalize_axes(d, a.ndim)[0] if a.ndim else None for d in dim_list)
    if a.ndim == 0:  # one element: rolling changes nothing
        return Roll.apply(a, shifts=0, axes=None)
    return Roll.apply(a, shifts=tuple(int(s) for s in shift_list), axes=axes)


def tile(a: Tensor, *dims: Any) -> Tensor:
    """``a`` copied ``dims[i]`` times along each axis, as ``torch.tile`` and ``np.tile``:
    :func:`repeat`, except that fewer sizes than axes are allowed (ones are put in front,
    so ``x.tile((2,))`` of a matrix copies its columns)."""
    a = as_tensor(a)
    reps = _sizes(dims, "tile")
    return repeat(a, (1,) * (a.ndim - len(reps)) + reps)


def movedim(a: Tensor, source: Any, destination: Any) -> Tensor:
    """``a`` with the axes ``source`` moved to the positions ``destination`` (ints or
    sequences of one length), the others keeping their order, as ``torch.movedim`` and
    ``np.moveaxis``: ``x.movedim(-1, 1)`` turns NHWC into NCHW."""
    a = as_tensor(a)
    sources = [source] if _is_int(source) else list(source) if isinstance(source, (tuple, list)) else None
    targets = [destination] if _is_int(destination) else \
        list(destination) if isinstance(destination, (tuple, list)) else None
    if sources is None or targets is None or not all(_is_int(d) for d in sources + targets):
        raise TypeError(f"movedim takes ints or sequences of ints, got {source!r} and {destination!r}")
    if len(sources) != len(targets):
        raise ValueError(f"movedim needs as many destinations as sources, got {source!r} and {destination!r}")
    sources = [normalize_axes(d, a.ndim)[0] if a.ndim else 0 for d in sources]
    targets = [normalize_axes(d, a.ndim)[0] if a.ndim else 0 for d in targets]
    for given, name in ((sources, "source"), (targets, "destination")):
        if len(set(given)) != len(given):
            raise ValueError(f"movedim: repeated dim in {name} {given}")
    if a.ndim == 0:
        return a
    order = [d for d in range(a.ndim) if d not in sources]
    for target, src in sorted(zip(targets, sources)):
        order.insert(target, src)
    return a if order == list(range(a.ndim)) else transpose(a, tuple(order))


METHODS = {"repeat": repeat, "expand": expand, "expand_as": expand_as, "flip": flip, "roll": roll,
           "tile": tile, "movedim": movedim, "moveaxis": movedim}
