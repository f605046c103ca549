"""Bad input to the core tensor API: each mistake raises a clear error naming the problem
(the edge cases of valid input: test_core_edge_cases.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import GraphError, ShapeError

# --------------------------------------------------------------------- bad input

x23 = lambda: mdl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)  # noqa: E731

MISUSE = [
    ("reshape-float", lambda: x23().reshape(3.0, 2), TypeError, ["integer sizes", "3.0"]),
    ("reshape-none", lambda: x23().reshape(None), TypeError, ["integer sizes", "None"]),
    ("transpose-out-of-range", lambda: x23().transpose(0, 5), ValueError, ["(0, 5)", "permutation", "(2, 3)"]),
    ("transpose-float", lambda: x23().transpose(1.0, 0.0), TypeError, ["ints", "1.0"]),
    ("transpose-str", lambda: x23().transpose("a", "b"), TypeError, ["ints"]),
    ("sum-axis-float", lambda: x23().sum(axis=1.0), TypeError, ["axis", "1.0"]),
    ("sum-axis-bool", lambda: x23().sum(axis=True), TypeError, ["axis", "True"]),
    ("sum-axis-0d", lambda: mdl.tensor(1.0).sum(axis=1), ValueError, ["axis 1", "0 dimensions"]),
    ("argmax-axis-tuple", lambda: x23().argmax(axis=(0, 1)), TypeError, ["argmax", "(0, 1)"]),
    ("argmin-axis-range", lambda: x23().argmin(axis=2), ValueError, ["axis 2", "2 dimensions"]),
    ("softmax-axis-tuple", lambda: F.softmax(x23(), axis=(0, 1)), TypeError, ["softmax", "(0, 1)"]),
    ("log-softmax-axis-none", lambda: F.log_softmax(x23(), axis=None), TypeError, ["log_softmax", "None"]),
    ("leaky-slope-str", lambda: F.leaky_relu(x23(), "a"), TypeError, ["negative_slope", "'a'"]),
    ("elu-alpha-none", lambda: F.elu(x23(), None), TypeError, ["alpha", "None"]),
    ("stack-axis-float", lambda: mdl.stack([x23(), x23()], axis=1.0), TypeError, ["axis", "1.0"]),
    ("stack-axis-range", lambda: mdl.stack([x23(), x23()], axis=-4), ValueError, ["axis -4", "3 dimensions"]),
    ("concatenate-one-tensor", lambda: mdl.concatenate(x23()), TypeError, ["list or tuple", "Tensor"]),
    ("concatenate-none", lambda: mdl.concatenate(None), TypeError, ["list or tuple", "NoneType"]),
    ("stack-empty", lambda: mdl.stack([]), ValueError, ["at least one"]),
    ("where-float-condition", lambda: mdl.where(np.array([0.5, 0.0, 1.0]), x23(), 0.0), TypeError,
     ["bool condition", "float64"]),
    ("where-none-condition", lambda: mdl.where(None, x23(), 0.0), TypeError, ["bool condition", "NoneType"]),
    ("where-str-value", lambda: mdl.where(x23() > 0, x23(), "a"), TypeError, ["str"]),
    ("clip-str", lambda: x23().clip("a", 1.0), TypeError, ["lo", "number", "str"]),
    ("clip-tensor", lambda: x23().clip(mdl.tensor(0.0), 1.0), TypeError, ["lo", "Tensor", "maximum"]),
    ("clip-array", lambda: x23().clip(None, np.ones(3)), TypeError, ["hi", "ndarray"]),
    ("astype-none", lambda: x23().astype(None), TypeError, ["astype", "None"]),
    ("negate-bool", lambda: -mdl.tensor([True, False]), TypeError, ["negate a bool", "astype"]),
    ("subtract-bools", lambda: mdl.tensor([True]) - mdl.tensor([False]), TypeError, ["subtract bool"]),
    ("zeros-float-size", lambda: mdl.zeros(2.0), TypeError, ["shape", "2.0"]),
    ("zeros-negative", lambda: mdl.ones(2, -1), ValueError, ["non-negative", "-1"]),
    ("zeros-bad-dtype", lambda: mdl.zeros(2, dtype="floaty"), TypeError, ["'floaty'", "dtype"]),
    ("randn-int-dtype", lambda: mdl.randn(2, dtype="int64"), TypeError, ["randn", "floating", "int64"]),
    ("rand-bool-dtype", lambda: mdl.rand(2, dtype=bool), TypeError, ["rand", "floating", "bool"]),
    ("arange-zero-step", lambda: mdl.arange(0, 5, 0), ValueError, ["step", "zero"]),
    ("arange-str", lambda: mdl.arange("a"), TypeError, ["start", "'a'"]),
    ("tensor-str-with-dtype", lambda: mdl.tensor(["1.5"], dtype="float32"), TypeError, ["<U3", "numbers"]),
    ("backward-grad-str", lambda: (x23() * 2).sum().backward("a"), TypeError, ["<U1", "numbers"]),
    ("backward-twice", lambda: [y := (x23() ** 2).sum(), y.backward(), y.backward()], GraphError,
     ["second time", "retain_graph=True"]),
    ("matmul-misaligned-batch-vector", lambda: mdl.ones(2, 3, 4) @ mdl.ones(3), ShapeError, ["(2, 3, 4)", "(3,)"]),
    ("index-out-of-range-array", lambda: x23()[[0, 5]], IndexError, ["5", "(2, 3)"]),
    ("index-mask-wrong-shape", lambda: x23()[mdl.tensor([True, False, True])], IndexError, ["(2, 3)", "boolean"]),
    ("expand-dims-float", lambda: x23().expand_dims(1.0), TypeError, ["expand_dims", "1.0"]),
    ("swapaxes-range", lambda: mdl.ops.swapaxes(x23(), 0, 5), ValueError, ["axis 5", "2 dimensions"]),
    ("swapaxes-float", lambda: mdl.ops.swapaxes(x23(), 0.0, 1), TypeError, ["int axes", "0.0"]),
    ("broadcast-to-str", lambda: mdl.broadcast_to(x23(), "ab"), TypeError, ["shape of ints", "'ab'"]),
    ("full-str", lambda: mdl.full((2,), "a"), TypeError, ["fill value", "'a'"]),
]


@pytest.mark.parametrize("action, error, fragments", [pytest.param(*c[1:], id=c[0]) for c in MISUSE])
def test_bad_input_raises_a_clear_error(action, error, fragments):
    with pytest.raises(error) as info:
        action()
    for fragment in fragments:
        assert fragment in str(info.value), f"{fragment!r} not in {str(info.value)!r}"


def test_equality_with_non_numbers_is_false_as_pytorch():
    t = mdl.tensor([1.0, 2.0])
    assert (t == None) is False and (t != None) is True and (t == "a") is False  # noqa: E711
    assert t not in [None, "auto"]
    with pytest.raises(TypeError, match="NoneType"):
        t < None  # noqa: B015  (ordering has no fallback)


def test_retain_graph_allows_a_second_backward_and_accumulates():
    x = mdl.tensor([1.0, -2.0], dtype="float64", requires_grad=True)
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * 3 * x.numpy() ** 2)
