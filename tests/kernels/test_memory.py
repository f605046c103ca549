"""Allocator policy (applied on glibc Linux, never against the user's own settings) and
Numba's BLAS probe (skipped, so the first kernel call does not load SciPy)."""

from __future__ import annotations

import importlib.util
import os
import platform
import sys

import pytest

from minidl.kernels import memory


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*memory.USER_VARIABLES, "MINIDL_MALLOC"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the policy is for glibc's malloc",
)
def test_applies_on_glibc(clean_env):
    assert memory.configure_memory() is True


@pytest.mark.parametrize(
    "name, value",
    [("MALLOC_MMAP_THRESHOLD_", "131072"), ("MALLOC_TRIM_THRESHOLD_", "0"),
     ("MALLOC_TOP_PAD_", "0"), ("MINIDL_MALLOC", "default")],
)
def test_leaves_the_allocator_to_the_user(clean_env, name, value):
    clean_env.setenv(name, value)
    assert memory.configure_memory() is False


# ----------------------------------------------------------------------------- Numba's BLAS probe
# Each check runs in a fresh interpreter: whether SciPy is loaded is process state.
_FIRST_KERNEL_CALL = """
import sys
import numpy as np
import minidl, minidl.functional as F, minidl.nn as nn
net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(18, 3))
F.cross_entropy(net(minidl.randn(2, 8, 8, 1)), np.array([0, 1])).backward()
"""


def _run(code: str) -> str:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "MINIDL_KERNELS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


needs_numba_and_scipy = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None or importlib.util.find_spec("scipy") is None,
    reason="the probe is Numba's, and only costs memory when SciPy is installed",
)


@needs_numba_and_scipy
def test_first_kernel_call_does_not_load_scipy():
    out = _run(_FIRST_KERNEL_CALL + """
import numba.np.arraymath as am
print("scipy.linalg" in sys.modules, "scipy.linalg.cython_blas" in sys.modules, am._HAVE_BLAS)
""")
    assert out == "False False False"


@needs_numba_and_scipy
def test_jitted_linear_algebra_still_works():
    out = _run(_FIRST_KERNEL_CALL + """
import numba
mm = numba.njit(lambda a, b: a @ b)
corr = numba.njit(lambda a, b: np.correlate(a, b))
print(float(mm(np.ones((2, 3)), np.ones((3, 2)))[0, 0]), corr(np.ones(4), np.ones(2)).tolist(),
      "scipy.linalg" in sys.modules)
""")
    assert out == "3.0 [2.0, 2.0, 2.0] True"  # np.dot imported SciPy when it was compiled


@needs_numba_and_scipy
def test_scipy_imported_first_keeps_the_probe():
    out = _run("import scipy.linalg\n" + _FIRST_KERNEL_CALL + """
import numba.np.arraymath as am
from minidl.kernels import memory
print(am._HAVE_BLAS, any(isinstance(f, memory.SkipNumbaBlasProbe) for f in sys.meta_path))
""")
    assert out == "True False"


def test_finder_acts_once_and_only_on_the_probing_module(monkeypatch):
    finder = memory.SkipNumbaBlasProbe()
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    assert finder.find_spec("json") is None
    assert finder in sys.meta_path  # other imports leave it in place
    spec = finder.find_spec(memory.PROBING_MODULE, None)
    assert finder not in sys.meta_path
    if spec is not None and "scipy.linalg" not in sys.modules:
        assert isinstance(spec.loader, memory._LoaderHiding)
        assert spec.loader.get_filename(memory.PROBING_MODULE).endswith("arraymath.py")
