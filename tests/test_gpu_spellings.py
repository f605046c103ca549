"""The PyTorch and TensorFlow spellings on ``"cuda"``, against the same code on the CPU.

In-place updates (the manual SGD step in ``no_grad``), ``gradients.grad`` and
``GradientTape``, ``masked_fill`` with a larger mask, recurrent layers with
``batch_first=False``, ``matmul(transpose_a=...)`` and the tensor methods PyTorch users
write (``view``, ``permute``, ``unsqueeze``, ``max(x, dim)``).  Marked ``gpu``: in CI they
run on the strict CuPy stand-in (``test_fake_cupy.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import nn

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(11)
X = RNG.standard_normal((5, 4))
W = RNG.standard_normal((4, 3))


def _on(device, array, requires_grad=False):
    return mdl.tensor(array, dtype="float64", device=device, requires_grad=requires_grad)


def _both(run):
    """``run(device)`` on the CPU and on cuda; the cuda results must live on cuda."""
    cpu, gpu = run("cpu"), run("cuda")
    for c, g in zip(cpu, gpu):
        if isinstance(g, mdl.Tensor):
            assert g.device == "cuda" and type(g.data).__module__.split(".")[0] == "cupy"
            g = g.numpy()
        np.testing.assert_allclose(g, c.numpy() if isinstance(c, mdl.Tensor) else c, rtol=1e-10, atol=1e-12)


def test_manual_sgd_step_in_no_grad_updates_the_cuda_parameter_in_place():
    def run(device):
        w = _on(device, W, requires_grad=True)
        before = w.data
        loss = (_on(device, X) @ w).tanh().sum()
        loss.backward()
        with mdl.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
        assert w.data is before  # the same memory, as PyTorch's in-place update
        return [w, w.grad]

    _both(run)


def test_in_place_methods_and_item_assignment_on_cuda():
    def run(device):
        t = _on(device, X)
        t.add_(1.0).mul_(2.0).clamp_(-1.0, 3.0)
        t[0] = 7.0
        t[:, 1] = _on(device, np.arange(5.0))
        return [t]

    _both(run)


def test_gradients_grad_and_gradient_tape_on_cuda():
    def run(device):
        w = _on(device, W, requires_grad=True)
        x = _on(device, X)
        y = (x @ w).sigmoid().mean()
        (g_grad,) = mdl.gradients.grad(y, [w])
        with mdl.GradientTape() as tape:
            z = mdl.reduce_sum(mdl.square(x @ w))
        g_tape = tape.gradient(z, w)
        assert w.grad is None
        return [g_grad, g_tape]

    _both(run)


def test_masked_fill_with_a_larger_mask_on_cuda():
    mask = RNG.random((3, 5, 4)) > 0.5

    def run(device):
        x = _on(device, X, requires_grad=True)
        out = mdl.masked_fill(x, mdl.tensor(mask, device=device), -2.0)
        (out * out).sum().backward()
        return [out, x.grad]

    _both(run)


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
def test_recurrent_layers_time_first_on_cuda(layer):
    seq = RNG.standard_normal((6, 2, 3))  # (T, N, F)

    def run(device):
        mdl.manual_seed(4)
        rnn = layer(3, 5, batch_first=False).double().to(device)
        x = _on(device, seq, requires_grad=True)
        out = rnn(x)[0]
        out.sum().backward()
        return [out, x.grad]

    _both(run)


def test_tensorflow_and_pytorch_spellings_on_cuda():
    def run(device):
        a = _on(device, X, requires_grad=True)
        b = _on(device, W.T)
        prod = mdl.matmul(a, b, transpose_b=True)                      # (5, 3)
        values, indices = mdl.max(prod.view(5, 3, 1).permute(2, 0, 1).squeeze(0), 1)
        (values.sum() + prod.unsqueeze(0).sum()).backward()
        z = mdl.zeros([2, 3], "float64", device=device)
        return [prod, values, indices, a.grad, z]

    _both(run)
