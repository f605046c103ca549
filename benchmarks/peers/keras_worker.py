"""Keras 3 peer on one backend (`--backend tensorflow` or `--backend jax`).

Keras reads KERAS_BACKEND once, at import, so the backend is chosen on the
command line and set before `import keras`; each backend is its own process.

Training times `model.fit` on a fixed in-memory array, one epoch over
units * batch samples, `shuffle=False`, `verbose=0`: what users run. A
`train_on_batch` loop measured slower on both backends (it converts every
batch and cannot keep the compiled step's inputs on device), so fit is the
peer's best ordinary configuration. Compile uses Keras' defaults
(`jit_compile="auto"`: XLA on JAX; on a CPU-only TensorFlow, no XLA).
"""

from __future__ import annotations

import os
import sys

from benchmarks import cases as C
from benchmarks.peers import protocol as P

keras = None  # imported in main(), after KERAS_BACKEND is set


class _Model(P.Bench):
    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.model = C.keras_model(keras.layers, keras.models, case.model)


class Fit(_Model):
    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                           loss="categorical_crossentropy", metrics=["accuracy"])
        self.make_data()

    def make_data(self) -> None:
        x, y = C.train_data(self.case, self.units)
        self.x, self.y = x, C.one_hot(y)

    def warmup(self) -> None:
        for _ in range(2):  # the first call traces and compiles the train step
            self._fit(2 * self.case.batch)

    def run(self, units: int) -> None:
        self._fit(units * self.case.samples_per_unit)

    def _fit(self, n: int) -> None:
        self.model.fit(self.x[:n], self.y[:n], batch_size=self.case.batch, epochs=1,
                       verbose=0, shuffle=False)


class Predict(_Model):
    def __init__(self, case, variant, units):
        super().__init__(case, variant, units)
        self.x = C.images(C.PREDICT_IMAGES)

    def warmup(self) -> None:
        self.model.predict(self.x[:C.PREDICT_WARMUP], batch_size=C.PREDICT_BATCH, verbose=0)

    def run(self, units: int) -> None:
        for _ in range(units):
            self.model.predict(self.x, batch_size=C.PREDICT_BATCH, verbose=0)


def variants(case: C.Case) -> list[str]:
    if case.device != "cpu" or case.kind == "chain":
        return []  # the autograd chain and GPU cases are minidl vs PyTorch
    return ["predict"] if case.kind == "predict" else ["fit"]


def make_bench(case: C.Case, variant: str, units: int) -> P.Bench:
    return (Predict if case.kind == "predict" else Fit)(case, variant, units)


def main(argv=None) -> None:
    global keras
    proto = P.claim_stdout()
    args = P.parse_args(argv, backend="tensorflow")
    backend, threads = args["backend"], P.thread_count()
    P.pin_cores(threads)
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import keras

        lib = __import__(backend)
    except ImportError as exc:
        return P.unavailable(proto, f"keras with the {backend} backend is not importable ({exc})")
    thread_info = {}
    if backend == "tensorflow":
        lib.config.threading.set_intra_op_parallelism_threads(threads)
        lib.config.threading.set_inter_op_parallelism_threads(threads)
        thread_info = {"tf.intra_op": lib.config.threading.get_intra_op_parallelism_threads(),
                       "tf.inter_op": lib.config.threading.get_inter_op_parallelism_threads()}
    else:
        thread_info = {"jax.cpu_devices": len(lib.devices("cpu")),
                       "cores (affinity)": len(os.sched_getaffinity(0))}
    keras.utils.set_random_seed(0)
    versions = {"keras": keras.__version__, backend: lib.__version__,
                "numpy": __import__("numpy").__version__}
    if backend == "jax":
        versions["jaxlib"] = __import__("jaxlib").__version__
    ready = {"framework": f"keras-{backend}", "versions": versions, "threads": thread_info,
             "variants": P.variants_table(args["mode"], variants)}
    P.serve(proto, make_bench, ready, args["mode"])


if __name__ == "__main__":
    main(sys.argv[1:])
