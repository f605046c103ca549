"""The worker side of the benchmark protocol: JSON lines over stdin/stdout.

A worker is one process holding one framework. The runner writes one JSON
command per line to its stdin; the worker answers each with one JSON line.
Frameworks print banners and warnings, sometimes to stdout, so `claim_stdout`
keeps the real stdout for the protocol and points file descriptor 1 (and
`sys.stdout`) at stderr before any framework is imported.

Commands (every reply carries "ok"; a failure carries "error" instead):

    {"cmd": "setup", "case": {...}, "variant": "fit"}  check, warm up, pick units
    {"cmd": "run", "case_id": ..., "variant": ...}     one timed repeat -> "seconds"
    {"cmd": "teardown", "case_id": ..., "variant": ...}
    {"cmd": "memory", "case": {...}, "variant": ...}   peak RSS of case 1 -> "delta_mb"
    {"cmd": "quit"}

The first line a worker writes is {"event": "ready", ...} (versions, threads,
RSS after imports, the variants it runs per case) or {"event": "unavailable",
"reason": ...} when its framework cannot be imported.
"""

from __future__ import annotations

import gc
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable

from benchmarks.cases import BY_ID, MEMORY_STEPS, REPEAT_CAP_S, Case, case_from_dict


def claim_stdout():
    """Return a private text stream on the real stdout; send fd 1 to stderr from now on."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto


def thread_count() -> int:
    """Threads every framework gets (BENCH_THREADS, set by the runner; default: usable cores)."""
    return int(os.environ.get("BENCH_THREADS") or len(os.sched_getaffinity(0)))


def pin_cores(threads: int) -> None:
    """Keep the process on `threads` cores so no framework can use more than the others."""
    cores = sorted(os.sched_getaffinity(0))
    if threads < len(cores):
        os.sched_setaffinity(0, cores[:threads])


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB, from /proc/self/status."""
    values = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024  # kB -> MiB
    except OSError:  # not Linux: ru_maxrss is the peak (kB on Linux, bytes on macOS)
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak / 2**20 if sys.platform == "darwin" else peak / 1024
        return peak, peak
    return values["VmRSS"], values["VmHWM"]


class Bench:
    """One variant of one case, ready to run. Workers subclass it per kind of case.

    `run(units)` does `units` units of work (training steps, predict calls,
    chains) the way a user of the framework would, and returns when the
    results are on the host. `check()` raises if the results are wrong and
    returns a short note saying what was checked.
    """

    def __init__(self, case: Case, variant: str, units: int):
        self.case, self.variant, self.units = case, variant, units  # units: most run() asks

    def check(self) -> str:
        """Prove the results right (minidl); peers return "" or a note on their settings."""
        return ""

    def warmup(self) -> None:
        self.run(1)

    def make_data(self) -> None:
        """(Re)build the inputs for `self.units` units; benches that hold data override it."""

    def resize(self, units: int) -> None:
        """Make room for `units` units of work (a bench kept from the memory case is small)."""
        if units > self.units:
            self.units = units
            self.make_data()

    def run(self, units: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _timed(fn: Callable, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


class Server:
    """Answer the runner's commands for one framework."""

    def __init__(self, make_bench: Callable[[Case, str, int], Bench], mode: str):
        self.make_bench, self.mode = make_bench, mode
        self.benches: dict[str, tuple[Bench, int]] = {}
        self.kept: dict[str, tuple[Bench, float]] = {}  # built by `memory`, reused by case 1
        self.rss_after_import = rss_mb()[0]

    def setup(self, case: Case, variant: str) -> dict:
        units = case.units[self.mode]
        bench, first = self.kept.pop(f"{case.id}/{variant}", (None, 0.0))
        if bench is None:
            bench = self.make_bench(case, variant, units)
        bench.resize(units)
        note = bench.check()
        if not first:  # a kept bench is warm: its first call was timed by `memory`
            first = _timed(bench.warmup)
        if units > 1:  # a short probe says how many units fit in the repeat cap
            probe = max(1, units // 10)
            per_unit = _timed(bench.run, probe) / probe
            fit = math.floor(REPEAT_CAP_S[self.mode] / max(per_unit, 1e-9))
            # Never below the probe: a repeat as short as that is noisy enough.
            units = max(probe, min(units, fit))
        if self.mode == "full":  # warm up at full length (allocator, caches, data pipelines)
            bench.run(units)
        self.benches[f"{case.id}/{variant}"] = (bench, units)
        return {"units": units, "first_call_s": first, "check": note}

    def run(self, case_id: str, variant: str) -> dict:
        bench, units = self.benches[f"{case_id}/{variant}"]
        return {"seconds": _timed(bench.run, units), "units": units}

    def teardown(self, case_id: str, variant: str) -> dict:
        bench, _ = self.benches.pop(f"{case_id}/{variant}", (None, 0))
        if bench is not None:
            bench.close()
        gc.collect()
        return {}

    def memory(self, case: Case, variant: str) -> dict:
        """Peak RSS of running case 1's training (build, compile, steps) above RSS after imports."""
        train = BY_ID["cnn_train"]
        bench = self.make_bench(train, variant, MEMORY_STEPS)
        first = _timed(bench.warmup)
        bench.run(MEMORY_STEPS)
        _, peak = rss_mb()
        self.kept[f"{train.id}/{variant}"] = (bench, first)  # compiled: case 1 reuses it
        return {"rss_after_import_mb": self.rss_after_import, "peak_rss_mb": peak,
                "delta_mb": peak - self.rss_after_import, "steps": MEMORY_STEPS}

    def handle(self, msg: dict) -> dict:
        cmd = msg.get("cmd")
        if cmd in ("setup", "memory"):
            return getattr(self, cmd)(case_from_dict(msg["case"]), msg["variant"])
        if cmd in ("run", "teardown"):
            return getattr(self, cmd)(msg["case_id"], msg["variant"])
        raise ValueError(f"unknown command {cmd!r}; expected setup, run, teardown, memory, quit")


def serve(proto, make_bench: Callable[[Case, str, int], Bench], ready: dict, mode: str) -> None:
    """Send `ready`, then answer commands from stdin until "quit" or end of input."""
    server = Server(make_bench, mode)
    send(proto, {"event": "ready", "rss_after_import_mb": server.rss_after_import, **ready})
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("cmd") == "quit":
            break
        try:
            reply = {"ok": True, **server.handle(msg)}
        except Exception as exc:  # report and keep serving: one broken case must not end the run
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                     "traceback": traceback.format_exc(limit=8)}
        send(proto, reply)


def send(proto, obj: dict) -> None:
    proto.write(json.dumps(obj) + "\n")
    proto.flush()


def unavailable(proto, reason: str) -> None:
    send(proto, {"event": "unavailable", "reason": reason})


def variants_table(mode: str, variants: Callable[[Case], list[str]]) -> dict:
    """{case id: the variants this worker runs} for every case of `mode`."""
    from benchmarks.cases import CASES

    return {c.id: variants(c) for c in CASES if mode in c.modes}


def parse_args(argv, **extra) -> dict:
    """Worker command line: --mode plus the worker's own options (name -> default)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("quick", "full"), default="quick")
    for name, default in extra.items():
        parser.add_argument(f"--{name}", default=default)
    return vars(parser.parse_args(argv))
