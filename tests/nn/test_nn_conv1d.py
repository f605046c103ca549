"""1-D convolution and pooling (F.conv1d, max_pool1d, avg_pool1d; nn.Conv1d, MaxPool1d, AvgPool1d).

Values against a plain NumPy float64 loop, gradients by finite differences, and both against
PyTorch (run once in a subprocess, skipped when torch is missing) with the input permuted
from minidl's NLC to PyTorch's NCL and the weight from (k, in, out) to (out, in, k).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import ShapeError, nn

RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 9, 3))
W = RNG.standard_normal((3, 3, 4))
B = RNG.standard_normal(4)

# (stride, padding, dilation)
CONV_CASES = [(1, "valid", 1), (2, "valid", 1), (1, "same", 1), (2, "same", 1), (3, "same", 2),
              (1, "causal", 1), (2, "causal", 2), (1, 2, 1), (2, 1, 3), (1, "valid", 2), (1, "same", 3)]


def reference_conv1d(x, w, b, stride, padding, dilation):
    """Direct float64 loop: y[n,t,o] = Σ_{i,c} x_pad[n, t·s + i·d, c] w[i,c,o] + b[o]."""
    k = w.shape[0]
    span = (k - 1) * dilation + 1
    length = x.shape[1]
    if padding == "valid":
        left = right = 0
    elif padding == "causal":
        left, right = span - 1, 0
    elif padding == "same":  # TensorFlow: total padding so that out = ceil(L / s), extra at the end
        out = -(-length // stride)
        total = max((out - 1) * stride + span - length, 0)
        left, right = total // 2, total - total // 2
    else:
        left = right = padding
    xp = np.pad(x, ((0, 0), (left, right), (0, 0)))
    out_len = (xp.shape[1] - span) // stride + 1
    y = np.zeros((x.shape[0], out_len, w.shape[2]))
    for t in range(out_len):
        for i in range(k):
            y[:, t] += xp[:, t * stride + i * dilation] @ w[i]
    return y + (0 if b is None else b)


@pytest.mark.parametrize("stride,padding,dilation", CONV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv1d_matches_numpy_loop(stride, padding, dilation, dtype):
    x, w, b = (mdl.tensor(a, dtype=dtype) for a in (X, W, B))
    y = F.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    expected = reference_conv1d(X, W, B, stride, padding, dilation)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


@pytest.mark.parametrize("stride,padding,dilation", CONV_CASES)
def test_conv1d_gradcheck(stride, padding, dilation):
    x, w, b = (mdl.tensor(a, dtype=np.float64, requires_grad=True) for a in (X[:, :7], W, B))
    assert mdl.gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride, padding, dilation), x, w, b)


def test_causal_output_ignores_the_future():
    x = mdl.tensor(X, dtype=np.float64, requires_grad=True)
    y = F.conv1d(x, mdl.tensor(W, dtype=np.float64), padding="causal", dilation=2)
    y[:, 4].sum().backward()
    assert np.all(x.grad.numpy()[:, 5:] == 0) and np.any(x.grad.numpy()[:, 4] != 0)


@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("size,stride,padding", [(2, None, "valid"), (3, 1, "valid"), (3, 2, "same"),
                                                 (2, None, "same"), (4, 3, "valid")])
def test_pool1d_values_and_gradients(pool, size, stride, padding):
    fn = F.max_pool1d if pool == "max" else F.avg_pool1d
    y = fn(mdl.tensor(X, dtype=np.float64), size, stride, padding).numpy()
    step = stride or size
    length = X.shape[1]
    if padding == "same":
        out = -(-length // step)
        total = max((out - 1) * step + size - length, 0)
        left = total // 2
    else:
        out, left = (length - size) // step + 1, 0
    reduce = np.max if pool == "max" else np.mean
    expected = np.stack([reduce(X[:, max(t * step - left, 0):min(t * step - left + size, length)], axis=1)
                         for t in range(out)], axis=1)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    x = mdl.tensor(X, dtype=np.float64, requires_grad=True)
    assert mdl.gradcheck(lambda x: fn(x, size, stride, padding), x)


def test_nn_conv1d_parameters_and_repr():
    mdl.manual_seed(0)
    conv = nn.Conv1d(3, 5, kernel_size=4, stride=2, padding=1, dilation=2)
    assert conv.weight.shape == (4, 3, 5) and conv.bias.shape == (5,)
    bound = 1 / np.sqrt(4 * 3)  # PyTorch's init: fan_in = k * in_channels
    assert np.abs(conv.weight.numpy()).max() <= bound and np.abs(conv.weight.numpy()).max() > bound / 2
    assert sum(p.size for p in conv.parameters()) == 4 * 3 * 5 + 5
    assert "dilation=2" in repr(conv)
    y = conv(mdl.tensor(X))
    expected = reference_conv1d(X, conv.weight.numpy(), conv.bias.numpy(), 2, 1, 2)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)
    assert nn.Conv1d(3, 5, 3, bias=False).bias is None
    assert nn.MaxPool1d(3)(mdl.tensor(X)).shape == (2, 3, 3)
    assert nn.AvgPool1d(3, stride=2, padding="same")(mdl.tensor(X)).shape == (2, 5, 3)


def test_nn_sequential_text_cnn_trains():
    mdl.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool1d(3), nn.Flatten(), nn.Linear(24, 2))
    opt = mdl.optim.Adam(model.parameters(), lr=0.01)
    x, y = mdl.tensor(RNG.standard_normal((16, 9, 3))), RNG.integers(0, 2, 16)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5


@pytest.mark.parametrize("call,message", [
    (lambda: F.conv1d(mdl.tensor(X), mdl.tensor(W), padding="full"), "padding must be"),
    (lambda: F.conv1d(mdl.tensor(X), mdl.tensor(W), stride=0), "stride must be a positive int"),
    (lambda: F.conv1d(mdl.tensor(X), mdl.tensor(W), dilation=1.5), "dilation must be a positive int"),
    (lambda: F.conv1d(mdl.tensor(X[0]), mdl.tensor(W)), "3 dimensions"),
    (lambda: F.conv1d(mdl.tensor(X), mdl.tensor(W[0])), "kernel"),
    (lambda: F.conv1d(mdl.tensor(X.transpose(0, 2, 1)), mdl.tensor(W)), "looks like NCL"),
    (lambda: F.conv1d(mdl.tensor(X), W), "as a Tensor"),
    (lambda: F.conv1d(mdl.tensor(X), mdl.tensor(W), mdl.tensor(np.zeros(3))), "bias"),
    (lambda: F.conv1d(mdl.tensor(X[:, :4]), mdl.tensor(W), dilation=2), "spans 5 steps"),
    (lambda: F.max_pool1d(mdl.tensor(X), 10), "does not fit"),
    (lambda: F.max_pool1d(mdl.tensor(X), 2, padding="causal"), "padding must be"),
    (lambda: F.avg_pool1d(mdl.tensor(X), 0), "pool_size must be a positive int"),
    (lambda: nn.Conv1d(3, 4, 3, padding="causal"), "padding must be"),
    (lambda: nn.Conv1d(3, 0, 3), "out_channels"),
    (lambda: nn.MaxPool1d(2, padding=1), "padding must be"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError, ShapeError), match=message):
        call()


TORCH_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch
    import torch.nn.functional as TF
    d = dict(np.load(sys.argv[1]))
    cases = json.loads(sys.argv[2])
    x_ncl = torch.tensor(d["x"].transpose(0, 2, 1), requires_grad=True)
    w_oik = torch.tensor(d["w"].transpose(2, 1, 0), requires_grad=True)
    b = torch.tensor(d["b"], requires_grad=True)
    out = {"conv": [], "max": [], "avg": []}
    for stride, padding, dilation in cases["conv"]:
        for t in (x_ncl, w_oik, b):
            t.grad = None
        y = TF.conv1d(x_ncl, w_oik, b, stride=stride, padding=padding, dilation=dilation)
        (y * torch.tensor(d["g_conv_%d_%s_%d" % (stride, padding, dilation)])).sum().backward()
        out["conv"].append([y.detach().numpy().transpose(0, 2, 1).tolist(),
                            x_ncl.grad.numpy().transpose(0, 2, 1).tolist(),
                            w_oik.grad.numpy().transpose(2, 1, 0).tolist(), b.grad.numpy().tolist()])
    for kind, fn in (("max", TF.max_pool1d), ("avg", TF.avg_pool1d)):
        for size, stride in cases["pool"]:
            x_ncl.grad = None
            y = fn(x_ncl, size, stride)
            y.sum().backward()
            out[kind].append([y.detach().numpy().transpose(0, 2, 1).tolist(),
                              x_ncl.grad.numpy().transpose(0, 2, 1).tolist()])
    print(json.dumps(out))
    """
)
TORCH_CONV_CASES = [(1, 0, 1), (2, 1, 1), (1, "same", 1), (1, 2, 2), (3, 0, 2), (1, "valid", 1)]
TORCH_POOL_CASES = [(2, None), (3, 1), (3, 2)]


