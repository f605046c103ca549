"""Start one worker process per framework and interleave their repeats.

PyTorch and TensorFlow crash when loaded into one process, and two thread
pools in one process compete for the cores, so every framework lives in its
own worker (`benchmarks/peers/*_worker.py`) and only one works at a time.
The runner sends JSON commands on a worker's stdin and reads one JSON reply
per line from its stdout (see `benchmarks/peers/protocol.py`); a worker's
stderr goes to a log file whose tail is shown when it fails.

Noise on a shared machine drifts over seconds, so repeats are interleaved:
repeat 1 of every row, then repeat 2 of every row (in another order), and
so on. A drift then spreads over all rows instead of biasing one of them.
Each repeat starts with another row and shuffles the others (seeded), and a
short pause before each timed repeat lets the previous worker's threads go idle.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.cases import Case

ROOT = Path(__file__).resolve().parent.parent  # the folder holding the benchmarks package


@dataclass(frozen=True)
class Spec:
    """How to start one framework's worker, and the modules it needs."""

    key: str
    module: str
    args: tuple = ()
    needs: tuple = ()
    env: dict = field(default_factory=dict)


SPECS = (
    Spec("minidl", "benchmarks.peers.minidl_worker", ("--device", "cpu"), ("minidl",)),
    Spec("minidl-cuda", "benchmarks.peers.minidl_worker", ("--device", "cuda"),
         ("minidl", "cupy")),
    Spec("torch", "benchmarks.peers.torch_worker", (), ("torch",)),
    Spec("keras-tensorflow", "benchmarks.peers.keras_worker", ("--backend", "tensorflow"),
         ("keras", "tensorflow")),
    Spec("keras-jax", "benchmarks.peers.keras_worker", ("--backend", "jax"), ("keras", "jax")),
)
PEER_ALIASES = {"tf": "keras-tensorflow", "tensorflow": "keras-tensorflow", "jax": "keras-jax",
                "keras": "keras-tensorflow,keras-jax", "pytorch": "torch",
                "cuda": "minidl-cuda", "gpu": "minidl-cuda"}


class WorkerError(RuntimeError):
    """A worker died, timed out, or sent something that is not the protocol."""


def missing_modules(spec: Spec) -> list[str]:
    return [m for m in spec.needs if importlib.util.find_spec(m) is None]


