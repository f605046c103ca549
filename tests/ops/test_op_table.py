"""Every op of the table (``op_cases.py``): forward against a plain NumPy reference in
float64 and float32, backward against finite differences (``mdl.gradcheck``, float64).

Also here: Hypothesis-generated broadcasting for the binary ops, and proof that
gradcheck itself fails on a wrong derivative.
"""

from __future__ import annotations

import operator
import re

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_cases import CASES

import minidl as mdl
import minidl.functional as F
from minidl import Function, GradcheckError

ALL = [pytest.param(c, i, id=f"{c.name}-{i}") for c in CASES for i in range(len(c.shapes))]
DIFFERENTIABLE = [p for p in ALL if p.values[0].grad]


def inputs(case, variant, dtype, requires_grad=False):
    return [mdl.tensor(a, dtype=dtype, requires_grad=requires_grad) for a in case.arrays(variant)]


def check_against(out, expected, rtol, atol, dtype):
    expected = np.asarray(expected)
    assert isinstance(out, mdl.Tensor), f"expected a Tensor, got {type(out).__name__}"
    assert out.shape == expected.shape
    if expected.dtype.kind == "f":
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_allclose(out.numpy(), expected, rtol=rtol, atol=atol)
    else:  # bool (comparisons) or integer (argmax, astype) results are exact
        assert out.dtype.kind == expected.dtype.kind, (out.dtype, expected.dtype)
        np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("case, variant", ALL)
def test_forward_float64(case, variant):
    out = case.fn(*inputs(case, variant, "float64"))
    expected = case.ref(*case.arrays(variant))
    if case.name.startswith("astype"):
        return check_against(out, expected, 0, 0, expected.dtype)
    check_against(out, expected, 1e-10, 1e-12, np.float64)


@pytest.mark.parametrize("case, variant", ALL)
def test_forward_float32(case, variant):
    out = case.fn(*inputs(case, variant, "float32"))
    expected = case.ref(*[a.astype(np.float32).astype(np.float64) for a in case.arrays(variant)])
    if case.name.startswith("astype"):
        return check_against(out, expected, 1e-6, 1e-6, expected.dtype)
    rtol, atol = case.f32
    check_against(out, expected, rtol, atol, np.float32)


@pytest.mark.parametrize("case, variant", DIFFERENTIABLE)
def test_gradcheck_float64(case, variant):
    assert mdl.gradcheck(case.fn, *inputs(case, variant, "float64", requires_grad=True))


@pytest.mark.parametrize("case, variant", ALL)
def test_requires_grad_propagates(case, variant):
    """Float results of grad inputs record a graph; bool/int results never do."""
    ins = inputs(case, variant, "float64", requires_grad=True)
    out = case.fn(*ins)
    if out.dtype.kind == "f":  # a new node, or an input returned unchanged (flatten of 2-D)
        assert out.requires_grad and (out.creator is not None or any(out is x for x in ins))
    else:
        assert not out.requires_grad and out.creator is None
    with mdl.no_grad():
        ins = inputs(case, variant, "float64", requires_grad=True)
        out = case.fn(*ins)
        assert out.creator is None and (not out.requires_grad or any(out is x for x in ins))


# ----------------------------------------------------------------- Hypothesis: broadcasting

BINARY = {
    "add": (operator.add, operator.add), "sub": (operator.sub, operator.sub),
    "mul": (operator.mul, operator.mul), "div": (operator.truediv, operator.truediv),
    "pow": (operator.pow, operator.pow), "maximum": (mdl.maximum, np.maximum),
    "minimum": (mdl.minimum, np.minimum),
}
_any = st.floats(-3, 3)
_away = st.one_of(st.floats(0.5, 3), st.floats(-3, -0.5))
_positive = st.floats(0.5, 3)
_ints = st.integers(-3, 3).map(float)  # max/min: exact ties (split evenly) or far apart, no kinks
ELEMENTS = {"div": (_any, _away), "pow": (_positive, st.floats(-2, 2)), "maximum": (_ints, _ints),
            "minimum": (_ints, _ints)}


