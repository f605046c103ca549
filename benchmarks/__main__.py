"""`python -m benchmarks [--full] [--cases 1,3] [--peers minidl,torch]`.

Runs minidl and every installed peer (PyTorch, Keras on TensorFlow, Keras on
JAX) on the same cases in one run, prints a Markdown table on stdout, and
writes JSON + Markdown + PNG under benchmarks/results/. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import cases as C
from benchmarks import machine, report
from benchmarks.runner import Runner, select_specs

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true",
                   help="longer runs, 5 repeats, a full epoch, torch.compile rows")
    p.add_argument("--cases", help="comma list of case numbers or ids (default: all)")
    p.add_argument("--peers", help="comma list of frameworks: minidl, torch, keras-tensorflow "
                                   "(tf), keras-jax (jax), minidl-cuda (default: all installed)")
    p.add_argument("--threads", type=int, default=machine.usable_cores(),
                   help="threads for every framework (default: usable cores)")
    p.add_argument("--repeats", type=int, help="override the number of repeats")
    p.add_argument("--units", type=int, help="override units (steps, calls) per repeat")
    p.add_argument("--out", type=Path, default=RESULTS, help="folder for the result files")
    p.add_argument("--no-write", action="store_true", help="only print the table")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    mode = "full" if args.full else "quick"
    try:
        cases = C.select(mode, args.cases)
        specs = select_specs(args.peers, cases)
    except ValueError as exc:
        sys.exit(f"error: {exc}")
    if args.repeats or args.units:  # development runs: shrink every case alike
        cases = [replace(c, repeats={**c.repeats, mode: args.repeats or c.repeats[mode]},
                         units={**c.units, mode: args.units or c.units[mode]}) for c in cases]

    started, t0 = datetime.now(timezone.utc), time.perf_counter()

    def log(msg: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - t0:4.0f} s] {msg}", file=sys.stderr, flush=True)

    info = machine.describe(args.threads)
    runner = Runner(mode, args.threads, log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run `finally` on kill too
    try:
        runner.start(specs)
        case_results = runner.run_cases(cases)
    except BaseException:
        runner.close(kill=True)  # no orphaned workers after Ctrl-C or a crash
        raise
    runner.close()
    info["load average at end (1, 5, 15 min)"] = machine.load_average()
    if machine.busy():
        runner.notes.append(f"the machine was busy (load average {machine.load_average()} on "
                            f"{machine.usable_cores()} cores): other processes competed for "
                            "the cores, so times are inflated and ratios less reliable "
                            "(spinning thread pools suffer most; --threads 1 suffers less)")
    info["worker environment"] = {k: runner.env[k] for k in machine.ENV_KEYS if k in runner.env}
    info["worker threads"] = {w.spec.key: (w.ready or {}).get("threads") for w in runner.workers}
    info["worker versions"] = {w.spec.key: (w.ready or {}).get("versions")
                               for w in runner.workers}
    results = {"schema": 1, "mode": mode, "started": started.isoformat(timespec="seconds"),
               "duration_s": time.perf_counter() - t0, "machine": info, "notes": runner.notes,
               "cases": [report.add_stats(c) for c in case_results]}
    print(report.to_markdown(results))
    if not args.no_write:
        partial = args.cases or args.peers or args.repeats or args.units
        paths = report.write_outputs(results, args.out, mode + ("-partial" if partial else ""))
        log("wrote " + ", ".join(str(p) for p in paths))
    return results


if __name__ == "__main__":
    main()
