"""F.conv_transpose2d and nn.ConvTranspose2d (NHWC, kernel (kh, kw, out, in)).

Values against a float64 NumPy loop written from the definition (each input pixel spreads
``x[n, h, w, :] @ W[i, j]ᵀ`` over a window, then the output is cropped); output sizes as
Keras 3.15 computed them (hard-coded); gradients by finite differences; PyTorch 2.13 (one
subprocess, skipped when torch is missing) with the input permuted and the weight transposed.
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
from minidl import kernels, nn
from minidl.errors import ShapeError
from minidl.ops import conv_transpose as ct

RNG = np.random.default_rng(43)

# (padding, strides, kernel, output_padding, input (H, W), output (H', W') from Keras 3.15)
KERAS_CASES = [
    ("valid", (1, 1), (3, 3), None, (4, 5), (6, 7)),
    ("valid", (2, 2), (3, 3), None, (4, 5), (9, 11)),
    ("valid", (3, 3), (2, 2), None, (3, 5), (9, 15)),  # stride > kernel: bias-only last rows
    ("valid", (2, 3), (3, 1), None, (5, 4), (11, 12)),
    ("valid", (2, 2), (3, 3), 1, (4, 5), (10, 12)),
    ("valid", (3, 2), (4, 3), (2, 0), (3, 3), (12, 7)),
    ("same", (1, 1), (3, 3), None, (4, 5), (4, 5)),
    ("same", (2, 2), (3, 3), None, (4, 5), (8, 10)),
    ("same", (2, 2), (4, 4), None, (5, 3), (10, 6)),
    ("same", (3, 3), (5, 2), None, (3, 4), (9, 12)),
    ("same", (2, 2), (3, 3), 1, (4, 5), (8, 10)),
    ("same", (2, 2), (3, 3), 0, (4, 5), (7, 9)),
    ("same", (3, 3), (4, 5), (2, 1), (3, 4), (8, 11)),
    ("same", (2, 1), (2, 3), (1, 0), (1, 3), (1, 3)),
]
# PyTorch's integer padding: (strides, kernel, padding, output_padding, input (H, W))
TORCH_CASES = [
    ((1, 1), (3, 3), 0, 0, (4, 5)),
    ((2, 2), (3, 3), 1, 1, (4, 5)),
    ((3, 2), (4, 3), (2, 1), (2, 1), (3, 4)),
    ((2, 3), (5, 2), (1, 0), 0, (3, 2)),
]


def reference(x, w, b, strides, crops, out):
    """Spread every input pixel over its window (float64 loops), crop ``crops`` rows/columns
    from the top/left, keep ``out`` of them (zeros where no window reaches), add the bias."""
    n, h, wd, _ = x.shape
    kh, kw, cout, _ = w.shape
    (sh, sw), (top, left), (oh, ow) = strides, crops, out
    full = np.zeros((n, max((h - 1) * sh + kh, top + oh), max((wd - 1) * sw + kw, left + ow), cout))
    for p in range(h):
        for q in range(wd):
            full[:, p * sh:p * sh + kh, q * sw:q * sw + kw, :] += np.einsum("nc,ijoc->nijo", x[:, p, q, :], w)
    y = full[:, top:top + oh, left:left + ow, :]
    return y + (0 if b is None else b)


def same_crop(in_size, k, s, out):
    """TensorFlow's "same" split for the convolution this is the transpose of (out -> in)."""
    return max((in_size - 1) * s + k - out, 0) // 2


def _tensors(hw, k, cin=3, cout=2, batch=2, grad=False):
    x = RNG.standard_normal((batch, *hw, cin))
    w = RNG.standard_normal((*k, cout, cin))
    b = RNG.standard_normal(cout)
    return [mdl.tensor(a, dtype="float64", requires_grad=grad) for a in (x, w, b)]


@pytest.mark.parametrize("padding, strides, k, op, hw, out", KERAS_CASES)
def test_keras_paddings_match_the_definition(padding, strides, k, op, hw, out):
    x, w, b = _tensors(hw, k)
    y = F.conv_transpose2d(x, w, b, strides, padding, op)
    assert y.shape == (2, *out, 2)
    if padding == "valid":
        crops = (0, 0)
    else:
        crops = tuple(same_crop(hw[a], k[a], strides[a], out[a]) for a in range(2))
    expected = reference(x.numpy(), w.numpy(), b.numpy(), strides, crops, out)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("strides, k, padding, op, hw", TORCH_CASES)
