"""Hyperparameter search: try settings, train a model for each, keep the best on validation data.

    from minidl import tune

    def build(params):                      # at module level (see "Executors" below)
        model = models.Sequential([layers.Input(shape=(20,)),
                                   layers.Dense(params["units"], activation="relu"),
                                   layers.Dropout(params["dropout"]),
                                   layers.Dense(3, activation="softmax")])
        model.compile(optimizer=optimizers.Adam(params["learning_rate"]),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    if __name__ == "__main__":              # needed: worker processes import this file
        search = tune.RandomSearch(build, {"units": [16, 32, 64], "dropout": tune.uniform(0, 0.5),
                                           "learning_rate": tune.loguniform(1e-4, 1e-1)},
                                   n_trials=12, seed=0)
        search.fit(x, y, validation_data=(x_val, y_val), epochs=10, batch_size=32)
        print(search.results_table())
        print(search.best_params, search.best_score)

Grid search tries every combination (cost = product of the list lengths, which grows
fast); random search tries ``n_trials`` samples and often finds as good settings for
far less (Bergstra & Bengio, 2012), because usually few hyperparameters matter.

Scoring: ``scoring`` names a validation quantity from ``model.evaluate`` — ``"val_loss"``,
``"val_accuracy"``, ... (default: val_accuracy if the model reports accuracy, else
val_loss).  Lower is better for losses and errors, higher for the rest (``mode=``).
Each trial is reproducible: trial i runs after ``minidl.manual_seed(seed + i)``.

Executors
---------
Trials run through any ``concurrent.futures.Executor`` (``executor=``):

* default (``None``): a ``ProcessPoolExecutor`` with the ``spawn`` start method, one
  process per core.  The processes import ``build_fn`` by name, so it must be a
  module-level function (not a lambda or a nested function), and a script must guard
  its search with ``if __name__ == "__main__":``;
* ``"serial"``: one trial after another in this process (any ``build_fn`` works);
* your own: e.g. a Dask cluster with ``executor=client.get_executor()``
  (``dask.distributed.Client``), or any other object with the ``Executor`` interface
  (a Ray-backed one included): ``fit`` only calls ``submit`` and waits on the futures, so
  the search spreads over many machines unchanged.  The training data travels with
  each trial there; the default pool sends it once per worker process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import sys
import time
import warnings
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

# ---------------------------------------------------------------- distributions


@dataclass(frozen=True)
class uniform:  # noqa: N801 (lowercase like scipy.stats)
    """A float drawn uniformly from [low, high)."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class loguniform:  # noqa: N801
    """A float whose logarithm is uniform: as many draws in [1e-4, 1e-3) as in [1e-2, 1e-1)."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        return float(np.exp(rng.uniform(np.log(self.low), np.log(self.high))))


@dataclass(frozen=True)
class randint:  # noqa: N801
    """An int drawn uniformly from low, low + 1, ..., high - 1 (as NumPy's ``integers``)."""

    low: int
    high: int

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high))


def _draw(space: Any, rng: np.random.Generator) -> Any:
    """One value from a list (uniform choice), a distribution above, a SciPy distribution
    (``rvs``), a function of the generator, or a constant."""
    if isinstance(space, (list, tuple)):
        return _plain(space[int(rng.integers(len(space)))])
    if hasattr(space, "sample"):
        return space.sample(rng)
    if hasattr(space, "rvs"):
        return _plain(space.rvs(random_state=rng))
    if callable(space):
        return _plain(space(rng))
    return space


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# ---------------------------------------------------------------- one trial

_WORKER_DATA: tuple | None = None  # the training data, sent once to each pool process


def _init_worker(data: tuple, threads: int) -> None:
    """Runs once in each worker process: keep the data, share the cores between workers."""
    global _WORKER_DATA
    _WORKER_DATA = data
    numba = sys.modules.get("numba")  # loaded by minidl's kernels unless MINIDL_KERNELS=numpy
    if numba is not None:
        try:
            numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        except Exception:  # its thread layer cannot change now: keep the default
            pass
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)  # BLAS threads, when threadpoolctl is installed
    except ImportError:
        pass


def lower_is_better(name: str) -> bool:
    return any(word in name for word in ("loss", "error", "mse", "mae"))


