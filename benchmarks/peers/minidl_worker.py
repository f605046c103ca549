"""minidl, both ways a user trains with it (`--device cpu` or `--device cuda`).

* "keras fit" / "keras predict": `minidl.keras`, the same code as the Keras peer.
* "nn loop" / "nn forward": the PyTorch-style manual loop with `minidl.nn`,
  `minidl.optim` and `minidl.functional`; batches are wrapped without a copy
  (`mdl.from_numpy`), as the PyTorch worker does with `torch.from_numpy`.

Before anything is timed, `check()` proves the run is right: the loss must
fall over a few steps on one batch, and the model's outputs must match a
plain NumPy forward pass (`benchmarks.cases.reference_logits`) of the same
weights. A broken kernel fails here instead of looking fast.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from benchmarks import cases as C
from benchmarks.peers import protocol as P

mdl = None  # imported in main(), after MINIDL_DEVICE is set


class CheckFailed(AssertionError):
    """minidl produced a wrong result, so its timing would mean nothing."""


def _expect_close(got, want, what: str) -> None:
    err = float(np.max(np.abs(np.asarray(got, np.float64) - want)))
    if not np.allclose(got, want, rtol=1e-3, atol=1e-4):
        raise CheckFailed(f"{what} differs from the NumPy reference: max abs error {err:.3g}, "
                          "expected <= 1e-4 + 1e-3 * |reference|")


def _expect_decrease(losses: list[float], what: str) -> None:
    if not (np.all(np.isfinite(losses)) and losses[-1] < losses[0]):
        raise CheckFailed(f"{what}: loss should fall when training on one batch, got {losses}")


def _keras_layout(arrays: list[np.ndarray], model: str) -> list[np.ndarray]:
    """nn parameters in Keras order and layout (transposed if stored PyTorch-style)."""
    out = []
    for a, shape in zip(arrays, C.WEIGHT_SHAPES[model], strict=True):
        if a.shape != shape:  # (out, in) dense or OIHW conv kernels
            a = a.T if a.ndim == 2 else a.transpose(2, 3, 1, 0)
        out.append(a)
    return out


def _nn_model(model: str):
    nn = mdl.nn
    if model == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(1600, 64), nn.ReLU(), nn.Linear(64, 10))
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


class _Model(P.Bench):
    """A minidl model built the Keras way or the PyTorch way, with a NumPy-checked forward."""

    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.keras = variant.startswith("keras")
        # nn batches: wrapped without a copy, then moved to the GPU (as the PyTorch worker's .to(dev))
        self.batch = mdl.from_numpy if case.device == "cpu" else lambda x: mdl.from_numpy(x).to(case.device)
        if self.keras:
            from minidl.keras import layers, models, optimizers

            self.model = C.keras_model(layers, models, case.model)
            self.model.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                               loss="categorical_crossentropy", metrics=["accuracy"])
        else:
            self.net = _nn_model(case.model)
            self.opt = mdl.optim.Adam(self.net.parameters(), lr=1e-3)

    def weights(self) -> list[np.ndarray]:
        if self.keras:
            return [np.asarray(w) for w in self.model.get_weights()]
        return _keras_layout([p.numpy() for p in self.net.parameters()], self.case.model)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Softmax outputs for `x`, the way this variant's user gets them."""
        if self.keras:
            return self.model.predict(x, batch_size=C.PREDICT_BATCH, verbose=0)
        F = mdl.functional
        self.net.eval()
        with mdl.no_grad():
            outs = [F.softmax(self.net(self.batch(x[s:s + C.PREDICT_BATCH])), axis=-1).numpy()
                    for s in range(0, len(x), C.PREDICT_BATCH)]
        self.net.train()
        return np.concatenate(outs)

    def check_forward(self, x: np.ndarray) -> None:
        want = C.softmax(C.reference_logits(self.case.model, self.weights(), x))
        _expect_close(self.probabilities(x), want, f"{self.case.model} {self.variant} output")