@pytest.mark.parametrize("name", list(BINARY))
@given(data=st.data())
def test_binary_broadcasting(name, data):
    fn, ref = BINARY[name]
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    elements = ELEMENTS.get(name, (_any, _any))
    arrays = [data.draw(hnp.arrays(np.float64, s, elements=e)) for s, e in zip(shapes.input_shapes, elements)]
    a, b = (mdl.tensor(x, dtype="float64", requires_grad=True) for x in arrays)
    out = fn(a, b)
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.numpy(), ref(*arrays), rtol=1e-12, atol=1e-12)
    out.backward(np.ones(out.shape))
    assert a.grad.shape == a.shape and b.grad.shape == b.shape  # broadcasting undone
    assert mdl.gradcheck(fn, mdl.tensor(arrays[0], requires_grad=True, dtype="float64"),
                         mdl.tensor(arrays[1], requires_grad=True, dtype="float64"))


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       scalar=st.floats(-3, 3), swap=st.booleans())
def test_binary_with_numpy_operands(shapes, scalar, swap):
    """A NumPy array or scalar on either side gives the same values and the tensor's dtype."""
    x = np.random.default_rng(0).standard_normal(shapes.input_shapes[0])
    c = np.full(shapes.input_shapes[1], scalar)
    t = mdl.tensor(x)  # float32
    for op in (operator.add, operator.sub, operator.mul):
        out = op(c, t) if swap else op(t, c)
        assert out.dtype == np.float32
        expected = op(c, x.astype(np.float32)) if swap else op(x.astype(np.float32), c)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------- gradcheck can fail


class WrongSquare(Function):
    """z = a², with a deliberately wrong derivative (a instead of 2a)."""

    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return (g * self.a,)


