"""Second half of the op table (see ``op_cases.py``): shape ops, indexing, matmul-based
layers, softmax, convolution, pooling and losses."""

from __future__ import annotations

import numpy as np
import op_reference as R
from op_cases import Case, add, const, labels, mask, probs

import minidl as mdl
import minidl.functional as F

# ----------------------------------------------------------------- shapes


def _th_pad(widths):
    flat = []
    for lo, hi in reversed(widths):
        flat += [lo, hi]
    return flat


add(
    Case("reshape", lambda x: x.reshape(x.shape[-1], -1), lambda x: x.reshape(x.shape[-1], -1),
         [((2, 3, 4),), ((6,),), ((3, 1),)], th=lambda t, x: x.reshape(x.shape[-1], -1)),
    Case("reshape-0d", lambda x: mdl.reshape(x, (1, 1)), lambda x: x.reshape(1, 1), [((),)],
         th=lambda t, x: x.reshape(1, 1)),
    Case("transpose", lambda x: x.transpose(2, 0, 1), lambda x: x.transpose(2, 0, 1), [((2, 3, 4),)],
         th=lambda t, x: x.permute(2, 0, 1)),
    Case("T", lambda x: x.T, lambda x: x.T, [((2, 3),), ((2, 3, 4),), ((4,),)],
         th=lambda t, x: x.permute(*reversed(range(x.ndim)))),
    Case("flatten", mdl.flatten, lambda x: x.reshape(x.shape[0], -1), [((2, 3, 4),), ((2, 3),), ((4, 1, 1, 2),)],
         th=lambda t, x: x.flatten(1)),
    Case("expand_dims-0", lambda x: mdl.expand_dims(x, 0), lambda x: np.expand_dims(x, 0),
         [((2, 3),), ((),)], th=lambda t, x: x.unsqueeze(0)),
    Case("expand_dims-last", lambda x: x.expand_dims(-1), lambda x: np.expand_dims(x, -1),
         [((2, 3),)], th=lambda t, x: x.unsqueeze(-1)),
    Case("squeeze-axis", lambda x: x.squeeze(1), lambda x: x.squeeze(1), [((2, 1, 3),)],
         th=lambda t, x: x.squeeze(1)),
    Case("squeeze-all", mdl.squeeze, np.squeeze, [((1, 3, 1),), ((1,),)], th=lambda t, x: x.squeeze()),
    Case("broadcast_to", lambda x: mdl.broadcast_to(x, (2, 3, 4)), lambda x: np.broadcast_to(x, (2, 3, 4)),
         [((3, 1),), ((4,),), ((),)], th=lambda t, x: x.expand(2, 3, 4)),
    Case("concatenate-last", lambda *xs: mdl.concatenate(xs, axis=-1), lambda *xs: np.concatenate(xs, -1),
         [((2, 3), (2, 1), (2, 2)), ((3,), (1,))], th=lambda t, *xs: t.cat(xs, -1)),
    Case("concatenate-0", lambda *xs: mdl.concatenate(xs), lambda *xs: np.concatenate(xs),
         [((1, 3), (2, 3))], th=lambda t, *xs: t.cat(xs, 0)),
    Case("stack-0", lambda *xs: mdl.stack(xs), lambda *xs: np.stack(xs), [((2, 3), (2, 3)), ((), (), ())],
         th=lambda t, *xs: t.stack(xs)),
    Case("stack-last", lambda *xs: mdl.stack(xs, axis=-1), lambda *xs: np.stack(xs, -1),
         [((2, 3), (2, 3))], th=lambda t, *xs: t.stack(xs, -1)),
    Case("pad", lambda x: mdl.pad(x, ((1, 0), (2, 1))), lambda x: np.pad(x, ((1, 0), (2, 1))),
         [((2, 3),)], th=lambda t, x: t.nn.functional.pad(x, _th_pad(((1, 0), (2, 1))))),
    Case("pad-int-value", lambda x: mdl.pad(x, 1, value=0.5), lambda x: np.pad(x, 1, constant_values=0.5),
         [((2, 3),), ((3,),)], th=lambda t, x: t.nn.functional.pad(x, [1, 1] * x.ndim, value=0.5)),
)

