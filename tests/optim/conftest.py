"""The ``torch_results`` fixture: every case of optim_cases.py run through PyTorch once.

PyTorch runs in a subprocess (PyTorch and TensorFlow in one process crash, and other
test files may load Keras); the tests that need it skip when torch is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from optim_cases import (
    CLIP_CASES,
    METRICS,
    OPT_CASES,
    SCHED_CASES,
    SCHED_EPOCHS,
    SHAPES,
    STEPS,
    TORCH_SCRIPT,
    save_data,
)


@pytest.fixture(scope="session")
def torch_results(tmp_path_factory) -> dict[str, np.ndarray]:
    """Run every case of this file through torch.optim once, in a subprocess."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")
    folder = tmp_path_factory.mktemp("torch_ref")
    save_data(folder / "data.npz")
    spec = {"n": len(SHAPES), "steps": STEPS, "opt": OPT_CASES, "sched": SCHED_CASES,
            "epochs": SCHED_EPOCHS, "metrics": METRICS, "clip": CLIP_CASES,
            "shapes": [list(s) for s in SHAPES]}
    (folder / "spec.json").write_text(json.dumps(spec))
    script = folder / "run_torch.py"
    script.write_text(TORCH_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(script), str(folder / "data.npz"), str(folder / "spec.json"),
                           str(folder / "out.npz")], capture_output=True, text=True, timeout=240, env=env)
    if done.returncode != 0:
        pytest.fail(f"the PyTorch reference run failed:\n{done.stderr[-3000:]}")
    with np.load(folder / "out.npz") as out:
        return dict(out)
