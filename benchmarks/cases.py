"""The benchmark cases, their sizes, and plain NumPy references of their models.

Every worker (minidl, PyTorch, Keras) imports this module, so it imports
NumPy only. A case says *what* is measured (model, batch, dtype, device);
each worker says *how* its framework runs it, the way its users would.

The references at the bottom are the course models written in a few lines of
NumPy. minidl's worker compares its outputs with them before timing anything,
so a broken kernel cannot look fast.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

#: Image shape of the course models (NHWC without the batch axis).
IMAGE_SHAPE = (28, 28, 1)
#: Number of classes of every classifier here.
CLASSES = 10
#: Batch size used by every `predict` call (the same for all frameworks).
PREDICT_BATCH = 256
#: Images in the inference case: the size of the MNIST test set.
PREDICT_IMAGES = 10_000
#: A predict warm-up sees both batch shapes of the real run (256 and the last 16).
PREDICT_WARMUP = PREDICT_BATCH + PREDICT_IMAGES % PREDICT_BATCH
#: Training examples in one MNIST epoch (case 1 in --full).
EPOCH_SAMPLES = 60_000
#: Elementwise ops in the autograd chain (case 4): pairs of y*a and y+b.
CHAIN_OPS = 1_000
CHAIN_SHAPE = (16,)
CHAIN_MUL, CHAIN_ADD = 1.0001, 0.001
#: Training steps run (after imports) to measure the peak memory of case 1.
MEMORY_STEPS = 10

#: Seconds one timed repeat may last before a worker runs fewer units.
REPEAT_CAP_S = {"quick": 1.0, "full": 6.0}


@dataclass(frozen=True)
class Case:
    """One measurement: a model, its sizes, and how much work one repeat does.

    `units` is how many units (training steps, predict calls, chains, epochs)
    one timed repeat runs; a worker may run fewer when one repeat would last
    longer than `REPEAT_CAP_S` (it reports how many it ran). `scale` turns the
    measured seconds per unit into the displayed `unit`.
    """

    id: str
    number: int  # the case number in issue 5
    title: str
    kind: str  # "train" | "predict" | "chain" | "memory"
    model: str  # "cnn" | "mlp" | "chain"
    batch: int
    units: dict = field(default_factory=dict)  # mode -> units per repeat
    repeats: dict = field(default_factory=dict)  # mode -> repeats
    unit: str = "ms/step"
    scale: float = 1e3
    device: str = "cpu"
    samples_per_unit: int = 0  # training examples consumed by one unit (train kind)
    modes: tuple = ("quick", "full")
    # Issue 5's targets for minidl / fastest peer: (required, goal); None: no target.
    required: float | None = 1.0
    goal: float | None = 0.8

    def to_dict(self) -> dict:
        return asdict(self)


def _train(id, number, title, model, batch, quick, full, device="cpu", **kw) -> Case:
    return Case(id, number, title, "train", model, batch, {"quick": quick, "full": full},
                kw.pop("repeats", {"quick": 3, "full": 5}), device=device,
                samples_per_unit=kw.pop("samples_per_unit", batch), **kw)


def _predict(id, number, device="cpu") -> Case:
    title = f"CNN predict on {PREDICT_IMAGES:,} images (batch {PREDICT_BATCH})"
    return Case(id, number, ("GPU: " if device == "cuda" else "") + title, "predict", "cnn",
                PREDICT_BATCH, {"quick": 1, "full": 3}, {"quick": 7, "full": 7},
                unit="ms/predict", device=device,
                required=1.0 if device == "cpu" else None, goal=0.8 if device == "cpu" else None)

CASES: tuple[Case, ...] = (
    # at least ~200 timed steps per framework in quick mode (issue 5: "hundreds of steps")
    _train("cnn_train", 1, "course CNN training step, batch 64", "cnn", 64, 40, 200,
           repeats={"quick": 5, "full": 5}),
    _train("cnn_epoch", 1, f"course CNN, one epoch of {EPOCH_SAMPLES:,} images", "cnn", 64,
           1, 1, samples_per_unit=EPOCH_SAMPLES, unit="s/epoch", scale=1.0, modes=("full",),
           repeats={"quick": 3, "full": 3},
           goal=None),
    # short units: more interleaved repeats, so that one noisy moment does not decide the median
    _train("mlp_b64", 2, "MLP 784-256-128-10 training step, batch 64", "mlp", 64, 150, 600,
           repeats={"quick": 6, "full": 7}),
    _train("mlp_b1024", 2, "MLP 784-256-128-10 training step, batch 1024", "mlp", 1024, 30, 60,
           repeats={"quick": 8, "full": 9},  # 3-5 repeats: one noisy moment moved the median 10%
           goal=None),  # BLAS-bound: the goal is to be as fast as the BLAS allows
    _predict("cnn_predict", 3),
    Case("autograd_chain", 4, f"autograd chain of {CHAIN_OPS:,} tiny ops, forward+backward",
         "chain", "chain", 0, {"quick": 100, "full": 200}, {"quick": 5, "full": 7},
         unit="ms/chain", goal=0.5),
    Case("cnn_memory", 5, "peak memory of case 1 (peak RSS - RSS after imports)", "memory",
         "cnn", 64, {"quick": MEMORY_STEPS, "full": MEMORY_STEPS}, {"quick": 1, "full": 1},
         unit="MB", scale=1.0, goal=None),
    _train("gpu_cnn_train", 6, "GPU: course CNN training step, batch 64", "cnn", 64, 100, 400,
           device="cuda", required=1.5, goal=1.0),
    _train("gpu_mlp_b64", 6, "GPU: MLP training step, batch 64", "mlp", 64, 200, 800,
           device="cuda", required=None, goal=None),
    _train("gpu_mlp_b1024", 6, "GPU: MLP training step, batch 1024", "mlp", 1024, 100, 400,
           device="cuda", required=None, goal=None),
    _predict("gpu_cnn_predict", 6, device="cuda"),
)

BY_ID = {c.id: c for c in CASES}


def case_from_dict(d: dict) -> Case:
    """Rebuild a Case sent over the worker protocol (JSON turns tuples into lists)."""
    d = dict(d)
    d["modes"] = tuple(d["modes"])
    return Case(**d)


def select(mode: str, wanted: str | None = None) -> list[Case]:
    """The cases of `mode`, filtered by a comma list of ids or case numbers ("1,mlp_b64")."""
    cases = [c for c in CASES if mode in c.modes]
    if not wanted:
        return cases
    keys = {w.strip() for w in wanted.split(",") if w.strip()}
    unknown = keys - {c.id for c in CASES} - {str(c.number) for c in CASES}
    if unknown:
        known = ", ".join(c.id for c in CASES)
        raise ValueError(f"unknown case {sorted(unknown)}; expected numbers 1-6 or ids: {known}")
    return [c for c in cases if c.id in keys or str(c.number) in keys]


# ----------------------------------------------------------------------------- models


def keras_model(layers, models, model: str):
    """The case's model through a Keras-style API: `keras` itself or `minidl.keras`.

    One definition for both keeps the Keras peers and minidl on the same model.
    """
    if model == "cnn":
        stack = [layers.Input(shape=IMAGE_SHAPE),
                 layers.Conv2D(32, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
                 layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
                 layers.Flatten(), layers.Dense(64, activation="relu")]
    else:
        stack = [layers.Input(shape=(784,)), layers.Dense(256, activation="relu"),
                 layers.Dense(128, activation="relu")]
    return models.Sequential([*stack, layers.Dense(CLASSES, activation="softmax")])


#: Keras-layout weight shapes (HWIO conv kernels, (in, out) dense kernels), in order.
WEIGHT_SHAPES = {
    "cnn": [(3, 3, 1, 32), (32,), (3, 3, 32, 64), (64,), (1600, 64), (64,), (64, 10), (10,)],
    "mlp": [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)],
}


# ----------------------------------------------------------------------------- data


def images(n: int, seed: int = 0) -> np.ndarray:
    """`n` synthetic 28x28x1 float32 images in [0, 1), the same in every worker."""
    return np.random.default_rng(seed).random((n, *IMAGE_SHAPE), dtype=np.float32)


def labels(n: int, seed: int = 1) -> np.ndarray:
    """`n` integer class labels in [0, 10)."""
    return np.random.default_rng(seed).integers(0, CLASSES, n)


def one_hot(y: np.ndarray) -> np.ndarray:
    return np.eye(CLASSES, dtype=np.float32)[y]


def train_data(case: Case, units: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (images, or flat 784 vectors for the MLP) and integer labels for `units` units."""
    n = units * case.samples_per_unit
    x = images(n)
    if case.model == "mlp":
        x = x.reshape(n, -1)
    return x, labels(n)