# ----------------------------------------------------------------- indexing


def _th_index(t, index):
    if isinstance(index, tuple):
        return tuple(_th_index(t, i) for i in index)
    return t.as_tensor(index) if isinstance(index, (np.ndarray, list)) else index


_INDEX = [
    ("slice", (slice(1, None), slice(None, None, 2)), (3, 4)),
    ("int", 1, (3, 4)),
    ("newaxis-ellipsis", (None, Ellipsis, 0), (3, 4)),
    ("int-array-repeated", np.array([0, 2, 0, 0]), (3, 4)),
    ("int-arrays-repeated", (np.array([0, 0, 2, 0]), np.array([1, 1, 3, 1])), (3, 4)),
    ("list-repeated", [1, 1, 0], (3, 4)),
    ("array-and-slice", (np.array([1, 1]), slice(1, None)), (3, 4)),
    ("bool-mask", mask((3, 4)), (3, 4)),
    ("bool-rows", np.array([True, False, True]), (3, 4)),
    ("0d", (), ()),
]
for _name, _index, _shape in _INDEX:
    add(Case(f"getitem-{_name}", lambda x, i=_index: x[i], lambda x, i=_index: x[i], [(_shape,)],
             th=lambda t, x, i=_index: x[_th_index(t, i)]))
add(
    Case("getitem-negative-step", lambda x: x[::-1, 1], lambda x: x[::-1, 1], [((3, 4),)],
         th=lambda t, x: x.flip(0)[:, 1]),
    Case("getitem-int-tensor", lambda x: x[mdl.tensor([2, 2, 1])], lambda x: x[[2, 2, 1]], [((3, 4),)],
         th=lambda t, x: x[t.as_tensor([2, 2, 1])]),
    Case("getitem-bool-tensor", lambda x: x[x > 0], lambda x: x[x > 0], [((3, 4),)],
         th=lambda t, x: x[x > 0]),
)

# ----------------------------------------------------------------- matmul-based layers and softmax

add(
    Case("linear", F.linear, lambda x, w, b: x @ w + b, [((4, 3), (3, 2), (2,)), ((2, 4, 3), (3, 2), (2,)),
                                                        ((3,), (3, 2), (2,))],
         th=lambda t, x, w, b: t.nn.functional.linear(x, w.T, b)),
    Case("linear-no-bias", F.linear, lambda x, w: x @ w, [((4, 3), (3, 2))],
         th=lambda t, x, w: t.nn.functional.linear(x, w.T)),
)
for _name, _fn, _ref, _th in (("softmax", F.softmax, R.softmax, "softmax"),
                              ("log_softmax", F.log_softmax, R.log_softmax, "log_softmax")):
    add(Case(f"{_name}-last", _fn, _ref, [((2, 5),), ((3,),), ((2, 3, 4),), ((),)],
             th=lambda t, x, n=_th: getattr(x, n)(-1) if x.ndim else None),
        Case(f"{_name}-axis0", lambda x, f=_fn: f(x, axis=0), lambda x, r=_ref: r(x, 0), [((4, 3),)],
             th=lambda t, x, n=_th: getattr(x, n)(0)))

# ----------------------------------------------------------------- convolution and pooling

_CONV = [  # (name, x shape, w shape, bias?, stride, padding)
    ("valid-bias", (2, 4, 4, 3), (3, 3, 3, 2), True, 1, "valid"),
    ("same", (1, 5, 4, 2), (3, 3, 2, 3), False, 1, "same"),
    ("same-stride2-even", (1, 6, 6, 2), (3, 3, 2, 2), True, 2, "same"),
    ("same-stride2-odd", (1, 5, 5, 1), (2, 2, 1, 2), False, 2, "same"),
    ("int-pad-stride12", (1, 4, 5, 2), (2, 3, 2, 2), False, (1, 2), 1),
    ("valid-stride2", (2, 5, 6, 2), (3, 2, 2, 1), True, 2, "valid"),
    ("1x1", (2, 3, 3, 4), (1, 1, 4, 2), False, 1, "valid"),
]
for _name, _xs, _ws, _bias, _s, _p in _CONV:
    _shapes = [(_xs, _ws, (_ws[3],))] if _bias else [(_xs, _ws)]
    add(Case(f"conv2d-{_name}",
             lambda x, w, b=None, s=_s, p=_p: F.conv2d(x, w, b, stride=s, padding=p),
             lambda x, w, b=None, s=_s, p=_p: R.conv2d(x, w, b, stride=s, padding=p), _shapes,
             th=lambda t, x, w, b=None, s=_s, p=_p: R.th_conv2d(t, x, w, b, s, p), f32=(1e-4, 1e-4)))

