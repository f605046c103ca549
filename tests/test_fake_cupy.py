"""minidl's ``"cuda"`` path in CI, on a strict CPU stand-in for CuPy (``tests/fake_cupy``).

``test_gpu_tests_pass_on_fake_cupy`` runs every test marked ``gpu`` in a subprocess whose
``PYTHONPATH`` starts with ``tests/fake_cupy``, so ``import cupy`` finds the stand-in
and ``conftest.py`` sees a device.  Only the tests of hand-written CUDA kernels may
skip there.  Where real CuPy is installed, the GPU tests run on it directly instead.

The tests marked ``gpu`` below run in that subprocess (they skip elsewhere): they check
that the stand-in stays strict, so it cannot quietly turn into plain NumPy.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
FAKE = ROOT / "tests" / "fake_cupy"
GPU_TESTS = "tests"  # every test marked gpu, wherever it lives (a fixed file list missed new ones)
KERNEL_SKIP = "CUDA kernels need real CuPy"


def test_gpu_tests_pass_on_fake_cupy():
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("real CuPy is installed: the GPU tests run on it directly")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(FAKE), os.environ.get("PYTHONPATH")])))
    for name in ("MINIDL_KERNELS", "MINIDL_DEVICE"):
        env.pop(name, None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider", "-rs",
                          GPU_TESTS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    summary = output.strip().splitlines()[-1]
    assert run.returncode == 0, output[-6000:]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", summary)}
    assert counts.get("passed", 0) > 1500 and not counts.get("failed") and not counts.get("error"), summary
    skips = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert all(KERNEL_SKIP in line for line in skips), "only the CUDA kernel tests may skip:\n" + "\n".join(skips)


# ---------------------------------------------------------------- the stand-in stays strict


@pytest.fixture
def cupy():
    cupy = pytest.importorskip("cupy")
    if not getattr(cupy, "__minidl_fake__", False):
        pytest.skip("these check tests/fake_cupy, not real CuPy")
    return cupy


@pytest.mark.gpu
def test_fake_arrays_are_not_numpy_arrays(cupy):
    x = cupy.arange(6.0).reshape(2, 3)
    assert type(x).__module__.startswith("cupy") and not isinstance(x, np.ndarray)
    message = "Implicit conversion to a NumPy array is not allowed"
    for convert in (np.asarray, np.array, lambda a: a.__array__(), lambda a: np.array([a, a])):
        with pytest.raises(TypeError, match=message):
            convert(x)
    assert type(x.get()) is np.ndarray and type(cupy.asnumpy(x)) is np.ndarray


@pytest.mark.gpu
def test_fake_refuses_numpy_operands(cupy):
    x, host = cupy.ones(3), np.ones(3)
    for mix in (lambda: x + host, lambda: host + x, lambda: x @ host, lambda: cupy.add(x, host),
                lambda: np.maximum(x, host), lambda: cupy.where(x > 0, host, 0.0), lambda: x.dot(host),
                lambda: cupy.concatenate([x, host])):
        with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
            mix()
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray"):
        x[:] = host  # basic indexing fills with a scalar only, as CuPy
    x[cupy.array([0, 2])] = np.array([5.0, 6.0])  # advanced indexing copies host values, as CuPy
    assert x.tolist() == [5.0, 1.0, 6.0]
    assert (x * 2).tolist() == [10.0, 2.0, 12.0] and (np.float32(2) * x).dtype == np.float64


@pytest.mark.gpu
def test_fake_reductions_and_indexing_give_0d_arrays(cupy):
    x = cupy.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    for r in (x.sum(), x.max(), x.mean(), cupy.sum(x), np.sum(x), np.max(x), x[1, 2], x.argmax(), x[0][1]):
        assert type(r) is cupy.ndarray and r.shape == (), type(r)
    assert float(x.sum()) == 15.0 and int(x.argmax()) == 5 and bool(x[1, 2] == 5) and x.max().item() == 5.0
    assert type(np.exp(x)) is cupy.ndarray and type(np.where(x > 2, x, 0)) is cupy.ndarray
    with pytest.raises(TypeError):
        range(x.argmax())  # no __index__, as CuPy
    with pytest.raises(TypeError, match="no implementation found"):
        np.linalg.norm(x)


@pytest.mark.gpu
@pytest.mark.parametrize("expr", ["a * 2.5", "a * np.float64(2)", "b + 1.5", "b / 2", "a + b", "b > 1",
                                  "np.exp(b)", "a.sum()", "b.mean()", "np.maximum(a, 0)", "a.astype(np.float16) * 3"])
def test_fake_dtypes_follow_numpy(cupy, expr):
    a, b = np.ones(3, np.float32), np.arange(3, dtype=np.int32)
    want = eval(expr, {"np": np, "a": a, "b": b})
    got = eval(expr, {"np": np, "a": cupy.asarray(a), "b": cupy.asarray(b)})
    assert got.dtype == np.asarray(want).dtype


@pytest.mark.gpu
def test_fake_kernels_atomics_and_minidl_view(cupy):
    import cupyx

    import minidl as mdl
    from minidl import backend
    from minidl.kernels import get_kernels, gpu_cupy

    with pytest.raises(NotImplementedError, match="no CUDA kernels"):
        cupy.ElementwiseKernel("T x", "T y", "y = x", "copy")
    g = cupy.zeros(4, dtype=np.float32)
    cupyx.scatter_add(g, cupy.array([0, 0, 3]), cupy.ones(3, dtype=np.float32))
    assert g.tolist() == [2.0, 0.0, 0.0, 1.0]
    with pytest.raises(TypeError, match="add.at only supports"):
        cupyx.scatter_add(cupy.zeros(4, dtype=np.int64), cupy.array([0]), 1)
    assert mdl.cuda.is_available() and backend.get_array_module(g) is cupy and get_kernels(cupy) is gpu_cupy
    assert mdl.tensor([1.0], device="cuda").device == "cuda"
