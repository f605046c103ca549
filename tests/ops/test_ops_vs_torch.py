"""The op table against PyTorch: same inputs, same output weights, float64.

PyTorch is optional (not a test dependency): without it this module is skipped.  It
runs in a subprocess (``torch_worker.py``), once for the whole table, because
PyTorch and TensorFlow crash when loaded into one process.  Layout differences are
handled in the table: NHWC<->NCHW permutes for conv/pool and HWIO->OIHW kernels.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from op_cases import CASES

import minidl as mdl

if importlib.util.find_spec("torch") is None:
    pytest.skip("PyTorch is not installed (optional cross-check)", allow_module_level=True)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PARAMS = [pytest.param(c, i, id=f"{c.name}-{i}") for c in CASES if c.th is not None for i in range(len(c.shapes))]


@pytest.fixture(scope="module")
def torch_results(tmp_path_factory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("torch") / "results.npz"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT), os.environ.get("PYTHONPATH", "")]),
               OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(HERE / "torch_worker.py"), str(out)], cwd=HERE, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"PyTorch worker failed:\n{proc.stderr[-4000:]}"
    with np.load(out, allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


@pytest.mark.parametrize("case, variant", PARAMS)
def test_matches_pytorch(case, variant, torch_results):
    key = f"{case.name}|{variant}"
    if f"{key}|error" in torch_results:
        pytest.fail(f"the PyTorch twin of {case.name} raised:\n{torch_results[key + '|error']}")
    if f"{key}|out" not in torch_results:
        pytest.skip("PyTorch has no equivalent for this variant")
    inputs = [mdl.tensor(a, dtype="float64", requires_grad=case.grad) for a in case.arrays(variant)]
    out = case.fn(*inputs)
    expected = torch_results[f"{key}|out"]
    assert out.shape == expected.shape
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_array_equal(out.numpy(), expected)
    if not case.grad:
        return
    out.backward(case.weights(variant, out.shape))
    for i, x in enumerate(inputs):
        grad = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(grad, torch_results[f"{key}|grad{i}"], rtol=1e-9, atol=1e-12,
                                   err_msg=f"gradient of input {i}")