def run_trial(build_fn: Any, params: dict, trial: int, seed: int, data: tuple | None,
              epochs: int, batch_size: int, scoring: str | None, fit_kwargs: dict) -> dict:
    """Seed, build, train and score one setting (runs in a worker or in this process)."""
    from . import random

    x, y, x_val, y_val = data if data is not None else _WORKER_DATA
    started = time.perf_counter()
    random.manual_seed(seed)
    model = build_fn(dict(params))
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch_size,
                        verbose=0, **fit_kwargs)
    scores = model.evaluate(x_val, y_val, batch_size=batch_size, verbose=0, return_dict=True)
    metrics = {f"val_{k}": float(v) for k, v in scores.items()}
    metrics.update({k: float(v[-1]) for k, v in history.history.items() if not k.startswith("val_")})
    name = scoring or ("val_accuracy" if "val_accuracy" in metrics else "val_loss")
    if name not in metrics:
        raise ValueError(f"scoring {name!r} is not reported by the model; available: {sorted(metrics)}")
    return {"trial": trial, "params": dict(params), "score": metrics[name], "scoring": name,
            "metrics": metrics, "epochs": len(history.history.get("loss", [])), "seed": seed,
            "time_s": time.perf_counter() - started, "error": None}


# ---------------------------------------------------------------- searches

