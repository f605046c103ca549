"""The op table: one :class:`Case` per op (and per option that changes the maths).

Each case names the minidl call (``fn``, on Tensors), a plain NumPy reference
(``ref``, on float64 arrays; see ``op_reference.py``), the input shapes to try
(broadcasting pairs, size-1 axes and 0-d where they make sense), how to draw the
input values, and optionally the same op in PyTorch (``th(torch, *tensors)``).
The tests in ``test_op_table.py`` (forward, gradcheck, float32), ``test_ops_vs_torch.py``
and ``test_gpu.py`` all read this one table.

Inputs are drawn from a generator seeded by the case name (CRC-32, stable across
processes), so the PyTorch worker subprocess sees exactly the same numbers.
"""

from __future__ import annotations

import operator
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import op_reference as R

import minidl as mdl
import minidl.functional as F


@dataclass
class Case:
    name: str
    fn: Callable  # minidl: fn(*tensors) -> Tensor
    ref: Callable  # NumPy: ref(*float64 arrays) -> array
    shapes: list  # one tuple of input shapes per variant
    values: object = "normal"  # a kind (below) for every input, or a tuple of kinds
    grad: bool = True  # differentiable (gradcheck it)?
    th: Callable | None = None  # PyTorch: th(torch, *tensors) -> tensor, or None
    f32: tuple = (1e-4, 1e-5)  # (rtol, atol) of float32 against the float64 reference

    def arrays(self, variant: int) -> list[np.ndarray]:
        """The float64 inputs of one variant (the same in every process)."""
        rng = np.random.default_rng([zlib.crc32(self.name.encode()), variant])
        shapes = self.shapes[variant]
        kinds = self.values if isinstance(self.values, tuple) else (self.values,) * len(shapes)
        return [draw(rng, shape, kind) for shape, kind in zip(shapes, kinds)]

    def weights(self, variant: int, shape: tuple) -> np.ndarray:
        """A fixed random dL/d(output) for comparing gradients with PyTorch."""
        return np.random.default_rng([zlib.crc32(self.name.encode()), variant, 7]).standard_normal(shape)


def draw(rng: np.random.Generator, shape: tuple, kind: str) -> np.ndarray:
    if kind == "normal":
        return np.asarray(rng.standard_normal(shape))
    if kind == "positive":  # log, sqrt, the base of **
        return np.asarray(rng.uniform(0.5, 2.0, shape))
    if kind == "away":  # divisors: |x| >= 0.5
        return np.asarray(rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape))
    if kind == "unit":  # probabilities
        return np.asarray(rng.uniform(0.05, 0.95, shape))
    if kind == "ints":  # small integers as floats: comparisons see ties
        return np.asarray(rng.integers(-2, 3, shape).astype(np.float64))
    if kind == "wide":  # both sides of huber's delta
        return np.asarray(2.5 * rng.standard_normal(shape))
    raise ValueError(kind)


def const(shape: tuple, kind: str = "normal", seed: int = 99) -> np.ndarray:
    """A constant (non-differentiable) operand that depends only on its shape."""
    return draw(np.random.default_rng([seed, *shape]), tuple(shape), kind)


def labels(n: int, k: int) -> np.ndarray:
    return (np.arange(n) * 5 + 2) % k


def probs(shape: tuple) -> np.ndarray:
    return R.softmax(const(shape, seed=3))


def mask(shape: tuple) -> np.ndarray:
    return const(shape, seed=5) > 0


def f64(t, value):
    """A float64 PyTorch tensor (``torch.as_tensor(1.7)`` would be float32)."""
    return t.as_tensor(np.asarray(value, dtype=np.float64))


def _dims(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


CASES: list[Case] = []


def add(*cases: Case) -> None:
    CASES.extend(cases)


# ----------------------------------------------------------------- binary arithmetic

BROADCAST = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((1,), ()), ((2, 3), (1, 1))]
ARITH = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
         "pow": operator.pow}
KINDS = {"div": ("normal", "away"), "pow": ("positive", "normal")}