class WrongSecond(Function):
    """z = a·b, right for a, wrong (sign flipped) for b."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        return g * self.b, -g * self.a


def test_gradcheck_reports_a_wrong_derivative():
    x = mdl.tensor([[0.5, -1.0], [2.0, 3.0]], dtype="float64", requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        mdl.gradcheck(WrongSquare.apply, x)
    message = str(info.value)
    # the same weights gradcheck uses (seed 0): analytic w·a, numeric w·2a
    w = np.random.default_rng(0).standard_normal((2, 2))
    a = x.numpy()
    analytic, numeric = w * a, 2 * w * a
    worst = np.unravel_index(np.argmax(np.abs(analytic - numeric) - 1e-3 * np.abs(numeric)), a.shape)
    assert "input 0" in message
    assert f"index {tuple(map(int, worst))}" in message
    found = dict(re.findall(r"(analytic|numeric) (-?[\d.e+-]+)", message))
    assert float(found["analytic"]) == pytest.approx(analytic[worst], rel=1e-6)
    assert float(found["numeric"]) == pytest.approx(numeric[worst], rel=1e-5)


def test_gradcheck_names_the_wrong_input():
    a = mdl.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    b = mdl.tensor([3.0, -4.0], dtype="float64", requires_grad=True)
    with pytest.raises(GradcheckError, match="input 1"):
        mdl.gradcheck(WrongSecond.apply, a, b)
    assert a.grad is None and b.grad is None  # it checks copies, not the caller's tensors


def test_gradcheck_fails_on_a_wrong_forward_of_a_right_backward():
    """A small error (0.5% of the derivative) is above the tolerance and is caught."""

    class Slightly(Function):
        def forward(self, a):
            self.a = a
            return a * a

        def backward(self, g):
            return (g * 2.01 * self.a,)

    with pytest.raises(GradcheckError):
        mdl.gradcheck(Slightly.apply, mdl.tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True))


# ----------------------------------------------------------------- documented semantics


def test_max_and_min_reductions_split_ties_evenly():
    x = mdl.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype="float64", requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = mdl.tensor([4.0, 1.0, 1.0, 5.0], dtype="float64", requires_grad=True)
    y.min().backward()
    np.testing.assert_allclose(y.grad.numpy(), [0, 0.5, 0.5, 0])


def test_elementwise_maximum_splits_ties_in_half():
    a = mdl.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    b = mdl.tensor([1.0, 3.0], dtype="float64", requires_grad=True)
    mdl.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0])


def test_max_pool_routes_the_gradient_to_the_first_maximum():
    x = mdl.tensor(np.array([[1.0, 1.0], [1.0, 0.0]]).reshape(1, 2, 2, 1), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy().reshape(2, 2), [[1.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("size, k, expected_pads", [(6, 3, (0, 1)), (5, 3, (1, 1)), (5, 2, (0, 1)), (4, 2, (0, 0))])
def test_same_padding_with_stride_2_puts_the_extra_row_at_the_bottom_right(size, k, expected_pads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, size, size, 2))
    w = rng.standard_normal((k, k, 2, 3))
    out = F.conv2d(mdl.tensor(x, dtype="float64"), mdl.tensor(w, dtype="float64"), stride=2, padding="same")
    assert out.shape == (1, -(-size // 2), -(-size // 2), 3)  # ceil(size / stride), as TensorFlow
    top, bottom = expected_pads
    padded = np.pad(x, ((0, 0), (top, bottom), (top, bottom), (0, 0)))
    valid = F.conv2d(mdl.tensor(padded, dtype="float64"), mdl.tensor(w, dtype="float64"), stride=2)
    np.testing.assert_allclose(out.numpy(), valid.numpy(), rtol=1e-12)
    pooled = F.max_pool2d(mdl.tensor(x, dtype="float64"), k, stride=2, padding="same")
    assert pooled.shape == (1, -(-size // 2), -(-size // 2), 2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_is_finite_for_huge_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1e4]])
    for target in (np.array([0, 1]), np.eye(3)[[0, 1]]):
        z = mdl.tensor(logits, dtype=dtype, requires_grad=True)
        loss = F.cross_entropy(z, target)
        loss.backward()
        # row 0: log-sum-exp = 1e4 -> loss 0; row 1: log-sum-exp = 1e4 + log 2 -> loss log 2
        assert loss.item() == pytest.approx(np.log(2) / 2, rel=1e-5)
        np.testing.assert_allclose(z.grad.numpy(), [[0, 0, 0], [0, -0.25, 0.25]], atol=1e-6)
    z = mdl.tensor(logits, dtype=dtype, requires_grad=True)
    loss = F.cross_entropy(z, np.array([1, 0]))  # the worst labels: losses 2e4 and 1e4 + log 2
    loss.backward()
    assert loss.item() == pytest.approx((2e4 + 1e4 + np.log(2)) / 2, rel=1e-5)
    assert np.isfinite(z.grad.numpy()).all()


def test_extreme_inputs_stay_finite_and_warning_free():
    x = mdl.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        outs = [mdl.sigmoid(x), F.softplus(x), F.log_softmax(x), F.elu(x), mdl.tanh(x),
                F.binary_cross_entropy_with_logits(x, np.array([1.0, 0.0, 1.0, 0.0, 1.0]))]
        sum(o.sum() for o in outs).backward()
    for o in outs:
        assert np.isfinite(o.numpy()).all()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_array_equal(mdl.sigmoid(x).numpy()[[0, 4]], [0.0, 1.0])


def test_dropout_statistics_and_scaling():
    mdl.manual_seed(0)
    p = 0.3
    y = F.dropout(mdl.ones(200, 500), p).numpy()
    dropped = (y == 0).mean()
    assert abs(dropped - p) < 0.01  # 100,000 Bernoulli draws: std 0.0015
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)  # inverted dropout keeps E[y] = x
    assert abs(y.mean() - 1.0) < 0.02
    assert y.dtype == np.float32


def test_dropout_gradient_is_the_mask_over_keep_probability():
    mdl.manual_seed(1)
    p = 0.4
    x = mdl.tensor(np.random.default_rng(1).uniform(0.5, 1.5, (30, 20)), dtype="float64", requires_grad=True)
    y = F.dropout(x, p)
    w = np.random.default_rng(2).standard_normal(x.shape)
    y.backward(w)
    keep = y.numpy() != 0
    assert 0.3 < 1 - keep.mean() < 0.5
    np.testing.assert_allclose(y.numpy(), x.numpy() * keep / (1 - p))
    np.testing.assert_allclose(x.grad.numpy(), w * keep / (1 - p))


def test_dropout_is_the_identity_when_not_training_or_p_is_zero():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_indexing_gradient_scatter_adds_repeated_indices():
    x = mdl.tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True)
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    m = mdl.tensor(np.zeros((2, 3)), dtype="float64", requires_grad=True)
    m[np.array([1, 1, 0]), np.array([2, 2, 2])].sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), [[0, 0, 1], [0, 0, 2]])
    keep = np.array([[True, False, True], [False, False, True]])
    m.zero_grad()
    (m[keep] * 5.0).sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), 5.0 * keep)


@pytest.mark.parametrize("make, dtype", [
    (lambda: mdl.tensor([1.0]) * 2.0, "float32"),
    (lambda: np.array([2.0]) + mdl.tensor([1.0]), "float32"),
    (lambda: mdl.tensor([1.0]) - np.float64(2.0), "float32"),
    (lambda: mdl.tensor([1.0], dtype="float64") * mdl.tensor([1.0]), "float64"),
    (lambda: mdl.tensor([1, 2]) * 0.5, "float32"),
    (lambda: mdl.tensor([1, 2]) + mdl.tensor([1.0, 2.0]), "float32"),
    (lambda: mdl.tensor([1, 2]) / mdl.tensor([2, 2]), "float32"),
    (lambda: mdl.tensor([1, 2]) + 1, "int64"),
    (lambda: mdl.tensor([1, 2]) @ mdl.tensor([1.0, 2.0]), "float32"),
    (lambda: mdl.tensor([1.5, 2.0]) > 1, "bool"),
    (lambda: F.linear(mdl.tensor([[1, 2]]), mdl.ones(2, 3)), "float32"),
    (lambda: F.conv2d(mdl.tensor(np.ones((1, 3, 3, 1), np.uint8)), mdl.ones(2, 2, 1, 1)), "float32"),
    (lambda: F.avg_pool2d(mdl.tensor(np.ones((1, 2, 2, 1), np.int64)), 2), "float32"),
    (lambda: F.max_pool2d(mdl.tensor(np.ones((1, 2, 2, 1), np.int64)), 2), "int64"),
    (lambda: mdl.zeros_like(mdl.ones(2, dtype="float64")), "float64"),
    (lambda: mdl.ones_like(mdl.tensor([1, 2])), "int64"),
])
def test_dtype_promotion(make, dtype):
    assert make().dtype == np.dtype(dtype)


def test_numpy_integers_are_accepted_as_sizes_and_axes():
    x = mdl.ones(2, 3)
    n = np.prod(x.shape)  # a NumPy integer, as layers compute sizes
    assert x.reshape(n).shape == (6,) and x.reshape(np.int64(3), -1).shape == (3, 2)
    assert x.transpose(np.int64(1), np.int64(0)).shape == (3, 2)
    assert x.sum(axis=np.int64(1)).shape == (2,) and mdl.zeros(np.int64(2)).shape == (2,)


def test_average_pooling_of_integers_is_a_true_mean():
    x = mdl.tensor(np.arange(16).reshape(1, 4, 4, 1))
    np.testing.assert_array_equal(F.avg_pool2d(x, 2).numpy().ravel(), [2.5, 4.5, 10.5, 12.5])