_POOL = [  # (name, x shape, pool size, stride, padding)
    ("2", (2, 4, 4, 3), 2, None, "valid"),
    ("2-odd-input", (1, 5, 5, 2), 2, None, "valid"),
    ("2-same", (1, 5, 5, 2), 2, None, "same"),
    ("3-stride1-same", (1, 4, 5, 1), 3, 1, "same"),
    ("3-stride2", (1, 7, 7, 1), 3, 2, "valid"),
    ("2x3-stride21", (1, 4, 6, 2), (2, 3), (2, 1), "valid"),
]
for _name, _xs, _k, _s, _p in _POOL:
    add(Case(f"max_pool2d-{_name}", lambda x, k=_k, s=_s, p=_p: F.max_pool2d(x, k, s, p),
             lambda x, k=_k, s=_s, p=_p: R.pool2d(x, k, s, p, np.max), [(_xs,)],
             th=lambda t, x, k=_k, s=_s, p=_p: R.th_pool2d(t, x, k, s, p, "max")),
        Case(f"avg_pool2d-{_name}", lambda x, k=_k, s=_s, p=_p: F.avg_pool2d(x, k, s, p),
             lambda x, k=_k, s=_s, p=_p: R.pool2d(x, k, s, p, np.mean), [(_xs,)],
             th=lambda t, x, k=_k, s=_s, p=_p: R.th_pool2d(t, x, k, s, p, "avg")))

# ----------------------------------------------------------------- losses (targets are constants)


def _onehot(shape):
    return np.eye(shape[-1])[labels(shape[0], shape[-1])]


def _labels3(shape):
    return labels(shape[0] * shape[1], shape[2]).reshape(shape[:2])


def _weights(n):
    return const((n,), "positive", seed=11)


def _target01(shape):
    return (const(shape, seed=13) > 0).astype(np.float64)


