"""Fourth part of the op table (see ``op_cases.py``): the second round of PyTorch tensor
functions, ``ops/indexing.py`` (gather, take_along_dim, index_select, masked_select,
nonzero, scatter, scatter_add), ``ops/elementwise_extra.py`` (log1p, expm1, log2, log10,
exp2, reciprocal, rsqrt, nan_to_num, square), ``ops/reduction_extra.py`` (amax, amin,
cumprod) and tile / movedim.

Index arrays are constants that depend only on the shapes (so the PyTorch worker sees
the same ones); they repeat positions where the op allows it, so that gradients that
must add up (gather, scatter_add) are checked doing so.
"""

from __future__ import annotations

import numpy as np
from op_cases import Case, add, const, mask

import minidl as mdl


def _index(shape, high, seed=11):
    """Integer indices in 0 .. high-1 of ``shape`` (repeats likely), from the shape alone."""
    return np.random.default_rng([seed, *shape]).integers(0, high, shape)


def _distinct(shape, high, axis, seed=13):
    """Indices of ``shape`` that never repeat along ``axis`` (each row part of a permutation
    of 0 .. high-1): scatter writes each place at most once, so its gradient is defined."""
    full = list(shape)
    full[axis] = high
    order = np.argsort(np.random.default_rng([seed, *shape]).random(full), axis=axis)
    return np.take(order, range(shape[axis]), axis=axis)


