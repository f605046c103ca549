"""Third part of the op table (see ``op_cases.py``): the PyTorch tensor functions of
``ops/splitting.py``, ``rearrange.py``, ``logical.py``, ``rounding.py`` (steps),
``products.py`` and ``sorting.argsort``, plus ``mdl.pow``.

Functions that return several pieces (split, chunk, unbind) are checked through one
tensor: the pieces scaled by 1, 2, 3, ... and joined again, so a piece routed back
to the wrong place changes both the values and the gradient.
"""

from __future__ import annotations

import numpy as np
from op_cases import BROADCAST, UNARY, Case, add

import minidl as mdl


def _joined(pieces, axis, cat):
    """The pieces scaled by 1, 2, 3, ... and joined along ``axis`` (None: stacked)."""
    return cat([p * float(i + 1) for i, p in enumerate(pieces)], axis)


def _np_cat(pieces, axis):
    return np.concatenate(pieces, axis)


def _np_stack(pieces, axis):
    return np.stack(pieces, axis)


# ----------------------------------------------------------------- splitting

add(
    Case("split-size", lambda x: _joined(mdl.split(x, 2, 1), 1, lambda ps, a: mdl.cat(ps, dim=a)),
         lambda x: _joined(np.split(x, range(2, x.shape[1], 2), axis=1), 1, _np_cat), [((3, 5),), ((2, 4, 3),)],
         th=lambda t, x: _joined(t.split(x, 2, 1), 1, lambda ps, a: t.cat(ps, a))),
    Case("split-sections", lambda x: _joined(x.split([1, 3, 0, 1], dim=-1), -1, lambda ps, a: mdl.cat(ps, dim=a)),
         lambda x: _joined(np.split(x, [1, 4, 4], axis=-1), -1, _np_cat), [((2, 5),), ((5,),)],
         th=lambda t, x: _joined(x.split([1, 3, 0, 1], dim=-1), -1, lambda ps, a: t.cat(ps, a))),
    Case("chunk", lambda x: _joined(mdl.chunk(x, 3, 0), 0, lambda ps, a: mdl.cat(ps, dim=a)),
         lambda x: _joined(np.split(x, range(-(-x.shape[0] // 3), x.shape[0], -(-x.shape[0] // 3))), 0, _np_cat),
         [((7, 2),), ((6,),), ((2, 3),)], th=lambda t, x: _joined(x.chunk(3, 0), 0, lambda ps, a: t.cat(ps, a))),
    Case("unbind", lambda x: _joined(x.unbind(1), -1, lambda ps, a: mdl.stack(ps, axis=a)),
         lambda x: _joined([x[:, i] for i in range(x.shape[1])], -1, _np_stack), [((2, 3, 2),), ((4, 3),)],
         th=lambda t, x: _joined(x.unbind(1), -1, lambda ps, a: t.stack(ps, a))),
    Case("narrow", lambda x: mdl.narrow(x, 1, -3, 2), lambda x: x[:, -3:-1], [((2, 4),), ((3, 3, 2),)],
         th=lambda t, x: x.narrow(1, -3, 2)),
)

# ----------------------------------------------------------------- squeeze(dim=), repeat, expand, flip, roll

add(
    Case("squeeze-dim", lambda x: x.squeeze(dim=(0, 1)), lambda x: x.reshape(x.shape[0], *x.shape[2:]),
         [((2, 1, 3),), ((3, 1),)], th=lambda t, x: x.squeeze((0, 1))),
    Case("repeat", lambda x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)), [((2, 3),), ((3, 1, 2),), ((),)],
         th=lambda t, x: x.repeat(2, 1, 3)),
    Case("repeat-tuple-zero", lambda x: mdl.repeat(x, (1, 0)), lambda x: np.tile(x, (1, 0)), [((2, 3),)],
         th=lambda t, x: x.repeat((1, 0))),
    Case("expand", lambda x: x.expand(2, -1, 4), lambda x: np.broadcast_to(x, (2, x.shape[0], 4)),
         [((3, 1),), ((1, 4),), ((3, 4),)], th=lambda t, x: x.expand(2, -1, 4)),
    Case("expand_as", lambda a, b: a.expand_as(b), lambda a, b: np.broadcast_to(a, b.shape),
         [((3, 1), (2, 3, 4)), ((), (2,))], th=lambda t, a, b: a.expand_as(b)),
    Case("flip", lambda x: x.flip(0, -1), lambda x: np.flip(x, (0, -1)), [((3, 4),), ((2, 3, 4),)],
         th=lambda t, x: x.flip(0, -1)),
    Case("flip-fn", lambda x: mdl.flip(x, [1]), lambda x: np.flip(x, 1), [((3, 4),)], th=lambda t, x: t.flip(x, [1])),
    Case("flip-dims", lambda x: x.flip(dims=(1, 0)), lambda x: np.flip(x, (0, 1)), [((3, 4),)],
         th=lambda t, x: t.flip(x, dims=(1, 0))),
    Case("roll-flat", lambda x: x.roll(5), lambda x: np.roll(x, 5), [((3, 4),), ((2,),)], th=lambda t, x: x.roll(5)),
    Case("roll-dims", lambda x: mdl.roll(x, (1, -2), (0, 2)), lambda x: np.roll(x, (1, -2), (0, 2)),
         [((2, 3, 4),)], th=lambda t, x: t.roll(x, (1, -2), (0, 2))),
    Case("roll-dim", lambda x: x.roll(-1, 1), lambda x: np.roll(x, -1, 1), [((3, 4),)],
         th=lambda t, x: x.roll(-1, 1)),
)

# ----------------------------------------------------------------- argsort and value tests (no gradient)


def _np_argsort(x, axis, descending):
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)


for _dim, _desc in ((-1, False), (0, True)):
    add(Case(f"argsort-dim={_dim}-descending={_desc}", lambda x, d=_dim, s=_desc: x.argsort(d, s),
             lambda x, d=_dim, s=_desc: _np_argsort(x, d, s), [((3, 4),), ((2, 3, 4),)], "ints", grad=False,
             th=lambda t, x, d=_dim, s=_desc: t.argsort(x, dim=d, descending=s, stable=True)))


def _logged(x):
    """log of small integers: -inf at 0, nan below, finite above."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


for _name in ("isnan", "isinf", "isfinite", "logical_not"):
    add(Case(_name, lambda x, n=_name: getattr(mdl, n)(mdl.log(x)), lambda x, n=_name: getattr(np, n)(_logged(x)),
             [((3, 4),), ((),)], "ints", grad=False, th=lambda t, x, n=_name: getattr(t, n)(x.log())))
for _name in ("logical_and", "logical_or", "logical_xor"):
    add(Case(_name, lambda a, b, n=_name: getattr(a, n)(b), lambda a, b, n=_name: getattr(np, n)(a, b),
             BROADCAST[:4], "ints", grad=False, th=lambda t, a, b, n=_name: getattr(t, n)(a, b)),
        Case(f"{_name}-bool-scalar", lambda a, n=_name: getattr(mdl, n)(a > 0, 1),
             lambda a, n=_name: getattr(np, n)(a > 0, 1), [((2, 3),)], "ints", grad=False))

# ----------------------------------------------------------------- steps (gradient 0, as PyTorch)

for _name, _ref in (("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc), ("round", np.round),
                    ("sign", np.sign)):
    add(Case(_name, lambda x, n=_name: getattr(x, n)(), _ref, UNARY, "wide",
             th=lambda t, x, n=_name: getattr(x, n)()),
        # whole numbers sit on the steps, where the derivative is undefined: values only
        Case(f"{_name}-fn", lambda x, n=_name: getattr(mdl, n)(x), _ref, [((5,),)], "ints", grad=False,
             th=lambda t, x, n=_name: getattr(t, n)(x)))
add(Case("round-decimals", lambda x: mdl.round(x, decimals=2), lambda x: np.round(x, 2), [((3, 4),)], "wide",
         th=lambda t, x: t.round(x, decimals=2), f32=(1e-4, 1e-2)))

# ----------------------------------------------------------------- products


def _th_prod(x, axis, keepdim):
    if axis is None:
        return x.prod()
    for a in sorted((axis,) if isinstance(axis, int) else axis, reverse=True):
        x = x.prod(dim=a, keepdim=keepdim)
    return x


for _axis, _kd in ((None, False), (1, False), (-1, True), ((0, 2), False)):
    for _kind in ("normal", "ints"):  # ints: factors that are 0, once or several times in a row
        add(Case(f"prod-axis={_axis}-keepdims={_kd}-{_kind}",
                 lambda x, a=_axis, k=_kd: x.prod(axis=a, keepdims=k),
                 lambda x, a=_axis, k=_kd: np.prod(x, axis=a, keepdims=k), [((2, 3, 4),), ((3, 5, 2),)], _kind,
                 th=lambda t, x, a=_axis, k=_kd: _th_prod(x, a, k)))
add(
    Case("prod-dim", lambda x: mdl.prod(x, dim=0, keepdim=True), lambda x: np.prod(x, 0, keepdims=True),
         [((4, 3),), ((5,),), ((),)], "ints", th=lambda t, x: t.prod(x, dim=0, keepdim=True)),
    Case("pow-fn", mdl.pow, np.power, BROADCAST[:3], ("positive", "normal"), th=lambda t, a, b: t.pow(a, b)),
    Case("pow-fn-scalar-base", lambda x: mdl.pow(2.0, x), lambda x: np.power(2.0, x), [((2, 3),)],
         th=lambda t, x: t.pow(2.0, x)),
    Case("dot", mdl.dot, np.dot, [((4,), (4,)), ((1,), (1,))], th=lambda t, a, b: t.dot(a, b)),
    Case("outer", lambda a, b: a.outer(b), np.outer, [((3,), (4,)), ((1,), (2,))], th=lambda t, a, b: t.outer(a, b)),
    Case("trace", mdl.trace, np.trace, [((3, 3),), ((2, 4),), ((4, 2),)], th=lambda t, x: t.trace(x)),
)
for _k in (0, 1, -2):
    add(Case(f"diag-vector-{_k}", lambda x, k=_k: mdl.diag(x, k), lambda x, k=_k: np.diag(x, k), [((3,),), ((1,),)],
             th=lambda t, x, k=_k: t.diag(x, k)),
        Case(f"diag-matrix-{_k}", lambda x, k=_k: x.diag(k), lambda x, k=_k: np.diag(x, k).copy(),
             [((3, 3),), ((2, 4),), ((4, 2),)], th=lambda t, x, k=_k: x.diag(k)))

# ----------------------------------------------------------------- einsum (gradients: transposed einsums)

_EINSUM = [("ij,jk->ik", ((2, 3), (3, 4))), ("bij,bjk->bik", ((3, 2, 3), (3, 3, 2))), ("ij->ji", ((2, 3),)),
           ("i,i->", ((3,), (3,))), ("i,j->ij", ((3,), (2,))), ("ij->i", ((2, 3),)), ("ii->i", ((3, 3),)),
           ("ii", ((3, 3),)), ("...ij,jk", ((4, 2, 3), (3, 2))), ("ij,ij->ij", ((1, 3), (2, 3))),
           ("bhqd,bhkd->bhqk", ((2, 2, 3, 4), (2, 2, 2, 4))), ("ij,kj", ((2, 3), (4, 3))),
           ("ii,ij->j", ((3, 3), (3, 2)))]
for _eq, _shapes in _EINSUM:
    add(Case(f"einsum-{_eq}", lambda *xs, e=_eq: mdl.einsum(e, *xs), lambda *xs, e=_eq: np.einsum(e, *xs),
             [_shapes], th=lambda t, *xs, e=_eq: t.einsum(e, *xs)))
add(Case("einsum-list", lambda a, b: mdl.einsum("ij,jk->ik", [a, b]), np.matmul, [((2, 3), (3, 4))],
         th=lambda t, a, b: t.einsum("ij,jk->ik", [a, b])))