class _Search:
    def __init__(self, build_fn: Any, scoring: str | None = None, mode: str = "auto", seed: int = 0,
                 n_jobs: int | None = None) -> None:
        if not callable(build_fn):
            raise TypeError(f"build_fn must be a function params -> compiled model, got {build_fn!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.build_fn, self.scoring, self.mode, self.seed, self.n_jobs = build_fn, scoring, mode, int(seed), n_jobs
        self.results: list[dict] = []
        self.total_time_s = 0.0

    def candidates(self) -> list[dict]:
        raise NotImplementedError

    def fit(self, x: Any, y: Any, validation_data: tuple, epochs: int = 1, batch_size: int = 32,
            executor: Any = None, verbose: int = 0, **fit_kwargs: Any) -> list[dict]:
        """Train and score every candidate; return the results, best first.

        Each result is a dict: ``trial``, ``params``, ``score``, ``scoring``, ``metrics``
        (all validation and final training values), ``epochs``, ``seed``, ``time_s``
        (training + scoring time of that trial) and ``error`` (None, or why it failed).
        Extra keyword arguments go to ``model.fit`` (e.g. ``callbacks=[...]``).
        """
        if not isinstance(validation_data, (list, tuple)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a tuple (x_val, y_val)")
        data = (np.asarray(x), np.asarray(y), np.asarray(validation_data[0]), np.asarray(validation_data[1]))
        if len(data[0]) != len(data[1]) or len(data[2]) != len(data[3]):
            raise ValueError(f"x and y must have the same length (got {len(data[0])} and {len(data[1])}); "
                             f"so must x_val and y_val (got {len(data[2])} and {len(data[3])})")
        candidates = self.candidates()
        jobs = [(self.build_fn, params, i, self.seed + i) for i, params in enumerate(candidates)]
        common = (epochs, batch_size, self.scoring, fit_kwargs)
        started = time.perf_counter()
        if executor == "serial":
            outcomes = [self._outcome(job, lambda j=job: run_trial(*j, data, *common), len(jobs), verbose)
                        for job in jobs]
        elif executor is None:
            outcomes = self._run_in_pool(jobs, data, common, verbose)
        elif isinstance(executor, Executor) or hasattr(executor, "submit"):
            futures = {executor.submit(run_trial, *job, data, *common): job for job in jobs}
            outcomes = self._collect(futures, len(jobs), verbose)
        else:
            raise ValueError(f"executor must be None, 'serial' or a concurrent.futures.Executor, got {executor!r}")
        self.total_time_s = time.perf_counter() - started
        self.results = self._rank(outcomes)
        return self.results

    def _run_in_pool(self, jobs: list, data: tuple, common: tuple, verbose: int) -> list[dict]:
        from .kernels.threads import available_cores

        try:
            pickle.dumps(self.build_fn)
        except Exception:
            raise TypeError(f"build_fn {self.build_fn!r} cannot be sent to worker processes: define it at "
                            "module level (not a lambda or nested function), or pass executor='serial'") from None
        workers = max(1, min(self.n_jobs or available_cores(), len(jobs)))
        threads = max(1, available_cores() // workers)
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(data, threads))
        with pool:
            futures = {pool.submit(run_trial, *job, None, *common): job for job in jobs}
            return self._collect(futures, len(jobs), verbose)

    def _collect(self, futures: dict[Future, tuple], total: int, verbose: int) -> list[dict]:
        return [self._outcome(futures[f], f.result, total, verbose) for f in as_completed(futures)]

    @staticmethod
    def _outcome(job: tuple, get: Any, total: int, verbose: int) -> dict:
        """The trial's result, or a record of its failure (the search goes on)."""
        _, params, trial, seed = job
        try:
            result = get()
        except Exception as error:
            result = {"trial": trial, "params": dict(params), "score": float("nan"), "scoring": None,
                      "metrics": {}, "epochs": 0, "seed": seed, "time_s": float("nan"),
                      "error": f"{type(error).__name__}: {error}"}
        if verbose:
            what = result["error"] or f"{result['scoring']}={result['score']:.4f}"
            print(f"trial {trial + 1}/{total} {params}: {what} ({result['time_s']:.1f} s)", flush=True)
        return result

    def _rank(self, outcomes: list[dict]) -> list[dict]:
        done = [r for r in outcomes if r["error"] is None]
        failed = sorted((r for r in outcomes if r["error"] is not None), key=lambda r: r["trial"])
        if not done:
            raise RuntimeError(f"every trial failed; the first error: {failed[0]['error']}")
        if failed:
            warnings.warn(f"{len(failed)} of {len(outcomes)} trials failed, e.g. {failed[0]['error']}",
                          RuntimeWarning, stacklevel=3)
        minimize = lower_is_better(done[0]["scoring"]) if self.mode == "auto" else self.mode == "min"
        done.sort(key=lambda r: (r["score"] if minimize else -r["score"], r["trial"]))
        return done + failed

    # -- results ------------------------------------------------------------------------
    def _require_results(self) -> None:
        if not self.results:
            raise RuntimeError("no results yet: call fit(x, y, validation_data=(x_val, y_val)) first")

    @property
    def best_params(self) -> dict:
        self._require_results()
        return dict(self.results[0]["params"])

    @property
    def best_score(self) -> float:
        self._require_results()
        return self.results[0]["score"]

    def results_table(self) -> str:
        """The results as an aligned text table, best first."""
        self._require_results()
        names = list(dict.fromkeys(k for r in self.results for k in r["params"]))
        scoring = self.results[0]["scoring"]
        header = ["rank", "trial", *names, scoring, "time_s"]
        rows = [[str(rank + 1), str(r["trial"]), *[_fmt(r["params"].get(n, "")) for n in names],
                 "failed" if r["error"] else _fmt(r["score"]), _fmt(r["time_s"])]
                for rank, r in enumerate(self.results)]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in [header, *rows]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append(f"{len(self.results)} trials in {self.total_time_s:.1f} s")
        return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class GridSearch(_Search):
    """Every combination of ``param_grid`` (a dict name -> list of values, or a list of
    such dicts whose grids are tried one after another)."""

    def __init__(self, build_fn: Any, param_grid: dict | list[dict], scoring: str | None = None,
                 mode: str = "auto", seed: int = 0, n_jobs: int | None = None) -> None:
        super().__init__(build_fn, scoring, mode, seed, n_jobs)
        grids = [param_grid] if isinstance(param_grid, dict) else list(param_grid)
        for grid in grids:
            for name, values in grid.items():
                if not isinstance(values, (list, tuple)) or not values:
                    raise ValueError(f"param_grid[{name!r}] must be a non-empty list of values, got {values!r}")
        self.param_grid = grids

    def candidates(self) -> list[dict]:
        return [dict(zip(grid, map(_plain, combo))) for grid in self.param_grid
                for combo in itertools.product(*grid.values())]


class RandomSearch(_Search):
    """``n_trials`` settings drawn from ``param_distributions`` (name -> list, distribution
    such as ``loguniform(1e-4, 1e-1)``, SciPy distribution, function of a NumPy
    generator, or constant), reproducibly from ``seed``."""

    def __init__(self, build_fn: Any, param_distributions: dict, n_trials: int = 10, seed: int = 0,
                 scoring: str | None = None, mode: str = "auto", n_jobs: int | None = None) -> None:
        super().__init__(build_fn, scoring, mode, seed, n_jobs)
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
            raise ValueError(f"n_trials must be a positive int, got {n_trials!r}")
        if not isinstance(param_distributions, dict) or not param_distributions:
            raise ValueError("param_distributions must be a non-empty dict name -> values or distribution")
        self.param_distributions, self.n_trials = param_distributions, int(n_trials)

    def candidates(self) -> list[dict]:
        rng = np.random.default_rng(self.seed)
        return [{name: _draw(space, rng) for name, space in self.param_distributions.items()}
                for _ in range(self.n_trials)]