add(
    Case("cross_entropy-int", lambda z: F.cross_entropy(z, labels(*z.shape)),
         lambda z: R.cross_entropy(z, labels(*z.shape)), [((4, 5),), ((1, 3),)],
         th=lambda t, z: t.nn.functional.cross_entropy(z, t.as_tensor(labels(*z.shape)))),
    Case("cross_entropy-onehot", lambda z: F.cross_entropy(z, _onehot(z.shape)),
         lambda z: R.cross_entropy(z, _onehot(z.shape)), [((4, 5),)],
         th=lambda t, z: t.nn.functional.cross_entropy(z, t.as_tensor(_onehot(tuple(z.shape))))),
    Case("cross_entropy-probs", lambda z: F.cross_entropy(z, probs(z.shape)),
         lambda z: R.cross_entropy(z, probs(z.shape)), [((3, 4),)],
         th=lambda t, z: t.nn.functional.cross_entropy(z, t.as_tensor(probs(tuple(z.shape))))),
    Case("cross_entropy-3d", lambda z: F.cross_entropy(z, _labels3(z.shape)),
         lambda z: R.cross_entropy(z, _labels3(z.shape)), [((2, 3, 4),)],
         th=lambda t, z: t.nn.functional.cross_entropy(
             z.reshape(-1, z.shape[-1]), t.as_tensor(_labels3(tuple(z.shape))).reshape(-1))),
    Case("cross_entropy-weighted",
         lambda z: F.cross_entropy(z, labels(*z.shape), sample_weight=_weights(z.shape[0])),
         lambda z: np.sum(_weights(z.shape[0]) * -R.log_softmax(z)[np.arange(len(z)), labels(*z.shape)])
         / len(z), [((4, 3),)]),
    Case("nll_loss", lambda lp: F.nll_loss(lp, labels(*lp.shape)),
         lambda lp: R.nll_loss(lp, labels(*lp.shape)), [((4, 5),)],
         th=lambda t, lp: t.nn.functional.nll_loss(lp, t.as_tensor(labels(*lp.shape)))),
    Case("mse_loss", lambda p: F.mse_loss(p, const(p.shape)), lambda p: np.mean((p - const(p.shape)) ** 2),
         [((4, 3),), ((5,),), ((2, 2, 3),)],
         th=lambda t, p: t.nn.functional.mse_loss(p, t.as_tensor(const(tuple(p.shape))))),
    Case("mse_loss-column", lambda p: F.mse_loss(p, const(p.shape[:1])),
         lambda p: np.mean((p[:, 0] - const(p.shape[:1])) ** 2), [((4, 1),)]),
    Case("l1_loss", lambda p: F.l1_loss(p, const(p.shape)), lambda p: np.mean(np.abs(p - const(p.shape))),
         [((4, 3),), ((5,),)], th=lambda t, p: t.nn.functional.l1_loss(p, t.as_tensor(const(tuple(p.shape))))),
)
for _delta in (1.0, 0.5):
    add(Case(f"huber_loss-delta={_delta}", lambda p, d=_delta: F.huber_loss(p, const(p.shape), delta=d),
             lambda p, d=_delta: R.huber(p, const(p.shape), d), [((4, 3),), ((6,),)], "wide",
             th=lambda t, p, d=_delta: t.nn.functional.huber_loss(p, t.as_tensor(const(tuple(p.shape))),
                                                                  delta=d)))
add(
    Case("binary_cross_entropy", lambda p: F.binary_cross_entropy(p, _target01(p.shape)),
         lambda p: R.bce(p, _target01(p.shape)), [((4, 1),), ((5,),)], "unit",
         th=lambda t, p: t.nn.functional.binary_cross_entropy(p, t.as_tensor(_target01(tuple(p.shape))))),
    Case("binary_cross_entropy-soft", lambda p: F.binary_cross_entropy(p, const(p.shape, "unit")),
         lambda p: R.bce(p, const(p.shape, "unit")), [((3, 2),)], "unit",
         th=lambda t, p: t.nn.functional.binary_cross_entropy(p, t.as_tensor(const(tuple(p.shape), "unit")))),
    Case("binary_cross_entropy_with_logits",
         lambda z: F.binary_cross_entropy_with_logits(z, _target01(z.shape)),
         lambda z: R.bce_with_logits(z, _target01(z.shape)), [((4, 1),), ((5,),)], "wide",
         th=lambda t, z: t.nn.functional.binary_cross_entropy_with_logits(
             z, t.as_tensor(_target01(tuple(z.shape))))),
)

# A target that requires grad (another network's output) gets its gradient too, as in PyTorch:
# both inputs are differentiable here, so gradcheck and the PyTorch twin check dL/dtarget.
for _name, _fn, _ref, _kinds, _shapes in (
    ("mse_loss", F.mse_loss, lambda p, y: np.mean((p - y) ** 2), "normal", [((4, 3), (4, 3)), ((5,), (5,))]),
    ("l1_loss", F.l1_loss, lambda p, y: np.mean(np.abs(p - y)), "normal", [((4, 3), (4, 3))]),
    ("huber_loss", F.huber_loss, R.huber, "wide", [((4, 3), (4, 3))]),
    ("binary_cross_entropy", F.binary_cross_entropy, R.bce, "unit", [((4, 3), (4, 3)), ((5,), (5,))]),
    ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, R.bce_with_logits,
     ("wide", "unit"), [((4, 3), (4, 3))]),
    ("cross_entropy", F.cross_entropy, R.cross_entropy, ("normal", "unit"), [((4, 3), (4, 3))]),
):
    add(Case(f"{_name}-target-requires-grad", _fn, _ref, _shapes, _kinds,
             th=lambda t, p, y, n=_name: getattr(t.nn.functional, n)(p, y)))