def _grid(index, axis):
    """The NumPy advanced index of gather/scatter: ``index`` along ``axis``, positions elsewhere."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[axis] = index
    return tuple(grid)


def _np_scatter(a, axis, index, src, add_up):
    out = a.copy()
    src = src[tuple(slice(0, n) for n in index.shape)]
    if add_up:
        np.add.at(out, _grid(index, axis), src)
    else:
        out[_grid(index, axis)] = src
    return out


def _th_index(t, index):
    return t.as_tensor(np.asarray(index, dtype=np.int64))


# ----------------------------------------------------------------- gather, take_along_dim, index_select

# (input shape, dim, index shape): the index may be shorter than the input along the other dims
_GATHER = [((3, 4), 1, (3, 5)), ((2, 3, 4), -1, (2, 2, 3)), ((4, 3), 0, (2, 2)), ((5,), 0, (7,))]
for _shape, _dim, _ishape in _GATHER:
    add(Case(f"gather-{_shape}-dim={_dim}",
             lambda x, d=_dim, s=_ishape: x.gather(d, _index(s, x.shape[d])),
             lambda x, d=_dim, s=_ishape: x[_grid(_index(s, x.shape[d]), d % x.ndim)], [(_shape,)],
             th=lambda t, x, d=_dim, s=_ishape: t.gather(x, d, _th_index(t, _index(s, x.shape[d])))))
add(
    Case("take_along_dim-broadcast", lambda x: mdl.take_along_dim(x, _index((1, 2), 4), 1),
         lambda x: np.take_along_axis(x, np.broadcast_to(_index((1, 2), 4), (3, 2)), 1), [((3, 4),)],
         th=lambda t, x: t.take_along_dim(x, _th_index(t, _index((1, 2), 4)), 1)),
    Case("take_along_dim-flat", lambda x: x.take_along_dim(_index((5,), 12)),
         lambda x: x.reshape(-1)[_index((5,), 12)], [((3, 4),)],
         th=lambda t, x: t.take_along_dim(x, _th_index(t, _index((5,), 12)))),
)
for _dim in (0, -1):
    add(Case(f"index_select-dim={_dim}", lambda x, d=_dim: mdl.index_select(x, d, _index((5,), x.shape[d])),
             lambda x, d=_dim: np.take(x, _index((5,), x.shape[d]), axis=d), [((3, 4),), ((2, 3, 2),)],
             th=lambda t, x, d=_dim: t.index_select(x, d, _th_index(t, _index((5,), x.shape[d])))))
add(
    Case("masked_select", lambda x: x.masked_select(mask(x.shape)), lambda x: x[mask(x.shape)],
         [((3, 4),), ((5,),)], th=lambda t, x: t.masked_select(x, t.as_tensor(mask(tuple(x.shape))))),
    Case("masked_select-broadcast", lambda x: mdl.masked_select(x, mask((3, 1))),
         lambda x: np.broadcast_to(x, (3, 4))[np.broadcast_to(mask((3, 1)), (3, 4))], [((4,),)],
         th=lambda t, x: t.masked_select(x, t.as_tensor(mask((3, 1))))),
    Case("nonzero", lambda x: mdl.nonzero(x), np.argwhere, [((3, 4),), ((2, 3, 2),), ((6,),)], "ints",
         grad=False, th=lambda t, x: t.nonzero(x)),
    Case("nonzero-as_tuple", lambda x: mdl.stack(x.nonzero(as_tuple=True)), lambda x: np.stack(np.nonzero(x)),
         [((3, 4),)], "ints", grad=False, th=lambda t, x: t.stack(t.nonzero(x, as_tuple=True))),
)

# ----------------------------------------------------------------- scatter, scatter_add (out of place)
# src may be larger than the index (only its leading part is used); torch 2.13 computes that
# forward but its backward fails on it, so the PyTorch twins slice src to the index's shape first

for _dim in (1, 0):
    add(Case(f"scatter-dim={_dim}", lambda a, s, d=_dim: a.scatter(d, _distinct((2, 3), a.shape[d], d), s),
             lambda a, s, d=_dim: _np_scatter(a, d, _distinct((2, 3), a.shape[d], d), s, False),
             [((3, 5), (2, 4)), ((4, 3), (3, 3))],
             th=lambda t, a, s, d=_dim: t.scatter(a, d, _th_index(t, _distinct((2, 3), a.shape[d], d)), s[:2, :3])),
        Case(f"scatter_add-dim={_dim}",
             lambda a, s, d=_dim: mdl.scatter_add(a, d, _index((2, 3), a.shape[d]), s),
             lambda a, s, d=_dim: _np_scatter(a, d, _index((2, 3), a.shape[d]), s, True),
             [((3, 5), (2, 4)), ((2, 3), (2, 3))],
             th=lambda t, a, s, d=_dim: t.scatter_add(a, d, _th_index(t, _index((2, 3), a.shape[d])), s[:2, :3])))
add(Case("scatter-value", lambda a: mdl.scatter(a, 1, _index((3, 1), 4), 1.5),
         lambda a: _np_scatter(a, 1, _index((3, 1), 4), np.full((3, 1), 1.5), False), [((3, 4),)],
         th=lambda t, a: a.scatter(1, _th_index(t, _index((3, 1), 4)), 1.5)))

# ----------------------------------------------------------------- elementwise


def _exp2(x):
    return np.exp2(x)


for _name, _ref, _kind in (("log1p", np.log1p, "unit"), ("expm1", np.expm1, "normal"), ("log2", np.log2, "positive"),
                           ("log10", np.log10, "positive"), ("exp2", _exp2, "normal"),
                           ("reciprocal", np.reciprocal, "away"), ("rsqrt", lambda x: 1 / np.sqrt(x), "positive"),
                           ("square", np.square, "normal"), ("nan_to_num", np.nan_to_num, "normal")):
    add(Case(_name, lambda x, n=_name: getattr(x, n)(), _ref, [((3, 4),), ((),)], _kind,
             th=lambda t, x, n=_name: getattr(x, n)()),
        Case(f"{_name}-fn", lambda x, n=_name: getattr(mdl, n)(x), _ref, [((5,),)], _kind,
             th=lambda t, x, n=_name: getattr(t, n)(x)))


def _logged(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


add(Case("nan_to_num-replaced", lambda x: mdl.nan_to_num(mdl.log(x), nan=-7.0, posinf=9.0, neginf=-8.0),
         lambda x: np.nan_to_num(_logged(x), nan=-7.0, posinf=9.0, neginf=-8.0), [((3, 4),)], "ints", grad=False,
         th=lambda t, x: t.nan_to_num(x.log(), nan=-7.0, posinf=9.0, neginf=-8.0)))  # the default replacements of ±inf depend on the dtype: test_torch_tensor_functions_more.py

# ----------------------------------------------------------------- amax, amin, cumprod, tile, movedim

for _name in ("amax", "amin"):
    for _dim, _kd in (((), False), (1, False), (-1, True), ((0, 2), False)):
        add(Case(f"{_name}-dim={_dim}-keepdim={_kd}", lambda x, n=_name, d=_dim, k=_kd: getattr(x, n)(d, k),
                 lambda x, n=_name, d=_dim, k=_kd: getattr(np, n)(x, axis=d if d != () else None, keepdims=k),
                 [((2, 3, 4),)], th=lambda t, x, n=_name, d=_dim, k=_kd: getattr(t, n)(x, d, k)))
for _dim in (0, -1):  # ints: zeros among the factors, once or several times
    for _kind in ("normal", "ints"):
        add(Case(f"cumprod-dim={_dim}-{_kind}", lambda x, d=_dim: x.cumprod(d), lambda x, d=_dim: np.cumprod(x, d),
                 [((4, 5),), ((2, 3, 4),), ((6,),)], _kind, th=lambda t, x, d=_dim: t.cumprod(x, d)))
add(
    Case("cumprod-0d", lambda x: mdl.cumprod(x, 0), lambda x: x.copy(), [((),)], th=lambda t, x: t.cumprod(x, 0)),
    Case("tile", lambda x: mdl.tile(x, (2, 3)), lambda x: np.tile(x, (2, 3)), [((2, 3),), ((3,),), ((2, 1, 2),)],
         th=lambda t, x: t.tile(x, (2, 3))),
    Case("tile-method", lambda x: x.tile(2), lambda x: np.tile(x, 2), [((2, 3),)], th=lambda t, x: x.tile(2)),
    Case("movedim", lambda x: x.movedim(-1, 1), lambda x: np.moveaxis(x, -1, 1), [((2, 3, 4, 5),), ((2, 3),)],
         th=lambda t, x: x.movedim(-1, 1)),
    Case("movedim-many", lambda x: mdl.movedim(x, (0, 1), (2, 0)), lambda x: np.moveaxis(x, (0, 1), (2, 0)),
         [((2, 3, 4),)], th=lambda t, x: t.movedim(x, (0, 1), (2, 0))),
    Case("view_as", lambda a, b: a.view_as(b) * b, lambda a, b: a.reshape(b.shape) * b, [((6,), (2, 3))],
         th=lambda t, a, b: a.view_as(b) * b),
    Case("reshape_as", lambda a, b: a.reshape_as(b), lambda a, b: a.reshape(b.shape), [((2, 3), (3, 2))],
         th=lambda t, a, b: a.reshape_as(b)),
    Case("type_as", lambda x: x.type_as(mdl.tensor(const((1,)), dtype=x.dtype)) * 2.0, lambda x: x * 2.0,
         [((2, 3),)], th=lambda t, x: x.type_as(x) * 2.0),
)
