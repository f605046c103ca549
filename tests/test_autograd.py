"""The autograd engine: graph traversal, accumulation, graph freeing, grad modes.

Expected gradients are worked out by hand in each test (the op table checks every
op against finite differences; here the subject is the engine itself).
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import minidl as mdl
from minidl import Function, GraphError


def leaf(values, dtype="float64"):
    return mdl.tensor(values, requires_grad=True, dtype=dtype)


# ----------------------------------------------------------------- graph shape


def test_chain_of_100000_ops_backpropagates_without_recursion():
    x = leaf(1.5)
    y = x
    for _ in range(100_000):
        y = -y
    y.backward()  # an even number of negations: dy/dx = 1
    assert x.grad.item() == 1.0
    del y  # freeing the (already released) chain must not recurse either


def test_diamond_graphs_add_the_gradients_of_every_path():
    x = leaf([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()  # d/dx (x² + x) = 2x + 1
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 1)

    x = leaf([0.5, -1.0])
    a = x.exp()  # a is used by three consumers below
    (a * a + a * 3.0 - a).sum().backward()  # d/dx (e^{2x} + 2e^x) = 2e^{2x} + 2e^x
    e = np.exp(x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 2 * e * e + 2 * e)

    x = leaf(2.0)
    h = x * 2.0
    (h * 3.0 + h * 4.0).backward()  # 2·3 + 2·4
    assert x.grad.item() == 14.0


def test_topological_order_visits_every_function_after_all_its_users():
    """Random graphs with shared subexpressions: a function comes after every function
    that used its output, each reachable function comes once, and the gradients match
    finite differences."""
    from minidl.autograd import topological_order

    rng = np.random.default_rng(0)
    for _ in range(20):
        recipe = [(rng.integers(k), rng.integers(k), rng.random() < 0.5) for k in range(2, 14)]

        def build(a, b, recipe=recipe):
            nodes = [a, b]
            for i, j, multiply in recipe:
                nodes.append(nodes[i] * nodes[j] if multiply else nodes[i] + nodes[j].tanh())
            return nodes[-1].sum()

        x, w = leaf(rng.standard_normal(3)), leaf(rng.standard_normal(3))
        root = build(x, w)
        order = list(topological_order(root))
        position = {id(fn): k for k, fn in enumerate(order)}
        assert len(position) == len(order) and order[0] is root.creator
        for fn in order:
            for t in fn.inputs:
                if t.creator is not None:
                    assert position[id(t.creator)] > position[id(fn)]
        assert mdl.gradcheck(build, x, w)


def test_same_tensor_twice_in_one_op():
    x = leaf([1.0, 2.0])
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_backward_of_a_leaf_is_its_seed():
    x = leaf([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


# ----------------------------------------------------------------- accumulation and seeds


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    x = leaf([1.0, 2.0, 3.0])
    for expected in (1, 2, 3):
        (x * x).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), expected * 2 * x.numpy())
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_leaf_gradients_are_private_writable_arrays():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()  # Add hands one array to both inputs; sum's gradient is a broadcast view
    assert a.grad.data is not b.grad.data
    a.grad.data *= 10  # an optimizer may update in place
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    x = leaf(2.0)
    (x * 3.0).backward()
    assert isinstance(x.grad.data, np.ndarray) and x.grad.device == "cpu" and x.grad.shape == ()


def test_gradient_has_the_leaf_dtype():
    x = leaf([1.0, 2.0], dtype="float32")
    (x.astype("float64") * mdl.tensor([1.0, 1.0], dtype="float64")).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_non_scalar_backward_needs_an_explicit_grad():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 2.0
    with pytest.raises(GraphError, match=r"shape \(2, 2\).*explicit grad"):
        y.backward()
    with pytest.raises(ValueError, match=r"grad of shape \(2, 2\), got \(3,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([[1.0, 0.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0], [0.0, 4.0]])


def test_one_element_non_0d_tensor_backward_without_grad():
    x = leaf([[3.0]])
    (x * x).backward()
    assert x.grad.numpy().tolist() == [[6.0]]


# ----------------------------------------------------------------- freeing the graph


def test_second_backward_raises_unless_the_graph_was_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(GraphError, match="second time.*retain_graph=True"):
        y.backward()

    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # the graph was kept for this second pass
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


def test_shared_subgraph_is_freed_by_the_first_backward():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.sum().backward()
    with pytest.raises(GraphError):
        (h * 3.0).sum().backward()


class SavesTemporary(Function):
    """z = Σ 2a, keeping the temporary 2a for backward (as real ops keep theirs)."""

    def forward(self, a):
        self.temporary = a * 2.0
        return self.temporary.sum()

    def backward(self, g):
        return (g * np.ones_like(self.temporary) * 2.0,)


@pytest.mark.parametrize("retain", [False, True])
def test_saved_arrays_are_released_after_backward(retain):
    x = leaf(np.arange(6.0))
    out = SavesTemporary.apply(x * 1.0)
    saved = weakref.ref(out.creator.temporary)
    middle = weakref.ref(out.creator.inputs[0])  # the intermediate tensor x * 1.0
    var = x.var()
    centered = weakref.ref(var.creator.centered)  # an array saved by a library op
    out.backward(retain_graph=retain)
    var.backward(retain_graph=retain)
    gc.collect()
    alive = [saved() is not None, middle() is not None, centered() is not None]
    assert alive == [retain] * 3
    np.testing.assert_allclose(x.grad.numpy(), 2.0 + 2 * (x.numpy() - x.numpy().mean()) / 6)


# ----------------------------------------------------------------- grad modes


def test_no_grad_as_context_manager():
    x = leaf([1.0, 2.0])
    with mdl.no_grad():
        y = x * 2.0
        assert not mdl.is_grad_enabled()
    assert mdl.is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert (x * 2.0).requires_grad


def test_no_grad_as_decorator_and_restores_on_error():
    @mdl.no_grad()
    def predict(t):
        """Docstring kept by functools.wraps."""
        return t * 2.0

    x = leaf([1.0])
    assert not predict(x).requires_grad
    assert predict.__name__ == "predict" and "Docstring" in predict.__doc__
    assert mdl.is_grad_enabled()

    with pytest.raises(RuntimeError, match="boom"), mdl.no_grad():
        raise RuntimeError("boom")
    assert mdl.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with mdl.no_grad():
        with mdl.enable_grad():
            assert (x * 2.0).requires_grad
        assert not (x * 2.0).requires_grad


def test_detach_shares_data_and_stops_gradients():
    x = leaf([1.0, 2.0, 3.0])
    d = x.detach()
    assert d.data is x.data and not d.requires_grad and d.creator is None
    (x * d).sum().backward()  # d is a constant: the gradient is d, not 2x
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0])


def test_requires_grad_propagation_and_constants_get_no_grad():
    x = leaf([1.0, 2.0])
    c = mdl.tensor([3.0, 4.0])
    y = x * c
    assert y.requires_grad and not (c * c).requires_grad
    y.sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    assert x.is_leaf and not y.is_leaf


@pytest.mark.parametrize("data", [[1, 2], [True, False], np.arange(3, dtype=np.int32)])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        mdl.tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="astype"):
        mdl.tensor(data).requires_grad_()


def test_backward_on_a_constant_is_an_error():
    with pytest.raises(GraphError, match="does not require grad"):
        (mdl.tensor([1.0]) * 2.0).sum().backward()


def test_python_conversions():
    x = mdl.tensor([[1.5, 2.0]])
    assert len(x) == 1 and x.tolist() == [[1.5, 2.0]] and x.cpu().shape == (1, 2)
    assert float(x[0, 0]) == 1.5 and int(x[0, 1]) == 2 and bool(x[0, 0]) and x[0, 1].item() == 2.0
    assert isinstance(np.asarray(x), np.ndarray) and np.asarray(x, dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="0-d"):
        len(mdl.tensor(1.0))