def _out_len(stride, padding, dilation):
    return reference_conv1d(X, W, None, stride, padding, dilation).shape[1]


def test_against_pytorch(tmp_path):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")
    grads = {f"g_conv_{s}_{p}_{d}": RNG.standard_normal((2, 4, _out_len(s, p, d)))
             for s, p, d in TORCH_CONV_CASES}
    np.savez(tmp_path / "in.npz", x=X, w=W, b=B, **grads)
    cases = {"conv": TORCH_CONV_CASES, "pool": TORCH_POOL_CASES}
    done = subprocess.run([sys.executable, "-c", TORCH_SCRIPT, str(tmp_path / "in.npz"), json.dumps(cases)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    torch_out = json.loads(done.stdout)
    for (s, p, d), (y_t, dx_t, dw_t, db_t) in zip(TORCH_CONV_CASES, torch_out["conv"]):
        x, w, b = (mdl.tensor(a, dtype=np.float64, requires_grad=True) for a in (X, W, B))
        y = F.conv1d(x, w, b, s, p, d)
        (y * mdl.tensor(grads[f"g_conv_{s}_{p}_{d}"].transpose(0, 2, 1), dtype=np.float64)).sum().backward()
        for mine, theirs in ((y, y_t), (x.grad, dx_t), (w.grad, dw_t), (b.grad, db_t)):
            np.testing.assert_allclose(mine.numpy(), np.array(theirs), rtol=1e-10, atol=1e-12)
    for kind, fn in (("max", F.max_pool1d), ("avg", F.avg_pool1d)):
        for (size, stride), (y_t, dx_t) in zip(TORCH_POOL_CASES, torch_out[kind]):
            x = mdl.tensor(X, dtype=np.float64, requires_grad=True)
            y = fn(x, size, stride)
            y.sum().backward()
            np.testing.assert_allclose(y.numpy(), np.array(y_t), rtol=1e-12)
            np.testing.assert_allclose(x.grad.numpy(), np.array(dx_t), rtol=1e-12)


@pytest.mark.gpu
def test_cuda_matches_cpu():
    """Skipped unless CuPy and a CUDA device answer (conftest.py); runs on the CuPy stand-in in CI."""

    def run(device):
        x, w, b = (mdl.tensor(a, dtype=np.float64, requires_grad=True, device=device) for a in (X, W, B))
        y = F.conv1d(x, w, b, stride=1, padding="causal", dilation=2)
        z = F.max_pool1d(y, 2).sum() + F.avg_pool1d(F.conv1d(x, w, None, 2, "same"), 3, 1, "same").sum()
        z.backward()
        return [t.numpy() for t in (y, x.grad, w.grad, b.grad)]

    for on_gpu, on_cpu in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(on_gpu, on_cpu, rtol=1e-9, atol=1e-12)