def test_integer_padding_crops_as_pytorch(strides, k, padding, op, hw):
    x, w, b = _tensors(hw, k)
    pads = (padding, padding) if isinstance(padding, int) else padding
    ops = (op, op) if isinstance(op, int) else op
    out = tuple((hw[a] - 1) * strides[a] + k[a] - 2 * pads[a] + ops[a] for a in range(2))
    y = F.conv_transpose2d(x, w, None, strides, padding, op)
    np.testing.assert_allclose(y.numpy(), reference(x.numpy(), w.numpy(), None, strides, pads, out),
                               rtol=1e-12, atol=1e-12)


GRAD_CASES = [
    ((1, 1), (3, 3), "valid", None, (3, 4), 1),
    ((2, 2), (3, 3), "same", None, (3, 3), 2),
    ((3, 3), (2, 2), "valid", None, (2, 3), 1),  # stride > kernel: gaps and bias-only rows
    ((2, 3), (3, 2), "same", (1, 2), (3, 2), 2),
    ((3, 2), (4, 3), "valid", (2, 1), (2, 3), 1),
    ((2, 2), (3, 3), 1, 1, (3, 3), 2),
    ((3, 1), (5, 2), (2, 0), 0, (3, 4), 1),
]


@pytest.mark.parametrize("strides, k, padding, op, hw, batch", GRAD_CASES)
def test_gradcheck_x_w_b(strides, k, padding, op, hw, batch):
    x, w, b = _tensors(hw, k, cin=2, cout=3, batch=batch, grad=True)
    assert mdl.gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, strides, padding, op), x, w, b)
    assert mdl.gradcheck(lambda x, w: F.conv_transpose2d(x, w, None, strides, padding, op), x, w)


def test_the_reference_kernels_agree_with_the_active_ones(monkeypatch):
    x, w, b = _tensors((4, 5), (3, 3), grad=True)
    g = RNG.standard_normal((2, 7, 10, 2))  # "same" with output_padding (0, 1): (4-1)·2+3-2, (5-1)·2+3-2+1

    def run():
        for t in (x, w, b):
            t.grad = None
        y = F.conv_transpose2d(x, w, b, 2, "same", (0, 1))
        (y * mdl.tensor(g, dtype="float64")).sum().backward()
        return [t.numpy() for t in (y, x.grad, w.grad, b.grad)]

    active = run()
    monkeypatch.setattr(ct.kernels, "get_kernels", lambda xp=None: kernels.reference)
    for mine, ref in zip(active, run()):
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-12)


def test_float32_input_stays_float32_and_mixed_dtypes_promote():
    x = mdl.tensor(RNG.standard_normal((1, 3, 3, 2)), dtype="float32")
    w32 = mdl.tensor(RNG.standard_normal((2, 2, 4, 2)), dtype="float32")
    assert F.conv_transpose2d(x, w32, stride=2).dtype == np.float32
    w64 = mdl.tensor(w32.numpy(), dtype="float64")
    assert F.conv_transpose2d(x, w64, stride=2).dtype == np.float64
    pixels = mdl.tensor(np.arange(18, dtype=np.uint8).reshape(1, 3, 3, 2))
    assert F.conv_transpose2d(pixels, w32).dtype == np.float32


def test_nn_module_shapes_init_and_repr():
    mdl.manual_seed(0)
    m = nn.ConvTranspose2d(3, 4, (3, 2), stride=2, padding=1, output_padding=1)
    assert m.weight.shape == (3, 2, 4, 3) and m.bias.shape == (4,)
    bound = 1 / np.sqrt(4 * 3 * 2)  # PyTorch's fan_in of its (in, out, kh, kw) weight: out·kh·kw
    assert np.abs(m.weight.numpy()).max() <= bound and np.abs(m.weight.numpy()).max() > 0.8 * bound
    assert m(mdl.randn(2, 5, 6, 3)).shape == (2, 10, 11, 4)  # (5-1)·2 + 3 - 2 + 1, (6-1)·2 + 2 - 2 + 1
    assert repr(m) == ("ConvTranspose2d(3, 4, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), "
                       "output_padding=(1, 1))")
    other = nn.ConvTranspose2d(3, 4, (3, 2), stride=2, padding=1, output_padding=1, bias=False)
    assert other.bias is None and len(list(other.parameters())) == 1


