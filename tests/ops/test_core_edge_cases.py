"""Edge cases of the core tensor API that the op table (``op_cases.py``) does not reach.

Special values (0, ±inf, nan, ties), 0-d and size-0 tensors, integer and bool dtypes
(bad input of every kind: test_core_misuse.py).  Values are checked against hand-derived NumPy answers
and, where PyTorch is installed, against PyTorch run in a subprocess (this file is
also the worker: ``python test_core_edge_cases.py OUT.npz``), because PyTorch and
TensorFlow must not share a process.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F

HERE = Path(__file__).resolve().parent
INF, NAN = np.inf, np.nan

# --------------------------------------------------------------------- the PyTorch table
# (name, dtype, minidl fn, torch fn (t is the torch module), inputs)

EDGE = [
    ("exp-overflow", "float32", mdl.exp, lambda t, x: t.exp(x), [[100.0, -100.0, 0.0, 88.0]]),
    ("sigmoid-extremes", "float32", mdl.sigmoid, lambda t, x: t.sigmoid(x), [[-100.0, 100.0, -1e4, 0.0]]),
    ("log-zero-negative", "float64", mdl.log, lambda t, x: t.log(x), [[0.0, -1.0, 1.0, INF]]),
    ("sqrt-zero-gradient", "float64", mdl.sqrt, lambda t, x: t.sqrt(x), [[0.0, 4.0, -1.0]]),
    ("pow-special", "float64", lambda a, b: a**b, lambda t, a, b: a**b,
     [[0.0, 0.0, 0.0, -2.0, -2.0, 2.0, 0.0], [0.0, 2.0, -1.0, 0.5, 2.0, 0.0, 0.5]]),
    ("pow-scalar-zero", "float64", lambda a: a**0, lambda t, a: a**0, [[0.0, 1.0, -2.0]]),
    ("pow-scalar-half", "float64", lambda a: a**0.5, lambda t, a: a**0.5, [[0.0, 1.0, -2.0]]),
    ("rpow-zero-base", "float64", lambda a: 0.0**a, lambda t, a: 0.0**a, [[0.0, 1.0, -2.0]]),
    ("rpow-negative-base", "float64", lambda a: (-2.0) ** a, lambda t, a: (-2.0) ** a, [[0.0, 1.0, 0.5]]),
    ("div-by-zero", "float64", lambda a, b: a / b, lambda t, a, b: a / b, [[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]]),
    ("rdiv-zero", "float32", lambda a: 2 / a, lambda t, a: 2 / a, [[0.0, -0.0, 4.0]]),
    ("abs-zero-nan", "float64", abs, lambda t, a: a.abs(), [[0.0, -0.0, NAN, -3.0]]),
    ("maximum-ties-nan", "float64", mdl.maximum, lambda t, a, b: t.maximum(a, b),
     [[1.0, 2.0, 3.0, NAN, 1.0], [1.0, 3.0, 3.0, 1.0, NAN]]),
    ("minimum-ties-nan", "float64", mdl.minimum, lambda t, a, b: t.minimum(a, b),
     [[1.0, 2.0, 3.0, NAN, 1.0], [1.0, 3.0, 3.0, 1.0, NAN]]),
    ("maximum-broadcast-ties", "float64", mdl.maximum, lambda t, a, b: t.maximum(a, b),
     [[[1.0], [2.0]], [1.0, 2.0, 0.0]]),
    ("max-ties", "float64", lambda a: a.max(axis=1), lambda t, a: a.amax(1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]),
    ("min-ties-tuple", "float64", lambda a: a.min(axis=(0, -1), keepdims=True), lambda t, a: a.amin((0, -1), True),
     [[[[1.0, 1.0], [0.0, 5.0]], [[1.0, 2.0], [0.0, 0.0]]]]),
    ("max-nan", "float64", lambda a: a.max(), lambda t, a: a.amax(), [[1.0, NAN, 3.0]]),
    ("std-constant", "float64", lambda a: a.std(), lambda t, a: a.std(correction=0), [[2.0, 2.0, 2.0]]),
    ("std-constant-rows", "float64", lambda a: a.std(axis=1, ddof=1, keepdims=True),
     lambda t, a: a.std(1, correction=1, keepdim=True), [[[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]]),
    ("std-0d", "float64", lambda a: a.std(), lambda t, a: a.std(correction=0), [3.0]),
    ("clip-edges", "float64", lambda a: a.clip(0.0, 1.0), lambda t, a: a.clamp(0.0, 1.0),
     [[-1.0, 0.0, 0.5, 1.0, 2.0, NAN]]),
    ("clip-lo-none", "float64", lambda a: a.clip(None, 1.0), lambda t, a: a.clamp(None, 1.0), [[0.0, 1.0, 2.0]]),
    ("clip-hi-none", "float64", lambda a: a.clip(0.5, None), lambda t, a: a.clamp(0.5, None), [[0.0, 0.5, 2.0]]),
    ("logsumexp-neg-inf-row", "float64", lambda a: mdl.logsumexp(a, axis=1), lambda t, a: a.logsumexp(1),
     [[[-INF, -INF], [0.0, 1.0]]]),
    ("softmax-neg-inf", "float64", F.softmax, lambda t, a: a.softmax(-1), [[[-INF, 0.0, 1.0], [1e3, 0.0, -1e3]]]),
    ("log-softmax-big", "float64", F.log_softmax, lambda t, a: a.log_softmax(-1), [[[1e3, 0.0, -1e3]]]),
    ("gelu-wide", "float32", F.gelu, lambda t, a: t.nn.functional.gelu(a), [[-100.0, -5.0, -1.0, 0.0, 1.0, 10.0]]),
    ("elu-extremes", "float64", F.elu, lambda t, a: t.nn.functional.elu(a), [[-100.0, -1.0, 0.0, 1.0]]),
    ("where-broadcast-both", "float64",
     lambda a, b: mdl.where(np.array([[True], [False]]), a, b),
     lambda t, a, b: t.where(t.tensor([[True], [False]]), a, b), [[1.0, 2.0, 3.0], [[4.0], [5.0]]]),
    ("where-same-tensor", "float64", lambda a: mdl.where(a > 0, a, a), lambda t, a: t.where(a > 0, a, a),
     [[1.0, -2.0, 0.0]]),
    ("matmul-batch-broadcast", "float64", lambda a, b: a @ b, lambda t, a, b: a @ b,
     [np.arange(6.0).reshape(2, 1, 1, 3), np.arange(24.0).reshape(4, 3, 2) / 10]),
    ("matmul-1d-batch", "float64", lambda a, b: a @ b, lambda t, a, b: a @ b,
     [[1.0, -1.0, 2.0], np.arange(18.0).reshape(3, 3, 2)]),
    ("getitem-repeated-negative-step", "float64", lambda a: a[::-1][[0, 0, 2], 1:],
     lambda t, a: a.flip(0)[[0, 0, 2], 1:], [np.arange(12.0).reshape(3, 4)]),
    ("getitem-newaxis-ellipsis-array", "float64", lambda a: a[None, ..., [3, 3, 0]],
     lambda t, a: a[None, ..., [3, 3, 0]], [np.arange(12.0).reshape(3, 4)]),
    ("getitem-empty-list", "float64", lambda a: a[[]], lambda t, a: a[t.tensor([], dtype=t.long)],
     [np.arange(12.0).reshape(3, 4)]),
    ("size-0-broadcast", "float64", lambda a, b: (a * b).sum(axis=0), lambda t, a, b: (a * b).sum(0),
     [np.zeros((0, 3)), [[1.0, 2.0, 3.0]]]),
    ("size-0-matmul", "float64", lambda a, b: a @ b, lambda t, a, b: a @ b, [np.zeros((2, 0)), np.zeros((0, 3))]),
    ("sum-0d-axis", "float64", lambda a: a.sum(axis=0) * a.mean(axis=-1), lambda t, a: a.sum(0) * a.mean(-1), [3.0]),
    ("concatenate-empty-piece", "float64", lambda a, b: mdl.concatenate([a, b, a], axis=-1),
     lambda t, a, b: t.cat([a, b, a], -1), [[[1.0], [2.0]], np.zeros((2, 0))]),
]


def upstream(name: str, shape: tuple) -> np.ndarray:
    """A fixed random dL/d(output), the same in both processes."""
    return np.random.default_rng(zlib.crc32(name.encode())).standard_normal(shape)


def run_torch(path: str) -> None:
    """The worker: every EDGE case in PyTorch, saved as ``name|out`` and ``name|grad<i>``."""
    import torch

    torch.set_num_threads(1)
    results = {}
    for name, dtype, _, th, arrays in EDGE:
        tdtype = getattr(torch, dtype)
        inputs = [torch.tensor(np.asarray(a, dtype=dtype), dtype=tdtype, requires_grad=True) for a in arrays]
        out = th(torch, *inputs)
        results[f"{name}|out"] = out.detach().numpy()
        out.backward(torch.tensor(upstream(name, tuple(out.shape)), dtype=tdtype))
        for i, x in enumerate(inputs):
            results[f"{name}|grad{i}"] = x.grad.numpy() if x.grad is not None else np.zeros(x.shape, dtype)
    np.savez(path, **results)


@pytest.fixture(scope="module")
def torch_edge(tmp_path_factory) -> dict[str, np.ndarray]:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed (optional cross-check)")
    out = tmp_path_factory.mktemp("torch_edge") / "edge.npz"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parents[1]), os.environ.get("PYTHONPATH", "")]),
               OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, __file__, str(out)], cwd=HERE, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"PyTorch worker failed:\n{proc.stderr[-4000:]}"
    with np.load(out) as archive:
        return {k: archive[k] for k in archive.files}


@pytest.mark.parametrize("name, dtype, fn, arrays", [pytest.param(c[0], c[1], c[2], c[4], id=c[0]) for c in EDGE])
def test_special_values_match_pytorch(name, dtype, fn, arrays, torch_edge):
    inputs = [mdl.tensor(np.asarray(a, dtype=dtype), dtype=dtype, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the IEEE answers (inf, nan) come without RuntimeWarnings
        out = fn(*inputs)
        expected = torch_edge[f"{name}|out"]
        assert out.shape == expected.shape and out.dtype == expected.dtype
        tol = dict(rtol=1e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(out.numpy(), expected, equal_nan=True, **tol)
        out.backward(upstream(name, out.shape))
    for i, x in enumerate(inputs):
        grad = x.grad.numpy() if x.grad is not None else np.zeros(x.shape, dtype)
        np.testing.assert_allclose(grad, torch_edge[f"{name}|grad{i}"], equal_nan=True,
                                   err_msg=f"gradient of input {i}", **tol)


# --------------------------------------------------------------------- hand-derived values


def grads(fn, *arrays, dtype="float64"):
    """Output and input gradients of sum(fn(*inputs)) (dL/dz = 1)."""
    inputs = [mdl.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    out.backward(np.ones(out.shape))
    return out.numpy(), [x.grad.numpy() for x in inputs]


def test_pow_gradient_at_zero_base_and_zero_exponent():
    # d(a^b)/da = b a^(b-1) is 0 where b = 0; d(a^b)/db = a^b ln a is 0 where a = 0 and b >= 0
    out, (ga, gb) = grads(lambda a, b: a**b, [0.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.0, 0.5])
    np.testing.assert_array_equal(out, [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(ga, [0.0, 0.0, 0.0, np.inf])
    np.testing.assert_array_equal(gb, [0.0, 0.0, np.log(2.0), 0.0])
    _, (g,) = grads(lambda a: a**0, [0.0, -3.0])
    np.testing.assert_array_equal(g, [0.0, 0.0])
    _, (g,) = grads(lambda a: (-2.0) ** a, [1.0])  # ln of a negative base is not real
    assert np.isnan(g).all()


def test_std_gradient_is_zero_where_std_is_zero():
    out, (g,) = grads(lambda a: a.std(axis=1), [[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(out, [0.0, np.sqrt(2 / 3)])
    centered = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_allclose(g, [[0, 0, 0], centered / (3 * np.sqrt(2 / 3))])
    assert mdl.gradcheck(lambda a: a.std(axis=0, ddof=1), mdl.tensor(np.random.default_rng(0).normal(size=(4, 3)),
                                                                    dtype="float64", requires_grad=True))


def test_maximum_and_minimum_gradients_ties_and_nan():
    # ties: half each (as torch.maximum); nan: the output is nan and both inputs get all of it
    for fn in (mdl.maximum, mdl.minimum):
        _, (ga, gb) = grads(fn, [1.0, 2.0, 3.0, np.nan], [1.0, 3.0, 2.0, 0.0])
        winner_a = [0.5, float(fn is mdl.minimum), float(fn is mdl.maximum), 1.0]
        np.testing.assert_array_equal(ga, winner_a)
        np.testing.assert_array_equal(gb, [0.5, 1 - winner_a[1], 1 - winner_a[2], 1.0])


def test_max_reduction_splits_ties_evenly_with_axes():
    x = [[[2.0, 2.0], [1.0, 2.0]], [[0.0, 5.0], [5.0, 5.0]]]
    out, (g,) = grads(lambda a: a.max(axis=(1, -1)), x)
    np.testing.assert_array_equal(out, [2.0, 5.0])
    np.testing.assert_allclose(g, [[[1 / 3, 1 / 3], [0, 1 / 3]], [[0, 1 / 3], [1 / 3, 1 / 3]]])


def test_abs_gradient_is_zero_at_zero_and_nan():
    _, (g,) = grads(abs, [0.0, -0.0, np.nan, -2.0, 3.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, -1.0, 1.0])


def test_indexing_with_repeats_accumulates_through_views():
    x = np.arange(12.0).reshape(3, 4)
    _, (g,) = grads(lambda a: a.T[::-1][[0, 0, 3], ::2], x)  # rows 3, 3, 0 of a.T; columns 0 and 2 of a
    expected = np.zeros((3, 4))
    expected[[0, 2], 3] += 2
    expected[[0, 2], 0] += 1
    np.testing.assert_array_equal(g, expected)
    _, (g,) = grads(lambda a: a[mdl.tensor([2, 2]), mdl.tensor([1, 1])], x)
    assert g[2, 1] == 2 and g.sum() == 2


@pytest.mark.parametrize("make, expected", [
    (lambda: mdl.log(mdl.tensor([0.0, -1.0])), [-np.inf, np.nan]),
    (lambda: mdl.exp(mdl.tensor([100.0])), [np.inf]),
    (lambda: mdl.tensor([1.0, 0.0]) / mdl.tensor([0.0, 0.0]), [np.inf, np.nan]),
    (lambda: mdl.sqrt(mdl.tensor([-1.0, 0.0])), [np.nan, 0.0]),
    (lambda: mdl.tensor([0.0, -1.0]) ** mdl.tensor([-1.0, 0.5]), [np.inf, np.nan]),
], ids=["log", "exp", "div", "sqrt", "pow"])
def test_special_values_are_silent(make, expected):
    """log 0 = -inf, 1/0 = inf, e^100 = inf in float32, √-1 = nan: answers, not warnings (as PyTorch)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = make()
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), np.array(expected, dtype=np.float32))


