"""Settings shared by the whole suite.

- Hypothesis runs the ``ci`` profile by default: no deadline (the first example of a
  test may compile Numba kernels) and a modest number of examples, so the suite stays
  fast on a 2-core machine.  ``HYPOTHESIS_PROFILE=thorough`` runs many more.
- Tests marked ``gpu`` skip unless CuPy is installed and a CUDA device answers (without a
  GPU, ``test_fake_cupy.py`` runs them in a subprocess on the CPU stand-in ``fake_cupy``).
- The ``torch`` fixture returns the ``torch`` module, or skips when PyTorch is not
  installed (it is not a test dependency).  It also skips when TensorFlow is loaded
  in this process: the two crash together, so such tests must use a subprocess.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def gpu_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    if importlib.util.find_spec("cupy") is None:
        return False
    import minidl

    return minidl.cuda.is_available()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [item for item in items if item.get_closest_marker("gpu") is not None]
    if gpu_items and not gpu_available():
        skip = pytest.mark.skip(reason="needs CuPy and a CUDA device")
        for item in gpu_items:
            item.add_marker(skip)


@pytest.fixture
def torch():
    """The ``torch`` module; skips cleanly where PyTorch is not installed."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed (optional: only used to cross-check results)")
    if "tensorflow" in sys.modules:
        pytest.skip("TensorFlow is loaded in this process; PyTorch must run in a subprocess")
    return pytest.importorskip("torch")