def steps_in(samples: int, batch: int) -> int:
    return math.ceil(samples / batch)


# ----------------------------------------------------------------------------- references


def _conv_valid(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """out[n,i,j,o] = b[o] + sum_{p,q,c} x[n,i+p,j+q,c] * w[p,q,c,o]  (NHWC, HWIO, stride 1)."""
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape[:2], axis=(1, 2))
    # windows: (n, h', w', c, kh, kw) -> contract c, kh, kw against w (kh, kw, c, o)
    return np.einsum("nijcpq,pqco->nijo", windows, w, optimize=True) + b


def _max_pool2(x: np.ndarray) -> np.ndarray:
    """2x2 max pooling, stride 2, dropping an odd last row/column ("valid")."""
    n, h, w, c = x.shape
    x = x[:, : h // 2 * 2, : w // 2 * 2]
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def reference_logits(model: str, weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """Logits of the course CNN or the MLP in float64 NumPy.

    `weights` is Keras' `get_weights()` order: kernel, bias per layer; conv
    kernels HWIO, dense kernels (in, out). Flatten follows NHWC order.
    """
    w = [np.asarray(a, dtype=np.float64) for a in weights]
    h = np.asarray(x, dtype=np.float64)
    if model == "cnn":
        h = _max_pool2(_relu(_conv_valid(h, w[0], w[1])))
        h = _max_pool2(_relu(_conv_valid(h, w[2], w[3])))
        h = h.reshape(len(h), -1)
        w = w[4:]
    for i in range(0, len(w) - 2, 2):
        h = _relu(h @ w[i] + w[i + 1])
    return h @ w[-2] + w[-1]