def worker_env(threads: int) -> dict:
    """The same thread settings for every framework; everything else inherited."""
    env = dict(os.environ)
    for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
                "BENCH_THREADS"):
        env[key] = str(threads)
    env["TF_CPP_MIN_LOG_LEVEL"] = env.get("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


class Worker:
    """One framework's process; `request` sends a command and waits for its reply."""

    def __init__(self, spec: Spec, mode: str, env: dict, log_dir: Path):
        self.spec, self.ready = spec, None
        self.log_path = log_dir / f"{spec.key}-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "w")
        argv = [sys.executable, "-m", spec.module, "--mode", mode, *spec.args]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True, cwd=ROOT,
                                     env={**env, **spec.env})
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of output: the process exited

    def log_tail(self, lines: int = 12) -> str:
        try:
            return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-lines:])
        except OSError:
            return ""

    def receive(self, timeout: float) -> dict:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise WorkerError(f"{self.spec.key} gave no answer within {timeout:.0f} s") from None
        if line is None:
            self._lines.put(None)  # later calls see the exit too, without waiting
            code = self.proc.wait()
            raise WorkerError(f"{self.spec.key} exited with code {code}; its log ends with:\n"
                              f"{self.log_tail()}")
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            raise WorkerError(f"{self.spec.key} wrote a line that is not JSON: {line!r}") from None

    def wait_ready(self, timeout: float = 600) -> dict:
        self.ready = self.receive(timeout)
        return self.ready

    def request(self, msg: dict, timeout: float = 900) -> dict:
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the process is gone; receive() reports how it ended
        return self.receive(timeout)

    def variants(self, case: Case) -> list[str]:
        return (self.ready or {}).get("variants", {}).get(case.id, [])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def quit(self) -> None:
        """Ask the worker to exit (without waiting)."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"cmd": "quit"}\n')
                self.proc.stdin.flush()
            except OSError:
                pass

    def close(self) -> None:
        self.quit()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self._log.close()


def select_specs(peers: str | None, cases: list[Case]) -> list[Spec]:
    """The worker specs wanted by --peers (default: all; minidl-cuda only for GPU cases)."""
    gpu = any(c.device == "cuda" for c in cases)
    if not peers:
        return [s for s in SPECS if s.key != "minidl-cuda" or gpu]
    keys = set()
    for name in peers.split(","):
        keys.update(PEER_ALIASES.get(name.strip(), name.strip()).split(","))
    unknown = keys - {s.key for s in SPECS}
    if unknown:
        raise ValueError(f"unknown peer {sorted(unknown)}; expected some of "
                         f"{', '.join(s.key for s in SPECS)}")
    if "minidl" in keys and gpu:
        keys.add("minidl-cuda")
    return [s for s in SPECS if s.key in keys]


#: pause before each timed repeat: thread pools spin for a few ms after their work (XLA's,
#: OpenMP's, OpenBLAS's), on cores the next worker would otherwise share
SETTLE_S = 0.05


def rotated(items: list, shift: int) -> list:
    """`items` rotated left by `shift`: each repeat starts with a different row."""
    if not items:
        return items
    shift %= len(items)
    return items[shift:] + items[:shift]


def repeat_order(items: list, repeat: int) -> list:
    """The order of the rows in repeat `repeat`: rotated (each row starts some repeat), the
    rest shuffled with the repeat as seed, so a row does not always follow the same one
    (rotation alone keeps the cyclic order: a row would always run right after the same
    framework, whose idle threads may still hold a core)."""
    order = rotated(items, repeat)
    rest = order[1:]
    random.Random(repeat).shuffle(rest)
    return order[:1] + rest


def _row(worker: Worker, variant: str) -> dict:
    fw = worker.ready.get("framework", worker.spec.key)
    return {"framework": fw, "variant": variant, "status": "ok", "values": []}


def _fail(row: dict, reply: dict) -> None:
    row["status"], row["error"] = "error", reply.get("error", "failed")
    if reply.get("traceback"):
        row["traceback"] = reply["traceback"]


class Runner:
    """Drive the workers through the selected cases; collect rows for `report`."""

    def __init__(self, mode: str, threads: int, log=print):
        self.mode, self.threads, self.log = mode, threads, log
        self.env = worker_env(threads)
        self.log_dir = Path(tempfile.mkdtemp(prefix="minidl-bench-"))
        self.workers: list[Worker] = []
        self.notes: list[str] = []

    # ---------------------------------------------------------------- workers
    def start(self, specs: list[Spec]) -> None:
        """Start every worker at once, so their imports overlap, and wait until all are ready.

        Nothing runs while others import: thread pools that spin while they wait
        (OpenMP, OpenBLAS, Numba) slow down many times over when a core is taken.
        """
        for spec in specs:
            missing = missing_modules(spec)
            if missing:
                self.notes.append(f"{spec.key} skipped: {', '.join(missing)} not installed "
                                  "(pip install -e .[bench])")
                continue
            self.workers.append(Worker(spec, self.mode, self.env, self.log_dir))
        for w in list(self.workers):
            self.ready(w)

    def ready(self, worker: Worker) -> bool:
        """Wait until `worker` has imported its framework; drop it (with a note) if it cannot."""
        if worker.ready is None:
            try:
                worker.wait_ready()
            except WorkerError as exc:
                worker.ready = {"event": "failed", "reason": str(exc)}
            if worker.ready.get("event") == "ready":
                self.log(f"{worker.spec.key} ready: {worker.ready.get('versions')}")
            else:
                self.notes.append(f"{worker.spec.key} skipped: {worker.ready.get('reason')}")
                worker.close()
                self.workers.remove(worker)
        return worker in self.workers

    def close(self, kill: bool = False) -> None:
        """Stop the workers: politely after a run, at once (`kill`) after an interruption."""
        for w in self.workers:  # ask all first: they shut down in parallel
            w.kill() if kill else w.quit()
        for w in self.workers:
            w.close()

    def _call(self, worker: Worker, row: dict, msg: dict) -> dict:
        """Send `msg`; on a dead worker mark the row failed and drop the worker."""
        if worker not in self.workers and worker.proc.poll() is not None:
            _fail(row, {"error": f"{worker.spec.key} is no longer running"})
            return {"ok": False}
        try:
            reply = worker.request(msg)
        except WorkerError as exc:
            reply = {"ok": False, "error": str(exc)}
            if worker in self.workers:
                self.workers.remove(worker)
                self.notes.append(f"{worker.spec.key} stopped: {exc}")
        if not reply.get("ok"):
            _fail(row, reply)
        return reply

    # ---------------------------------------------------------------- cases
    def memory(self, case: Case) -> dict:
        """Case 5, first thing in every worker: peak RSS of case 1's training.

        Each variant needs a process that has run nothing else: the first variant
        uses the framework's worker (which then keeps the trained model for case 1),
        later variants get a fresh process of their own.
        """
        rows = []
        for w in list(self.workers):
            for i, variant in enumerate(w.variants(case)):
                proc = w if i == 0 else Worker(w.spec, self.mode, self.env, self.log_dir)
                row = _row(w, variant)
                rows.append(row)
                if proc is not w and self._ready_or_fail(proc, row) is None:
                    continue
                reply = self._call(proc, row, {"cmd": "memory", "case": case.to_dict(),
                                               "variant": variant})
                if reply.get("ok"):
                    row.update(values=[reply["delta_mb"]], units=reply["steps"],
                               rss_after_import_mb=reply["rss_after_import_mb"],
                               peak_rss_mb=reply["peak_rss_mb"])
                    self.log(f"[{case.id}] {row['framework']} {variant}: "
                             f"{reply['delta_mb']:.0f} MB")
                if proc is not w:
                    proc.close()
        return self._case_result(case, rows)

    def _ready_or_fail(self, worker: Worker, row: dict) -> dict | None:
        try:
            ready = worker.wait_ready()
            if ready.get("event") == "ready":
                return ready
            _fail(row, {"error": ready.get("reason", "worker not ready")})
        except WorkerError as exc:
            _fail(row, {"error": str(exc)})
        worker.close()
        return None

    def timed(self, case: Case) -> dict:
        """Set up every row, run the repeats interleaved, tear down."""
        plan = []
        for w in list(self.workers):
            for variant in w.variants(case):
                row = _row(w, variant)
                t0 = time.perf_counter()
                reply = self._call(w, row, {"cmd": "setup", "case": case.to_dict(),
                                            "variant": variant})
                if reply.get("ok"):
                    row.update(units=reply["units"], first_call_s=reply["first_call_s"],
                               check=reply["check"], setup_s=time.perf_counter() - t0)
                else:
                    self.log(f"[{case.id}] {row['framework']} {variant}: {row['error']}")
                plan.append((w, row))
        for r in range(case.repeats[self.mode] if plan else 0):
            for w, row in repeat_order(plan, r):
                if row["status"] != "ok":
                    continue
                time.sleep(SETTLE_S)  # the previous worker's threads go idle before this one runs
                reply = self._call(w, row, {"cmd": "run", "case_id": case.id,
                                            "variant": row["variant"]})
                if reply.get("ok"):
                    row["values"].append(reply["seconds"] / reply["units"] * case.scale)
            self.log(f"[{case.id}] repeat {r + 1}: " + ", ".join(
                f"{row['framework']} {row['variant']} {row['values'][-1]:.4g}"
                for _, row in plan if row["status"] == "ok" and row["values"]))
        for w, row in plan:
            if w in self.workers:
                self._call(w, {}, {"cmd": "teardown", "case_id": case.id,
                                   "variant": row["variant"]})
        return self._case_result(case, [row for _, row in plan])

    def _case_result(self, case: Case, rows: list[dict]) -> dict:
        if not rows:
            note = (f"case {case.number} (GPU) skipped: needs CuPy or PyTorch with a CUDA device"
                    if case.device == "cuda" else
                    f"case {case.number} {case.id} skipped: no framework runs it here")
            if note not in self.notes:
                self.notes.append(note)
        return {"id": case.id, "number": case.number, "title": case.title, "unit": case.unit,
                "kind": case.kind, "device": case.device, "required": case.required,
                "goal": case.goal, "rows": rows}

    def run_cases(self, cases: list[Case]) -> list[dict]:
        # Memory first: it needs processes that have run nothing else.
        ordered = sorted(cases, key=lambda c: c.kind != "memory")
        results = {}
        for case in ordered:
            self.log(f"[{case.id}] {case.title}")
            results[case.id] = self.memory(case) if case.kind == "memory" else self.timed(case)
        return [results[c.id] for c in cases]