for _name, _op in ARITH.items():
    add(Case(_name, _op, _op, BROADCAST, KINDS.get(_name, "normal"), th=lambda t, a, b, op=_op: op(a, b)))
    # with a Python scalar and a NumPy array, on either side (reflected forms: 2 - x, A / x)
    for _kind, _c in (("scalar", lambda s: 1.7), ("array", lambda s: const(s[-1:], "positive"))):
        add(
            Case(f"{_name}-{_kind}-right", lambda x, op=_op, c=_c: op(x, c(x.shape)),
                 lambda x, op=_op, c=_c: op(x, c(x.shape)), [((2, 3),), ((3,),)],
                 "positive" if _name == "pow" else "normal",
                 th=lambda t, x, op=_op, c=_c: op(x, f64(t, c(tuple(x.shape))))),
            Case(f"{_name}-{_kind}-left", lambda x, op=_op, c=_c: op(c(x.shape), x),
                 lambda x, op=_op, c=_c: op(c(x.shape), x), [((2, 3),), ((3,),)],
                 "away" if _name == "div" else "normal",
                 th=lambda t, x, op=_op, c=_c: op(f64(t, c(tuple(x.shape))), x)),
        )

_mm = [((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
       ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((5, 2, 3), (3,)), ((3,), (2, 3, 4))]
add(
    Case("matmul", operator.matmul, operator.matmul, _mm, th=lambda t, a, b: a @ b),
    Case("matmul-array-right", lambda x: x @ const((3, 4)), lambda x: x @ const((3, 4)), [((2, 3),)],
         th=lambda t, x: x @ t.as_tensor(const((3, 4)))),
    Case("matmul-array-left", lambda x: const((4, 2)) @ x, lambda x: const((4, 2)) @ x, [((2, 3),)],
         th=lambda t, x: t.as_tensor(const((4, 2))) @ x),
    Case("maximum", mdl.maximum, np.maximum, BROADCAST, th=lambda t, a, b: t.maximum(a, b)),
    Case("minimum", mdl.minimum, np.minimum, BROADCAST, th=lambda t, a, b: t.minimum(a, b)),
    Case("maximum-scalar", lambda x: mdl.maximum(x, 0.2), lambda x: np.maximum(x, 0.2), [((2, 3),)],
         th=lambda t, x: t.clamp(x, min=0.2)),
    Case("where", lambda a, b: mdl.where(mask(np.broadcast_shapes(a.shape, b.shape)), a, b),
         lambda a, b: np.where(mask(np.broadcast_shapes(a.shape, b.shape)), a, b), BROADCAST[:4],
         th=lambda t, a, b: t.where(t.as_tensor(mask(np.broadcast_shapes(a.shape, b.shape))), a, b)),
    Case("where-scalar", lambda a: mdl.where(mask(a.shape), a, 0.0),
         lambda a: np.where(mask(a.shape), a, 0.0), [((3, 4),)],
         th=lambda t, a: t.where(t.as_tensor(mask(tuple(a.shape))), a, t.zeros(()).double())),
)

# ----------------------------------------------------------------- comparisons (bool, no gradient)

for _sym, _op in (("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt), ("le", operator.le),
                  ("gt", operator.gt), ("ge", operator.ge)):
    add(Case(_sym, _op, _op, BROADCAST[:3], "ints", grad=False, th=lambda t, a, b, op=_op: op(a, b)),
        Case(f"{_sym}-scalar", lambda x, op=_op: op(x, 1.0), lambda x, op=_op: op(x, 1.0), [((2, 3),)],
             "ints", grad=False))

# ----------------------------------------------------------------- unary elementwise

UNARY = [((3, 4),), ((2, 1, 3),), ((),), ((1,),)]
_unary = [
    ("neg", operator.neg, operator.neg, "normal", lambda t, x: -x),
    ("abs", abs, np.abs, "normal", lambda t, x: x.abs()),
    ("exp", mdl.exp, np.exp, "normal", lambda t, x: x.exp()),
    ("log", mdl.log, np.log, "positive", lambda t, x: x.log()),
    ("sqrt", mdl.sqrt, np.sqrt, "positive", lambda t, x: x.sqrt()),
    ("tanh", mdl.tanh, np.tanh, "normal", lambda t, x: x.tanh()),
    ("sin", mdl.sin, np.sin, "normal", lambda t, x: x.sin()),
    ("cos", lambda x: x.cos(), np.cos, "normal", lambda t, x: t.cos(x)),
    ("sigmoid", mdl.sigmoid, R.sigmoid, "normal", lambda t, x: x.sigmoid()),
    ("relu", F.relu, lambda x: np.maximum(x, 0), "normal", lambda t, x: x.relu()),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: R.leaky_relu(x, 0.2), "normal",
     lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: R.elu(x, 0.7), "normal",
     lambda t, x: t.nn.functional.elu(x, 0.7)),
    ("gelu", F.gelu, R.gelu, "normal", lambda t, x: t.nn.functional.gelu(x)),
    ("gelu-tanh", lambda x: F.gelu(x, approximate="tanh"), R.gelu_tanh, "normal",
     lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
    ("softplus", F.softplus, R.softplus, "normal", lambda t, x: t.nn.functional.softplus(x)),
    ("clip", lambda x: x.clip(-0.5, 0.3), lambda x: np.clip(x, -0.5, 0.3), "normal",
     lambda t, x: x.clamp(-0.5, 0.3)),
    ("clip-lo", lambda x: mdl.clip(x, lo=-0.2), lambda x: np.maximum(x, -0.2), "normal",
     lambda t, x: x.clamp(min=-0.2)),
    ("clip-hi", lambda x: mdl.clip(x, hi=0.1), lambda x: np.minimum(x, 0.1), "normal",
     lambda t, x: x.clamp(max=0.1)),
]
for _name, _fn, _ref, _kind, _th in _unary:
    add(Case(_name, _fn, _ref, UNARY, _kind, th=_th))

# ----------------------------------------------------------------- reductions

_AXES = [(None, False, [(2, 3, 4), (5,), ()]), (1, False, [(2, 3, 4)]), (-1, True, [(2, 3, 4), (3, 1)]),
         ((0, 2), False, [(2, 3, 4)]), ((0, 2), True, [(2, 3, 4)])]
for _name, _th in (("sum", "sum"), ("mean", "mean"), ("max", "amax"), ("min", "amin"),
                   ("logsumexp", "logsumexp")):
    _np_fn = R.logsumexp if _name == "logsumexp" else getattr(np, _name)
    for _axis, _kd, _shapes in _AXES:
        add(Case(f"{_name}-axis={_axis}-keepdims={_kd}",
                 lambda x, n=_name, a=_axis, k=_kd: getattr(mdl.ops, n)(x, axis=a, keepdims=k),
                 lambda x, f=_np_fn, a=_axis, k=_kd: f(x, axis=a, keepdims=k),
                 [(s,) for s in _shapes],
                 th=lambda t, x, n=_th, a=_axis, k=_kd: getattr(t, n)(x, dim=_dims(a, x.ndim), keepdim=k)
                 if x.ndim else None))
for _name in ("var", "std"):
    for _axis, _kd, _ddof, _shapes in ((None, False, 0, [(2, 3, 4), (5,)]), (1, True, 1, [(2, 3, 4)]),
                                       ((0, 2), False, 1, [(2, 3, 4)]), (-1, False, 0, [(3, 2)])):
        add(Case(f"{_name}-axis={_axis}-keepdims={_kd}-ddof={_ddof}",
                 lambda x, n=_name, a=_axis, k=_kd, d=_ddof: getattr(x, n)(axis=a, keepdims=k, ddof=d),
                 lambda x, n=_name, a=_axis, k=_kd, d=_ddof: getattr(np, n)(x, axis=a, keepdims=k, ddof=d),
                 [(s,) for s in _shapes],
                 th=lambda t, x, n=_name, a=_axis, k=_kd, d=_ddof: getattr(t, n)(
                     x, dim=_dims(a, x.ndim), keepdim=k, correction=d)))
add(
    Case("argmax", lambda x: x.argmax(axis=1), lambda x: np.argmax(x, axis=1), [((3, 4),), ((2, 3, 2),)],
         grad=False, th=lambda t, x: x.argmax(dim=1)),
    Case("argmax-all", mdl.argmax, np.argmax, [((3, 4),), ((5,),)], grad=False),
    Case("argmin", lambda x: mdl.argmin(x, axis=0), lambda x: np.argmin(x, axis=0), [((3, 4),)],
         grad=False),
    Case("astype-float32", lambda x: x.astype("float32"), lambda x: x.astype(np.float32),
         [((2, 3),), ((),)], grad=False),
    Case("astype-int", lambda x: (x * 3).astype(mdl.int64), lambda x: (x * 3).astype(np.int64),
         [((2, 3),)], grad=False),
)

# ----------------------------------------------------------------- floor division and remainder

add(
    Case("floor_divide", lambda a, b: a // b, np.floor_divide, BROADCAST, ("wide", "away"), grad=False,
         th=lambda t, a, b: t.floor_divide(a, b)),
    Case("floor_divide-fn-scalar", lambda x: mdl.floor_divide(x, 0.7), lambda x: x // 0.7, [((2, 3),)],
         "wide", grad=False, th=lambda t, x: t.floor_divide(x, 0.7)),
    Case("floor_divide-scalar-left", lambda x: 2.5 // x, lambda x: 2.5 // x, [((2, 3),)], "away", grad=False,
         th=lambda t, x: 2.5 // x),
    Case("remainder", lambda a, b: a % b, np.remainder, BROADCAST, ("wide", "away"),
         th=lambda t, a, b: t.remainder(a, b)),
    Case("remainder-fn-scalar", lambda x: mdl.remainder(x, -0.7), lambda x: x % -0.7, [((2, 3),), ((),)],
         "wide", th=lambda t, x: t.remainder(x, -0.7)),
    # PyTorch has no derivative for number % tensor (it raises): gradcheck only, no twin
    Case("remainder-scalar-left", lambda x: 2.5 % x, lambda x: 2.5 % x, [((2, 3),)], "away"),
)

# ----------------------------------------------------------------- clamp (tensor bounds), masks, triangles

_lo, _hi = (lambda s: const(s, seed=11) - 0.5), (lambda s: const(s, seed=12) + 0.5)
add(
    Case("clamp-tensors", mdl.clamp, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
         [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((3,), (2, 3), (2, 1))], "wide",
         th=lambda t, x, lo, hi: t.clamp(x, lo, hi)),
    Case("clamp-min-tensor", lambda x, lo: x.clamp(min=lo), np.maximum, [((2, 3), (2, 3)), ((2, 3), (3,))],
         th=lambda t, x, lo: x.clamp(min=lo)),
    Case("clamp-max-tensor", lambda x, hi: mdl.clamp(x, max=hi), np.minimum, [((2, 3), (2, 3)), ((3,), (2, 3))],
         th=lambda t, x, hi: x.clamp(max=hi)),
    Case("clamp-array-bounds", lambda x: mdl.clamp(x, _lo(x.shape), _hi(x.shape)),
         lambda x: np.clip(x, _lo(x.shape), _hi(x.shape)), [((2, 3),)], "wide",
         th=lambda t, x: x.clamp(f64(t, _lo(tuple(x.shape))), f64(t, _hi(tuple(x.shape))))),
    Case("clamp-numbers", lambda x: x.clamp(-0.5, 0.3), lambda x: np.clip(x, -0.5, 0.3), UNARY,
         th=lambda t, x: x.clamp(-0.5, 0.3)),
    Case("clamp-min-above-max", lambda x: mdl.clamp(x, 0.5, -0.5), lambda x: np.full(x.shape, -0.5),
         [((2, 3),)], th=lambda t, x: x.clamp(0.5, -0.5)),
    Case("masked_fill", lambda x: x.masked_fill(mask(x.shape[-1:]), 0.5),
         lambda x: np.where(mask(x.shape[-1:]), 0.5, x), [((3, 4),), ((4,),)],
         th=lambda t, x: x.masked_fill(t.as_tensor(mask(tuple(x.shape[-1:]))), 0.5)),
    Case("masked_fill-tensor-value", lambda x, v: mdl.masked_fill(x, mask(x.shape), v),
         lambda x, v: np.where(mask(x.shape), v, x), [((3, 4), ())],
         th=lambda t, x, v: x.masked_fill(t.as_tensor(mask(tuple(x.shape))), v)),
)
for _name, _np_tri in (("tril", np.tril), ("triu", np.triu)):
    for _k in (0, 1, -1):
        add(Case(f"{_name}-diagonal={_k}", lambda x, n=_name, k=_k: getattr(mdl, n)(x, k),
                 lambda x, f=_np_tri, k=_k: f(x, k), [((3, 4),), ((2, 3, 3),), ((4, 2),)],
                 th=lambda t, x, n=_name, k=_k: getattr(t, n)(x, k)))

# ----------------------------------------------------------------- cat, cumsum, sort, topk

add(
    Case("cat-dim=1", lambda a, b: mdl.cat([a, b], dim=1), lambda a, b: np.concatenate([a, b], axis=1),
         [((2, 3), (2, 1)), ((2, 2, 3), (2, 1, 3))], th=lambda t, a, b: t.cat([a, b], dim=1)),
    Case("stack-dim=-1", lambda a, b: mdl.stack([a, b], dim=-1), lambda a, b: np.stack([a, b], axis=-1),
         [((2, 3), (2, 3))], th=lambda t, a, b: t.stack([a, b], dim=-1)),
)
for _dim in (0, 1, -1):
    add(Case(f"cumsum-dim={_dim}", lambda x, d=_dim: x.cumsum(d), lambda x, d=_dim: np.cumsum(x, axis=d),
             [((3, 4),), ((2, 3, 4),)], th=lambda t, x, d=_dim: t.cumsum(x, d)))
add(Case("cumsum-0d", lambda x: mdl.cumsum(x, 0), lambda x: x.copy(), [((),)], th=lambda t, x: t.cumsum(x, 0)))


for _dim, _desc in ((-1, False), (0, True), (1, True)):
    add(
        Case(f"sort-dim={_dim}-descending={_desc}", lambda x, d=_dim, s=_desc: mdl.sort(x, d, s)[0],
             lambda x, d=_dim, s=_desc: np.take_along_axis(x, R.sort_order(x, d, s), axis=d),
             [((3, 4),), ((2, 3, 4),)], th=lambda t, x, d=_dim, s=_desc: t.sort(x, dim=d, descending=s)[0]),
        Case(f"sort-indices-dim={_dim}-descending={_desc}", lambda x, d=_dim, s=_desc: x.sort(d, s).indices,
             lambda x, d=_dim, s=_desc: R.sort_order(x, d, s), [((3, 4),), ((2, 3, 4),)], "ints", grad=False,
             th=lambda t, x, d=_dim, s=_desc: t.sort(x, dim=d, descending=s, stable=True)[1]),
    )
for _k, _dim, _lg in ((2, -1, True), (3, 0, False), (1, 1, True)):
    add(
        Case(f"topk-k={_k}-dim={_dim}-largest={_lg}", lambda x, k=_k, d=_dim, lg=_lg: mdl.topk(x, k, d, lg)[0],
             lambda x, k=_k, d=_dim, lg=_lg: np.take_along_axis(x, R.topk_order(x, k, d, lg), axis=d),
             [((3, 4),), ((4, 3, 2),)], th=lambda t, x, k=_k, d=_dim, lg=_lg: t.topk(x, k, dim=d, largest=lg)[0]),
        Case(f"topk-indices-k={_k}-dim={_dim}-largest={_lg}",
             lambda x, k=_k, d=_dim, lg=_lg: x.topk(k, d, lg).indices,
             lambda x, k=_k, d=_dim, lg=_lg: R.topk_order(x, k, d, lg), [((3, 4),), ((4, 3, 2),)], grad=False,
             th=lambda t, x, k=_k, d=_dim, lg=_lg: t.topk(x, k, dim=d, largest=lg)[1]),
    )

# shapes, indexing, linear algebra, layers and losses: the second half of the table
import op_cases_layers  # noqa: E402,F401  (appends to CASES)
import op_cases_torch_fns  # noqa: E402,F401  (PyTorch tensor functions: split, repeat, prod, ...)
import op_cases_torch_fns_more  # noqa: E402,F401  (gather, scatter, log1p, amax, cumprod, ...)
