"""The whole op table on ``"cuda"`` (CuPy) against the same ops on the CPU.

Marked ``gpu``: skipped unless CuPy is installed and a CUDA device answers (see
``conftest.py``).  Forward values and input gradients must agree with the CPU in
float64; float32 forwards agree to float32 rounding.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "ops"))
from op_cases import CASES  # noqa: E402

import minidl as mdl  # noqa: E402
import minidl.functional as F  # noqa: E402

pytestmark = pytest.mark.gpu

ALL = [pytest.param(c, i, id=f"{c.name}-{i}") for c in CASES for i in range(len(c.shapes))]


def run(case, variant, device, dtype):
    inputs = [mdl.tensor(a, dtype=dtype, device=device, requires_grad=case.grad) for a in case.arrays(variant)]
    out = case.fn(*inputs)
    if case.grad and out.requires_grad:
        out.backward(case.weights(variant, out.shape).astype(dtype))
    return out, inputs


@pytest.mark.parametrize("case, variant", ALL)
def test_op_on_cuda_matches_cpu(case, variant):
    cpu_out, cpu_in = run(case, variant, "cpu", "float64")
    gpu_out, gpu_in = run(case, variant, "cuda", "float64")
    assert gpu_out.device == "cuda" and gpu_out.dtype == cpu_out.dtype and gpu_out.shape == cpu_out.shape
    np.testing.assert_allclose(gpu_out.numpy(), cpu_out.numpy(), rtol=1e-9, atol=1e-12)
    for i, (c, g) in enumerate(zip(cpu_in, gpu_in)):
        if c.grad is None:
            assert g.grad is None
            continue
        assert g.grad.device == "cuda", f"gradient of input {i} left the GPU"
        np.testing.assert_allclose(g.grad.numpy(), c.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("case, variant", ALL)
def test_op_on_cuda_float32(case, variant):
    cpu_out, _ = run(case, variant, "cpu", "float32")
    gpu_out, _ = run(case, variant, "cuda", "float32")
    assert gpu_out.dtype == cpu_out.dtype
    np.testing.assert_allclose(gpu_out.numpy(), cpu_out.numpy(), rtol=1e-4, atol=1e-5)


def test_to_moves_data_and_gradients_between_devices():
    x = mdl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and isinstance(y.numpy(), np.ndarray)
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_mixing_devices_raises():
    with pytest.raises(mdl.DeviceMismatchError, match="cpu.*cuda|cuda.*cpu"):
        mdl.ones(3) + mdl.ones(3, device="cuda")


def test_same_seed_same_dropout_on_cuda():
    x = mdl.ones(64, 64, device="cuda")
    mdl.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    mdl.manual_seed(3)
    b = F.dropout(x, 0.5).numpy()
    assert a.tobytes() == b.tobytes()


def test_minidl_device_puts_new_tensors_on_the_gpu(monkeypatch):
    monkeypatch.setenv("MINIDL_DEVICE", "cuda")
    for t in (mdl.zeros(2), mdl.randn(2), mdl.tensor(np.ones(2)), mdl.tensor([1.0])):
        assert t.device == "cuda"
    assert mdl.tensor([1.0], device="cpu").device == "cpu"
