"""PyTorch peer: eager mode as an expert user runs it (channels_last for the CNN).

Training is the usual manual loop over an in-memory tensor; `torch.compile`
of the model is an extra row in --full. Predict runs the model in eval mode
under `torch.inference_mode()` and returns a NumPy array, as Keras' predict.
"""

from __future__ import annotations

import sys

from benchmarks import cases as C
from benchmarks.peers import protocol as P

torch = None  # imported in main(), after the protocol owns stdout


def _model(model: str):
    nn = torch.nn
    if model == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(1600, 64), nn.ReLU(), nn.Linear(64, 10))
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def _inputs(x, model: str):
    """NHWC NumPy images -> an NCHW-shaped tensor in channels_last memory (a free permute)."""
    t = torch.from_numpy(x)
    return t.permute(0, 3, 1, 2) if model == "cnn" else t


class _Net(P.Bench):
    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.device = case.device
        net = _model(case.model).to(self.device)
        if case.model == "cnn":
            net = net.to(memory_format=torch.channels_last)
        self.net = net
        self.fwd = torch.compile(net) if variant == "compile" else net

    def check(self) -> str:
        return "channels_last memory format" if self.case.model == "cnn" else ""

    def sync(self) -> None:
        if self.device == "cuda":
            torch.cuda.synchronize()


class Train(_Net):
    """Manual loop: zero_grad, forward, cross-entropy on logits, backward, Adam step."""

    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.make_data()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def make_data(self) -> None:
        x, y = C.train_data(self.case, self.units)
        self.x, self.y = _inputs(x, self.case.model), torch.from_numpy(y)

    def warmup(self) -> None:
        for _ in range(2):
            self._train(2 * self.case.batch)

    def run(self, units: int) -> None:
        self._train(units * self.case.samples_per_unit)

    def _train(self, samples: int) -> None:
        batch, dev = self.case.batch, self.device
        for start in range(0, samples, batch):
            xb = self.x[start:start + batch].to(dev, non_blocking=True)
            yb = self.y[start:start + batch].to(dev, non_blocking=True)
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss_fn(self.fwd(xb), yb)
            loss.backward()
            self.opt.step()
        self.sync()


class Predict(_Net):
    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.x = _inputs(C.images(C.PREDICT_IMAGES), "cnn")
        self.net.eval()

    def warmup(self) -> None:
        self._predict(self.x[:C.PREDICT_WARMUP])

    def run(self, units: int) -> None:
        for _ in range(units):
            self._predict(self.x)

    def _predict(self, x):
        b = C.PREDICT_BATCH
        with torch.inference_mode():
            outs = [torch.softmax(self.fwd(x[s:s + b].to(self.device)), dim=1)
                    for s in range(0, len(x), b)]
            return torch.cat(outs).cpu().numpy()


class Chain(P.Bench):
    """y = x; 500 times (y = y * 1.0001; y = y + 0.001); y.sum().backward()."""

    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.x = torch.ones(C.CHAIN_SHAPE, requires_grad=True)

    def run(self, units: int) -> None:
        for _ in range(units):
            y = self.x
            for _ in range(C.CHAIN_OPS // 2):
                y = y * C.CHAIN_MUL
                y = y + C.CHAIN_ADD
            y.sum().backward()
            self.x.grad = None


def variants(case: C.Case, mode: str) -> list[str]:
    if case.device == "cuda":
        return ["eager"] if torch.cuda.is_available() else []
    if case.kind == "chain" or case.kind == "memory":
        return ["eager"]
    return ["eager", "compile"] if mode == "full" else ["eager"]


def make_bench(case: C.Case, variant: str, units: int) -> P.Bench:
    kinds = {"train": Train, "predict": Predict, "chain": Chain}
    return kinds[case.kind](case, variant, units)


def main(argv=None) -> None:
    global torch
    proto = P.claim_stdout()
    args = P.parse_args(argv)
    threads = P.thread_count()
    P.pin_cores(threads)
    try:
        import torch
    except ImportError as exc:
        return P.unavailable(proto, f"torch is not installed ({exc})")
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    torch.manual_seed(0)
    versions = {"torch": torch.__version__, "numpy": __import__("numpy").__version__}
    if torch.cuda.is_available():
        versions["cuda_device"] = torch.cuda.get_device_name(0)
    ready = {"framework": "torch", "versions": versions,
             "threads": {"torch.get_num_threads": torch.get_num_threads(),
                         "torch.get_num_interop_threads": torch.get_num_interop_threads()},
             "variants": P.variants_table(args["mode"], lambda c: variants(c, args["mode"]))}
    P.serve(proto, make_bench, ready, args["mode"])


if __name__ == "__main__":
    main(sys.argv[1:])