add(Case("mse_loss-column-target-requires-grad", F.mse_loss, lambda p, y: np.mean((p[:, 0] - y) ** 2),
         [((4, 1), (4,))], th=lambda t, p, y: t.nn.functional.mse_loss(p[:, 0], y)))
add(  # one unbatched sample: logits (K,) with a 0-d label or (K,) probabilities, as PyTorch
    Case("cross_entropy-unbatched-int", lambda z: F.cross_entropy(z, np.array(2)),
         lambda z: R.cross_entropy(z[None], np.array([2])), [((5,),)],
         th=lambda t, z: t.nn.functional.cross_entropy(z, t.as_tensor(2))),
    Case("cross_entropy-unbatched-probs", lambda z: F.cross_entropy(z, probs(z.shape)),
         lambda z: R.cross_entropy(z[None], probs(z.shape)[None]), [((4,),)],
         th=lambda t, z: t.nn.functional.cross_entropy(z, t.as_tensor(probs(tuple(z.shape))))),
)

# ----------------------------------------------------------------- PyTorch's loss options
# reduction "sum"/"none", class weights, ignore_index and label smoothing, written from
# PyTorch's documented formulas (and compared with PyTorch itself by test_ops_vs_torch.py).


def _huber_elementwise(p, y, delta=1.0):
    e = np.abs(p - y)
    return np.where(e <= delta, 0.5 * e**2, delta * (e - 0.5 * delta))


def _bce_elementwise(p, y):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _reduced(per, reduction, denominator=None):
    if reduction == "none":
        return per
    total = per.sum()
    return total if reduction == "sum" else total / (per.size if denominator is None else denominator)


def _ce_ref(z, y, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean", log_probs=False):
    lp = z if log_probs else R.log_softmax(z)
    k = z.shape[-1]
    w = np.ones(k) if weight is None else weight
    keep = y != ignore_index
    safe = np.where(keep, y, 0)
    per = keep * ((1 - smoothing) * -lp[np.arange(len(z)), safe] * w[safe] + smoothing / k * -(lp * w).sum(-1))
    return _reduced(per, reduction, (keep * w[safe]).sum())


_CLASS_W = np.array([0.5, 2.0, 1.0, 3.0])
_IGNORED = np.array([1, -100, 3, 0, -100])
_ELEMENTWISE_CASES = (  # (name, minidl, numpy per element, torch name, kinds)
    ("mse_loss", F.mse_loss, lambda p, y: (p - y) ** 2, "mse_loss", "normal"),
    ("l1_loss", F.l1_loss, lambda p, y: np.abs(p - y), "l1_loss", "normal"),
    ("huber_loss", F.huber_loss, lambda p, y: _huber_elementwise(p, y), "huber_loss", "wide"),
    ("binary_cross_entropy", F.binary_cross_entropy, _bce_elementwise, "binary_cross_entropy", "unit"),
    ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
     lambda z, y: np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0) - y * z, "binary_cross_entropy_with_logits",
     "wide"),
)
for _reduction in ("sum", "none"):
    for _name, _fn, _per, _th, _kind in _ELEMENTWISE_CASES:
        add(Case(f"{_name}-reduction={_reduction}",
                 lambda p, f=_fn, r=_reduction: f(p, _target01(p.shape), reduction=r),
                 lambda p, per=_per, r=_reduction: _reduced(per(p, _target01(p.shape)), r),
                 [((4, 3),), ((5,),)], _kind,
                 th=lambda t, p, n=_th, r=_reduction: getattr(t.nn.functional, n)(
                     p, t.as_tensor(_target01(tuple(p.shape))), reduction=r)))
    add(Case(f"cross_entropy-reduction={_reduction}",
             lambda z, r=_reduction: F.cross_entropy(z, labels(*z.shape), reduction=r),
             lambda z, r=_reduction: _ce_ref(z, labels(*z.shape), reduction=r), [((4, 5),)],
             th=lambda t, z, r=_reduction: t.nn.functional.cross_entropy(
                 z, t.as_tensor(labels(*z.shape)), reduction=r)),
        Case(f"cross_entropy-probs-reduction={_reduction}",
             lambda z, r=_reduction: F.cross_entropy(z, probs(z.shape), reduction=r),
             lambda z, r=_reduction: _reduced(-(probs(z.shape) * R.log_softmax(z)).sum(-1), r), [((3, 4),)],
             th=lambda t, z, r=_reduction: t.nn.functional.cross_entropy(
                 z, t.as_tensor(probs(tuple(z.shape))), reduction=r)))

