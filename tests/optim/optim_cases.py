"""Cases shared by the minidl.optim tests, and the script that runs them in PyTorch.

PyTorch runs in a separate process (PyTorch and TensorFlow loaded into one process
crash, and other test files may load Keras); see the ``torch_results`` fixture.
"""

from __future__ import annotations

import textwrap

import numpy as np

SHAPES = [(3, 4), (5,)]
STEPS = 6

OPT_CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5,
                 "eps": 1e-8}),
    # two parameter groups with their own lr and momentum
    ("SGD", {"lr": 0.1, "momentum": 0.5, "_groups": [{"lr": 0.2}, {"lr": 0.01, "momentum": 0.9}]}),
]

SCHED_CASES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": "inverse"}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "cooldown": 1, "threshold": 0.01, "min_lr": 0.02}),
    ("ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "patience": 0}),
]
SCHED_EPOCHS = 14
METRICS = [1.0, 0.9, 0.95, 0.9, 0.899, 0.7, 0.71, 0.72, 0.73, 0.5, 0.6, 0.6, 0.6, 0.6]

CLIP_CASES = [(1.0, 2.0), (0.5, 1.0), (0.3, float("inf")), (100.0, 2.0)]


def lambda_for(name: str):
    return {"inverse": lambda epoch: 1.0 / (1.0 + epoch)}[name]


def make_data(seed: int = 0) -> tuple[list[np.ndarray], list[list[np.ndarray | None]]]:
    """Initial parameters and ``STEPS`` gradients per parameter (one missing: skipped)."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    grads[2][1] = None  # step 3 has no gradient for the second parameter
    return params, grads


def save_data(path: object) -> None:
    """:func:`make_data` in float32 as an ``.npz`` for a torch subprocess: ``p{i}`` and
    ``g{step}_{i}`` (a missing gradient has no entry)."""
    params, grads = make_data()
    arrays = {f"p{i}": p.astype(np.float32) for i, p in enumerate(params)}
    arrays.update({f"g{s}_{i}": g.astype(np.float32) for s, step in enumerate(grads)
                   for i, g in enumerate(step) if g is not None})
    np.savez(path, **arrays)


TORCH_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch

    data = np.load(sys.argv[1])
    spec = json.load(open(sys.argv[2]))
    out = {}
    n, steps = spec["n"], spec["steps"]
    for k, (name, kwargs) in enumerate(spec["opt"]):
        kwargs = dict(kwargs)
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        params = [torch.tensor(data[f"p{i}"], dtype=torch.float32, requires_grad=True) for i in range(n)]
        groups = kwargs.pop("_groups", None)
        arg = [dict(g, params=[p]) for g, p in zip(groups, params)] if groups else params
        opt = getattr(torch.optim, name)(arg, **kwargs)
        for s in range(steps):
            for i, p in enumerate(params):
                key = f"g{s}_{i}"
                p.grad = torch.tensor(data[key], dtype=torch.float32) if key in data.files else None
            opt.step()
        for i, p in enumerate(params):
            out[f"opt{k}_p{i}"] = p.detach().numpy()
    lambdas = {"inverse": lambda epoch: 1.0 / (1.0 + epoch)}
    for k, (name, kwargs) in enumerate(spec["sched"]):
        kwargs = dict(kwargs)
        if "lr_lambda" in kwargs:
            kwargs["lr_lambda"] = lambdas[kwargs["lr_lambda"]]
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        sched = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
        lrs = []
        for e in range(spec["epochs"]):
            opt.step()
            sched.step(spec["metrics"][e]) if name == "ReduceLROnPlateau" else sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        out[f"sched{k}"] = np.array(lrs)
    for k, (max_norm, norm_type) in enumerate(spec["clip"]):
        params = [torch.zeros(s, requires_grad=True) for s in spec["shapes"]]
        for i, p in enumerate(params):
            p.grad = torch.tensor(data[f"g0_{i}"], dtype=torch.float32)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        out[f"clip{k}_total"] = total.numpy()
        for i, p in enumerate(params):
            out[f"clip{k}_g{i}"] = p.grad.numpy()
    np.savez(sys.argv[3], **out)
    """
)