X = RNG.standard_normal((2, 4, 5, 3))
W = RNG.standard_normal((3, 3, 2, 3))


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv_transpose2d(mdl.tensor(X), W), "as Tensors"),
    (lambda: F.conv_transpose2d(mdl.tensor(X[0]), mdl.tensor(W)), "4 dimensions"),
    (lambda: F.conv_transpose2d(mdl.tensor(X[..., :2]), mdl.tensor(W)), "expected input with 3 channels"),
    (lambda: F.conv_transpose2d(mdl.tensor(X), mdl.tensor(W), mdl.tensor(np.zeros(3))), "bias must have"),
    (lambda: F.conv_transpose2d(mdl.tensor(X), mdl.tensor(W), stride=0), "stride must be"),
    (lambda: F.conv_transpose2d(mdl.tensor(X), mdl.tensor(W), padding="causal"), "padding must be"),
    (lambda: F.conv_transpose2d(mdl.tensor(X), mdl.tensor(W), stride=2, output_padding=2), "smaller than"),
    (lambda: F.conv_transpose2d(mdl.tensor(X), mdl.tensor(W), output_padding=-1), "output_padding must be"),
    (lambda: F.conv_transpose2d(mdl.tensor(X[:, :1]), mdl.tensor(W), padding=3), "output size"),
    (lambda: nn.ConvTranspose2d(3, 0, 3), "out_channels"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, padding="same"), "non-negative int"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, output_padding=1), "smaller than the stride"),
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
    out = []
    for i, (strides, k, padding, op, hw) in enumerate(json.loads(sys.argv[2])):
        x = torch.tensor(d["x%d" % i].transpose(0, 3, 1, 2), requires_grad=True)
        w = torch.tensor(d["w%d" % i].transpose(3, 2, 0, 1), requires_grad=True)  # (in, out, kh, kw)
        b = torch.tensor(d["b%d" % i], requires_grad=True)
        pad = padding if isinstance(padding, int) else tuple(padding)
        y = TF.conv_transpose2d(x, w, b, stride=tuple(strides), padding=pad, output_padding=op)
        (y * torch.tensor(d["g%d" % i].transpose(0, 3, 1, 2))).sum().backward()
        out.append([y.detach().numpy().transpose(0, 2, 3, 1).tolist(), x.grad.numpy().transpose(0, 2, 3, 1).tolist(),
                    w.grad.numpy().transpose(2, 3, 1, 0).tolist(), b.grad.numpy().tolist()])
    print(json.dumps(out))
    """
)


def test_against_pytorch(tmp_path):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")
    arrays, modules = {}, []
    for i, (strides, k, padding, op, hw) in enumerate(TORCH_CASES):
        m = nn.ConvTranspose2d(3, 2, k, strides, padding, op).double()
        modules.append(m)
        arrays[f"x{i}"] = RNG.standard_normal((2, *hw, 3))
        arrays[f"w{i}"], arrays[f"b{i}"] = m.weight.numpy(), m.bias.numpy()
        arrays[f"g{i}"] = RNG.standard_normal(m(mdl.tensor(arrays[f"x{i}"], dtype="float64")).shape)
    np.savez(tmp_path / "in.npz", **arrays)
    done = subprocess.run([sys.executable, "-c", TORCH_SCRIPT, str(tmp_path / "in.npz"), json.dumps(TORCH_CASES)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for i, (m, theirs) in enumerate(zip(modules, json.loads(done.stdout))):
        x = mdl.tensor(arrays[f"x{i}"], dtype="float64", requires_grad=True)
        y = m(x)
        (y * mdl.tensor(arrays[f"g{i}"], dtype="float64")).sum().backward()
        for mine, ref in zip((y, x.grad, m.weight.grad, m.bias.grad), theirs):
            np.testing.assert_allclose(mine.numpy(), np.array(ref), rtol=1e-10, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize("padding, op", [("same", None), ("valid", (1, 0)), (1, 1)])
def test_cuda_matches_cpu(padding, op):
    """Skipped unless CuPy and a CUDA device answer (conftest.py); runs on the CuPy stand-in in CI."""
    arrays = [RNG.standard_normal(s) for s in ((2, 4, 5, 3), (3, 2, 4, 3), (4,))]

    def run(device):
        x, w, b = (mdl.tensor(a, dtype="float64", requires_grad=True, device=device) for a in arrays)
        y = F.conv_transpose2d(x, w, b, 2, padding, op)
        (y * y).sum().backward()
        assert y.device == device
        return [t.numpy() for t in (y, x.grad, w.grad, b.grad)]

    for on_gpu, on_cpu in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(on_gpu, on_cpu, rtol=1e-10, atol=1e-12)