for _reduction in ("mean", "sum", "none"):
    for _opts in ({"weight": _CLASS_W}, {"ignore_index": -100}, {"label_smoothing": 0.2},
                  {"weight": _CLASS_W, "ignore_index": -100, "label_smoothing": 0.1}):
        _w, _s = _opts.get("weight"), _opts.get("label_smoothing", 0.0)
        _y = _IGNORED if "ignore_index" in _opts else labels(5, 4)
        _tag = "+".join(_opts)
        add(Case(f"cross_entropy-{_tag}-{_reduction}",
                 lambda z, o=_opts, y=_y, r=_reduction: F.cross_entropy(z, y, reduction=r, **o),
                 lambda z, w=_w, s=_s, y=_y, r=_reduction: _ce_ref(z, y, w, -100, s, r), [((5, 4),)],
                 th=lambda t, z, w=_w, s=_s, y=_y, r=_reduction: t.nn.functional.cross_entropy(
                     z, t.as_tensor(y), None if w is None else t.as_tensor(w), reduction=r, label_smoothing=s)))
        if not _s:
            add(Case(f"nll_loss-{_tag}-{_reduction}",
                     lambda lp, o=_opts, y=_y, r=_reduction: F.nll_loss(lp, y, reduction=r, **o),
                     lambda lp, w=_w, y=_y, r=_reduction: _ce_ref(lp, y, w, -100, 0.0, r, log_probs=True),
                     [((5, 4),)],
                     th=lambda t, lp, w=_w, y=_y, r=_reduction: t.nn.functional.nll_loss(
                         lp, t.as_tensor(y), None if w is None else t.as_tensor(w), reduction=r)))
add(
    Case("cross_entropy-probs-weight-smoothing",
         lambda z: F.cross_entropy(z, probs(z.shape), weight=_CLASS_W, label_smoothing=0.3),
         lambda z: np.mean(-(((0.7 * probs(z.shape) + 0.3 / 4) * _CLASS_W) * R.log_softmax(z)).sum(-1)),
         [((3, 4),)],
         th=lambda t, z: t.nn.functional.cross_entropy(z, t.as_tensor(probs(tuple(z.shape))), t.as_tensor(_CLASS_W),
                                                       label_smoothing=0.3)),
    Case("cross_entropy-3d-none", lambda z: F.cross_entropy(z, _labels3(z.shape), reduction="none"),
         lambda z: _ce_ref(z.reshape(-1, 4), _labels3(z.shape).reshape(-1), reduction="none").reshape(2, 3),
         [((2, 3, 4),)],
         th=lambda t, z: t.nn.functional.cross_entropy(z.permute(0, 2, 1), t.as_tensor(_labels3(tuple(z.shape))),
                                                       reduction="none")),
    Case("binary_cross_entropy-weight",
         lambda p: F.binary_cross_entropy(p, _target01(p.shape), weight=const((3,), "positive")),
         lambda p: np.mean(const((3,), "positive") * _bce_elementwise(p, _target01(p.shape))), [((4, 3),)], "unit",
         th=lambda t, p: t.nn.functional.binary_cross_entropy(p, t.as_tensor(_target01(tuple(p.shape))),
                                                              t.as_tensor(const((3,), "positive")))),
    Case("binary_cross_entropy_with_logits-pos_weight",
         lambda z: F.binary_cross_entropy_with_logits(z, _target01(z.shape), pos_weight=np.array([0.5, 1.0, 4.0])),
         lambda z: np.mean(-(np.array([0.5, 1.0, 4.0]) * _target01(z.shape) * np.log(R.sigmoid(z))
                             + (1 - _target01(z.shape)) * np.log(1 - R.sigmoid(z)))), [((4, 3),)], "wide",
         th=lambda t, z: t.nn.functional.binary_cross_entropy_with_logits(
             z, t.as_tensor(_target01(tuple(z.shape))), pos_weight=t.as_tensor([0.5, 1.0, 4.0]))),
)
for _beta in (1.0, 0.5, 0.0):
    add(Case(f"smooth_l1_loss-beta={_beta}", lambda p, b=_beta: F.smooth_l1_loss(p, const(p.shape), beta=b),
             lambda p, b=_beta: np.mean(np.where(np.abs(p - const(p.shape)) < b,
                                                 0.5 * (p - const(p.shape)) ** 2 / max(b, 1e-300),
                                                 np.abs(p - const(p.shape)) - 0.5 * b)),
             [((4, 3),)], "wide",
             th=lambda t, p, b=_beta: t.nn.functional.smooth_l1_loss(p, t.as_tensor(const(tuple(p.shape))), beta=b)))

