"""Run the op table in PyTorch and save what it computes: ``python torch_worker.py OUT.npz``.

Started by ``test_ops_vs_torch.py`` in a subprocess (PyTorch and TensorFlow must
not share a process).  For every case with a PyTorch twin and every variant it
stores the float64 output under ``"<name>|<variant>|out"`` and, for differentiable
cases, the gradient of ``sum(weights * output)`` for each input under ``...|grad<i>``,
with the same inputs and weights the minidl side uses.  Errors are stored as text
under ``...|error`` so the test of that case reports them.
"""

from __future__ import annotations

import sys
import traceback

import numpy as np
import torch
from op_cases import CASES


def run_case(case, variant: int, results: dict) -> None:
    key = f"{case.name}|{variant}"
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=case.grad) for a in case.arrays(variant)]
    out = case.th(torch, *tensors)
    if out is None:  # no PyTorch equivalent for this variant
        return
    results[f"{key}|out"] = out.detach().numpy().copy()
    if case.grad:
        out.backward(torch.as_tensor(case.weights(variant, tuple(out.shape))))
        for i, t in enumerate(tensors):
            grad = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
            results[f"{key}|grad{i}"] = grad.copy()


def main(path: str) -> None:
    torch.set_num_threads(1)
    results: dict[str, np.ndarray] = {}
    for case in CASES:
        if case.th is None:
            continue
        for variant in range(len(case.shapes)):
            try:
                run_case(case, variant, results)
            except Exception:
                results[f"{case.name}|{variant}|error"] = np.array(traceback.format_exc())
    np.savez(path, **results)


if __name__ == "__main__":
    main(sys.argv[1])
