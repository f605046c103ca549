"""Conv and pool forward against PyTorch on the same data (NHWC <-> NCHW).

PyTorch runs in a subprocess (it crashes when TensorFlow shares the process) and
the test skips when it is not installed.  Asymmetric "same" padding is applied
with ``F.pad`` first, since PyTorch pads both sides equally.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from minidl import kernels
from minidl.kernels import reference as R

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="PyTorch is not installed (optional)"
)

# (H, W, C, O, kh, kw, sh, sw, padding)
CASES = [
    (28, 28, 1, 4, 3, 3, 1, 1, "valid"),
    (9, 7, 3, 5, 3, 2, 2, 1, "same"),
    (8, 8, 2, 3, 4, 4, 2, 2, "same"),
    (6, 5, 4, 2, 3, 3, 3, 2, 1),
    (5, 5, 2, 2, 1, 1, 2, 2, "valid"),
]

WORKER = r"""
import sys, numpy as np, torch, torch.nn.functional as F
data = dict(np.load(sys.argv[1]))
out = {}
for key in sorted(k for k in data if k.startswith("x")):
    i = key[1:]
    top, bottom, left, right = (int(v) for v in data["pads" + i])
    sh, sw = (int(v) for v in data["stride" + i])
    x = torch.from_numpy(data[key]).permute(0, 3, 1, 2)
    w = torch.from_numpy(data["w" + i]).permute(3, 2, 0, 1)
    b = torch.from_numpy(data["b" + i])
    y = F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride=(sh, sw))
    out["conv" + i] = y.permute(0, 2, 3, 1).numpy()
    ph, pw = (int(v) for v in data["pool" + i])
    xm = F.pad(x, (left, right, top, bottom), value=-float("inf"))
    out["max" + i] = F.max_pool2d(xm, (ph, pw), (sh, sw)).permute(0, 2, 3, 1).numpy()
    # mean over real elements: sum of x over sum of a mask (count_include_pad=False)
    s = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), (ph, pw), (sh, sw))
    m = F.avg_pool2d(F.pad(torch.ones_like(x), (left, right, top, bottom)), (ph, pw), (sh, sw))
    out["avg" + i] = (s / m).permute(0, 2, 3, 1).numpy()
np.savez(sys.argv[2], **out)
"""


@pytest.fixture(scope="module")
def torch_results(tmp_path_factory):
    rng = np.random.default_rng(0)
    data = {}
    for i, (h, w, c, o, kh, kw, sh, sw, padding) in enumerate(CASES):
        top, bottom, _ = R.pad_amounts(h, kh, sh, padding)
        left, right, _ = R.pad_amounts(w, kw, sw, padding)
        data[f"x{i}"] = rng.standard_normal((2, h, w, c)).astype(np.float32)
        data[f"w{i}"] = rng.standard_normal((kh, kw, c, o)).astype(np.float32)
        data[f"b{i}"] = rng.standard_normal(o).astype(np.float32)
        data[f"pads{i}"] = np.array([top, bottom, left, right])
        data[f"stride{i}"] = np.array([sh, sw])
        # pools use the conv's window and padding when the padding is smaller than it
        ok = max(top, bottom) < kh and max(left, right) < kw
        data[f"pool{i}"] = np.array([kh, kw] if ok else [kh + 2, kw + 2])
    tmp = tmp_path_factory.mktemp("torch")
    np.savez(tmp / "in.npz", **data)
    run = subprocess.run(
        [sys.executable, "-c", WORKER, str(tmp / "in.npz"), str(tmp / "out.npz")],
        capture_output=True, text=True, timeout=240,
    )
    assert run.returncode == 0, run.stderr
    return data, dict(np.load(tmp / "out.npz"))


@pytest.mark.parametrize("impl", ["reference", "active"])
@pytest.mark.parametrize("i", range(len(CASES)))
def test_conv_and_pools_match_torch(torch_results, impl, i):
    data, want = torch_results
    k = R if impl == "reference" else kernels
    x, w, b = data[f"x{i}"], data[f"w{i}"], data[f"b{i}"]
    pads = tuple(int(v) for v in data[f"pads{i}"])
    sh, sw = (int(v) for v in data[f"stride{i}"])
    ph, pw = (int(v) for v in data[f"pool{i}"])
    y = k.conv2d_forward(x, w, b, sh, sw, pads)
    np.testing.assert_allclose(y, want[f"conv{i}"], rtol=1e-4, atol=1e-4)
    if max(pads[:2]) < ph and max(pads[2:]) < pw:
        np.testing.assert_array_equal(k.maxpool2d_forward(x, ph, pw, sh, sw, pads)[0], want[f"max{i}"])
        np.testing.assert_allclose(
            k.avgpool2d_forward(x, ph, pw, sh, sw, pads), want[f"avg{i}"], rtol=1e-5, atol=1e-6
        )