class Train(_Model):
    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.make_data()

    def make_data(self) -> None:
        self.x, y = C.train_data(self.case, self.units)
        self.y = C.one_hot(y) if self.keras else y

    def check(self) -> str:
        b = self.case.batch
        xb, yb = self.x[:b], self.y[:b]
        if self.keras:
            hist = self.model.fit(xb, yb, batch_size=b, epochs=4, verbose=0, shuffle=False)
            losses = hist.history["loss"]
        else:
            losses = [self._step(xb, yb).item() for _ in range(4)]
        _expect_decrease(losses, f"{self.case.model} {self.variant}")
        self.check_forward(self.x[:16])
        return "ok: loss falls; outputs match NumPy"

    def warmup(self) -> None:
        for _ in range(2):
            self._train(2 * self.case.batch)

    def run(self, units: int) -> None:
        self._train(units * self.case.samples_per_unit)

    def _step(self, xb, yb):
        loss = mdl.functional.cross_entropy(self.net(self.batch(xb)), yb)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss

    def _train(self, n: int) -> None:
        b = self.case.batch
        if self.keras:
            self.model.fit(self.x[:n], self.y[:n], batch_size=b, epochs=1, verbose=0,
                           shuffle=False)
            return
        loss = None
        for s in range(0, n, b):
            loss = self._step(self.x[s:s + b], self.y[s:s + b])
        loss.item()  # wait for the device (a no-op on the CPU)


class Predict(_Model):
    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.x = C.images(C.PREDICT_IMAGES)

    def check(self) -> str:
        self.check_forward(self.x[:64])
        return "ok: outputs match NumPy"

    def warmup(self) -> None:
        self.probabilities(self.x[:C.PREDICT_WARMUP])

    def run(self, units: int) -> None:
        for _ in range(units):
            self.probabilities(self.x)


class Chain(P.Bench):
    """y = x; 500 times (y = y * 1.0001; y = y + 0.001); y.sum().backward()."""

    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.x = mdl.tensor(np.ones(C.CHAIN_SHAPE, np.float32), requires_grad=True)

    def _chain(self):
        y = self.x
        for _ in range(C.CHAIN_OPS // 2):
            y = y * C.CHAIN_MUL
            y = y + C.CHAIN_ADD
        total = y.sum()
        total.backward()
        return total

    def check(self) -> str:
        total, grad = self._chain().item(), self.x.grad.numpy()
        self.x.grad = None
        value = 1.0
        for _ in range(C.CHAIN_OPS // 2):
            value = value * C.CHAIN_MUL + C.CHAIN_ADD
        n = int(np.prod(C.CHAIN_SHAPE))
        _expect_close(total / n, value, "chain value")
        _expect_close(grad, C.CHAIN_MUL ** (C.CHAIN_OPS // 2), "chain gradient")
        return "ok: value and gradient match the closed form"

    def run(self, units: int) -> None:
        for _ in range(units):
            self._chain()
            self.x.grad = None


def variants(case: C.Case, device: str) -> list[str]:
    if case.device != device:
        return []
    return {"train": ["keras fit", "nn loop"], "memory": ["keras fit", "nn loop"],
            "predict": ["keras predict", "nn forward"], "chain": ["autograd"]}[case.kind]


def make_bench(case: C.Case, variant: str, units: int) -> P.Bench:
    return {"train": Train, "predict": Predict, "chain": Chain}[case.kind](case, variant, units)


def main(argv=None) -> None:
    global mdl
    proto = P.claim_stdout()
    args = P.parse_args(argv, device="cpu")
    device, threads = args["device"], P.thread_count()
    P.pin_cores(threads)
    os.environ["MINIDL_DEVICE"] = device
    try:
        import minidl as mdl
        import minidl.functional  # noqa: F401
        import minidl.keras  # noqa: F401
        import minidl.nn  # noqa: F401
        import minidl.optim  # noqa: F401
    except Exception as exc:  # an engine still being built fails in many ways
        return P.unavailable(proto, f"minidl's training stack is not importable: {exc!r}")
    if device == "cuda" and not mdl.cuda.is_available():
        return P.unavailable(proto, "minidl on cuda needs CuPy and a CUDA device")
    mdl.manual_seed(0)
    versions = {"minidl": getattr(mdl, "__version__", "dev"), "numpy": np.__version__,
                "numba": __import__("numba").__version__}
    from minidl.kernels import blas  # what minidl really runs with, not just the environment

    thread_info = {"NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"),
                   "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
                   "openblas threads in use": blas.blas_threads(), "cblas from compiled loops": blas.have_cblas()}
    ready = {"framework": "minidl" if device == "cpu" else "minidl-cuda", "versions": versions,
             "threads": thread_info,
             "variants": P.variants_table(args["mode"], lambda c: variants(c, device))}
    P.serve(proto, make_bench, ready, args["mode"])


if __name__ == "__main__":
    main(sys.argv[1:])