# ----------------------------------------------------------------- layer norm, pad, tuple conv padding


def _layer_norm_ref(x, d, w=None, b=None, eps=1e-5):
    axes = tuple(range(x.ndim - d, x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


add(
    Case("layer_norm-affine", lambda x, w, b: F.layer_norm(x, w.shape, w, b), lambda x, w, b: _layer_norm_ref(x, 1, w, b),
         [((4, 5), (5,), (5,)), ((2, 3, 4), (4,), (4,))],
         th=lambda t, x, w, b: t.nn.functional.layer_norm(x, tuple(w.shape), w, b)),
    Case("layer_norm-2axes", lambda x, w, b: F.layer_norm(x, w.shape, w, b), lambda x, w, b: _layer_norm_ref(x, 2, w, b),
         [((2, 3, 4), (3, 4), (3, 4))], th=lambda t, x, w, b: t.nn.functional.layer_norm(x, tuple(w.shape), w, b)),
    Case("layer_norm-plain", lambda x: F.layer_norm(x, x.shape[-1]), lambda x: _layer_norm_ref(x, 1), [((3, 6),)],
         th=lambda t, x: t.nn.functional.layer_norm(x, (x.shape[-1],))),
)
_NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
for _mode in _NP_MODE:
    for _pad, _shape in (((1, 2), (2, 3, 4)), ((2, 0, 1, 3), (1, 2, 4, 5))):
        add(Case(f"pad-{_mode}-{len(_pad) // 2}axes", lambda x, p=_pad, m=_mode: F.pad(x, p, mode=m),
                 lambda x, p=_pad, m=_mode: np.pad(x, [(0, 0)] * (x.ndim - len(p) // 2)
                                                   + [(p[i], p[i + 1]) for i in range(len(p) - 2, -1, -2)],
                                                   mode=_NP_MODE[m]),
                 [(_shape,)], th=lambda t, x, p=_pad, m=_mode: t.nn.functional.pad(x, p, mode=m)))
add(Case("pad-constant-value", lambda x: F.pad(x, (1, 1, 0, 2), value=-1.5),
         lambda x: np.pad(x, ((0, 2), (1, 1)), constant_values=-1.5), [((2, 3),)],
         th=lambda t, x: t.nn.functional.pad(x, (1, 1, 0, 2), value=-1.5)))

for _name, _xs, _ws, _s, _p in (("tuple-pad", (2, 4, 5, 2), (3, 3, 2, 3), 1, (1, 2)),
                                ("tuple-pad-stride2", (1, 5, 6, 1), (2, 3, 1, 2), 2, (0, 1))):
    add(Case(f"conv2d-{_name}", lambda x, w, b, s=_s, p=_p: F.conv2d(x, w, b, stride=s, padding=p),
             lambda x, w, b, s=_s, p=_p: R.conv2d(np.pad(x, ((0, 0), (p[0], p[0]), (p[1], p[1]), (0, 0))), w, b,
                                                  stride=s),
             [(_xs, _ws, (_ws[3],))],
             th=lambda t, x, w, b, s=_s, p=_p: t.nn.functional.conv2d(
                 x.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1), b, stride=s, padding=p).permute(0, 2, 3, 1),
             f32=(1e-4, 1e-4)))
