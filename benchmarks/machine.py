"""Describe the machine a benchmark ran on, without importing any framework.

Absolute times only mean something next to the CPU, the cores, the thread
settings and the library versions that produced them, and next to how busy
the machine was (the load average: a shared machine is noisy).
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

#: Environment variables that change how fast the frameworks run.
ENV_KEYS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
            "OPENBLAS_CORETYPE", "BENCH_THREADS", "MINIDL_KERNELS", "MINIDL_DEVICE",
            "XLA_FLAGS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")

#: Distributions whose versions are recorded when installed.
PACKAGES = ("numpy", "numba", "scipy", "matplotlib", "torch", "tensorflow", "tensorflow-cpu",
            "keras", "jax", "jaxlib", "cupy-cuda12x", "cupy-cuda13x")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        return None
    return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def busy() -> bool:
    """True when the last minute's load exceeds the cores (other work competed with ours)."""
    try:
        return os.getloadavg()[0] > usable_cores() + 0.5
    except OSError:
        return False


def versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def describe(threads: int) -> dict:
    """The machine description stored with every result."""
    return {
        "cpu": cpu_model(),
        "logical cores": os.cpu_count(),
        "usable cores": usable_cores(),
        "threads per framework": threads,
        "memory GiB": memory_gib(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "load average at start (1, 5, 15 min)": load_average(),
        "environment": {k: os.environ[k] for k in ENV_KEYS if k in os.environ},
        "installed": versions(),
    }