def test_backward_through_special_values_is_silent():
    x = mdl.tensor([0.0, 1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (mdl.sqrt(x) + mdl.log(x) + x**0.5).sum().backward()
        y = mdl.tensor([0.0, 2.0], requires_grad=True)
        (1 / y).sum().backward()
    assert x.grad.numpy()[0] == np.inf  # +inf from each term, as PyTorch
    np.testing.assert_allclose(x.grad.numpy()[1:], [0.5 + 1 + 0.5, 0.25 + 0.25 + 0.25])
    np.testing.assert_array_equal(y.grad.numpy(), [-np.inf, -0.25])


# --------------------------------------------------------------------- dtypes and devices


@pytest.mark.parametrize("make, dtype", [
    (lambda: mdl.tensor([1, 2, 3]).clip(0.5, 2.5), "float32"),
    (lambda: mdl.tensor([1, 2, 3]).clip(0, 2), "int64"),
    (lambda: mdl.tensor([1.0, 2.0]).clip(np.float64(0.5), np.float64(1.5)), "float32"),
    (lambda: mdl.tensor([1.0], dtype="float64").clip(np.float32(0.5)), "float64"),
    (lambda: mdl.where(np.array([True, False]), mdl.tensor([1, 2]), 0.5), "float32"),
    (lambda: mdl.where(np.array([True, False]), 1, mdl.tensor([1.0, 2.0], dtype="float64")), "float64"),
    (lambda: mdl.where(mdl.tensor([1, 0]), mdl.tensor([1, 2]), 0), "int64"),
    (lambda: mdl.concatenate([mdl.tensor([1, 2]), mdl.tensor([1.0])]), "float32"),
    (lambda: mdl.concatenate([mdl.tensor([1.0]), mdl.tensor([1.0], dtype="float64")]), "float64"),
    (lambda: mdl.stack([mdl.tensor([1, 2]), mdl.tensor([1.0, 2.0])]), "float32"),
    (lambda: mdl.stack([mdl.tensor([True]), mdl.tensor([2])]), "int64"),
    (lambda: mdl.zeros_like(np.ones(3)), "float32"),
    (lambda: mdl.ones_like([1, 2]), "int64"),
    (lambda: mdl.ones_like(mdl.ones(2), dtype=mdl.int32), "int32"),
    (lambda: mdl.randn(2, dtype=mdl.float64), "float64"),
    (lambda: mdl.arange(0, 1, 0.25), "float32"),
    (lambda: mdl.arange(0, 1, 0.25, dtype="float64"), "float64"),
    (lambda: mdl.arange(5), "int64"),
    (lambda: mdl.tensor([1, 2]) > 1.5, "bool"),
    # a Tensor keeps its dtype, as torch.tensor(t) and torch.nn.Parameter(t)
    (lambda: mdl.tensor(mdl.tensor([1.0], dtype="float64")), "float64"),
    (lambda: mdl.tensor(mdl.tensor([1.0], dtype="float64"), dtype="float32"), "float32"),
    (lambda: mdl.nn.Parameter(mdl.tensor([1.0], dtype="float64")), "float64"),
    (lambda: mdl.nn.Parameter(mdl.tensor([1.0], dtype="float64"), dtype="float32"), "float32"),
    (lambda: mdl.nn.Parameter(np.array([1.0])), "float32"),
])
def test_result_dtypes(make, dtype):
    assert make().dtype == np.dtype(dtype)


def test_values_of_promoted_results():
    np.testing.assert_array_equal(mdl.tensor([1, 2, 3]).clip(0.5, 2.5).numpy(), [1.0, 2.0, 2.5])
    np.testing.assert_array_equal(mdl.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = mdl.concatenate([mdl.tensor([7, 8]), x])
    np.testing.assert_array_equal(y.numpy(), [7, 8, 1, 2])
    (y * mdl.tensor([1.0, 1.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def test_zero_dimensional_results_stay_numpy_arrays_on_cpu():
    """0-d NumPy results are scalars, not arrays: they must still be cpu tensors."""
    a, b = mdl.tensor(1.0), mdl.tensor(2.0)
    for t in (a < b, a == b, mdl.ones(3).argmax(), mdl.tensor(3.0).argmax(axis=0), a.max()):
        assert t.device == "cpu" and isinstance(t.data, np.ndarray), type(t.data)
    assert ((a < b).astype("float32") + a).item() == 2.0  # no device mismatch
    s = mdl.tensor(2.0, requires_grad=True)
    (s * 2).backward()
    (s * 3).backward()  # the second backward adds two 0-d arrays
    assert s.grad.device == "cpu" and isinstance(s.grad.data, np.ndarray) and s.grad.item() == 5.0


def test_zero_dimensional_axes_as_pytorch():
    x = mdl.tensor(3.0, requires_grad=True)
    assert x.sum(axis=0).item() == 3.0 and x.mean(axis=-1).item() == 3.0 and x.max(axis=0).item() == 3.0
    assert x.argmax(axis=0).item() == 0 and x.sum(axis=0, keepdims=True).shape == ()
    x.sum(axis=0).backward()
    assert x.grad.item() == 1.0


def test_iteration():
    rows = list(mdl.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert len(rows) == 2 and rows[1].numpy().tolist() == [3.0, 4.0]
    with pytest.raises(TypeError, match="0-d"):
        list(mdl.tensor(1.0))


def test_shapes_as_tuples_lists_arrays_and_varargs():
    x = mdl.ones(2, 3)
    for shape in ((3, 2), [3, 2], np.array([3, 2])):
        assert x.reshape(shape).shape == (3, 2) and mdl.zeros(shape).shape == (3, 2)
    assert x.reshape(-1).shape == (6,) and x.reshape(1, -1).shape == (1, 6)
    assert x.transpose((1, 0)).shape == (3, 2) and x.transpose(-1, -2).shape == (3, 2)
    assert mdl.randn((2, 3)).shape == (2, 3) and mdl.rand([4]).shape == (4,)
    assert mdl.broadcast_to(mdl.ones(1), 3).shape == (3,) and mdl.ops.swapaxes(mdl.ones(2, 3, 4), -1, 0).shape == (4, 3, 2)


if __name__ == "__main__":
    run_torch(sys.argv[1])


def test_conv_sizes_take_python_and_numpy_ints_only():
    from minidl.ops.conv import pair

    assert pair(3, "k") == (3, 3) and pair(np.int64(2), "k") == (2, 2)
    assert pair((1, np.int32(2)), "k") == (1, 2) and pair([2, 3], "k") == (2, 3)
    for bad in [(3.0, 3.0), 3.0, True, (1,), (0, 1), "ab", None, (np.True_, 1), (1, 2, 3)]:
        with pytest.raises(ValueError, match="k must be a positive int or a pair"):
            pair(bad, "k")


def test_embedding_names_a_non_integer_index():
    emb = mdl.nn.Embedding(5, 2)
    assert emb(np.array([[1.0, 2.0, 3.0]])).shape == (1, 3, 2)  # whole-number floats are fine
    for bad, shown in [([[1.5, 2.0]], "1.5"), ([np.nan], "nan"), ([np.inf], "inf")]:
        with pytest.raises(TypeError, match=f"got {shown} "):
            emb(np.array(bad))
