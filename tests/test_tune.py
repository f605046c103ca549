"""minidl.tune: searches find a setting whose answer is known, reproducibly, through
the default process pool, serially and through a user-supplied executor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from minidl import tune
from minidl.keras import layers, models, optimizers


def _data(seed: int = 0, n: int = 96):
    """Two well separated blobs: a logistic model learns them in a few epochs."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 2)).astype(np.float32) + 2.5 * (2 * y[:, None] - 1)
    return x, y


def build_logistic(params: dict):
    """Module level, so spawned worker processes can import it by name."""
    if params.get("explode"):
        raise RuntimeError("this setting cannot be built")
    model = models.Sequential([layers.Input(shape=(2,)), layers.Dense(params.get("units", 4), activation="tanh"),
                               layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizers.SGD(learning_rate=params["learning_rate"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _fit(search, executor="serial", **kwargs):
    x, y = _data(0)
    xv, yv = _data(1, 64)
    return search.fit(x, y, validation_data=(xv, yv), epochs=3, batch_size=16, executor=executor, **kwargs)


def test_grid_search_in_a_process_pool_finds_the_learning_rate(monkeypatch):
    # Worker processes inherit the environment: the NumPy kernels spare each fresh
    # process the seconds Numba needs to load its compiled kernels from the cache.
    monkeypatch.setenv("MINIDL_KERNELS", "numpy")
    search = tune.GridSearch(build_logistic, {"learning_rate": [0.0, 0.1], "units": [2, 4]},
                             scoring="val_loss", seed=3, n_jobs=2)
    results = _fit(search, executor=None)  # default: spawn process pool
    assert len(results) == 4 and all(r["error"] is None for r in results)
    assert search.best_params["learning_rate"] == 0.1
    scores = [r["score"] for r in results]
    assert scores == sorted(scores)  # val_loss: lowest first
    assert {r["trial"]: r["seed"] for r in results} == {0: 3, 1: 4, 2: 5, 3: 6}
    assert all(r["time_s"] > 0 and r["epochs"] == 3 for r in results)
    # the same trials in this process give the same scores: each is seeded by its index
    serial = {r["trial"]: r["score"] for r in _fit(tune.GridSearch(
        build_logistic, {"learning_rate": [0.0, 0.1], "units": [2, 4]}, scoring="val_loss", seed=3))}
    for r in results:
        assert r["score"] == pytest.approx(serial[r["trial"]], rel=1e-5)


def test_serial_search_default_scoring_is_val_accuracy_and_reproducible():
    search = tune.GridSearch(build_logistic, {"learning_rate": [0.0, 0.2]})
    first = _fit(search)
    assert first[0]["scoring"] == "val_accuracy" and search.best_params == {"learning_rate": 0.2}
    assert search.best_score > 0.9 and first[1]["score"] < search.best_score
    assert {"val_loss", "val_accuracy", "loss", "accuracy"} <= set(first[0]["metrics"])
    again = _fit(tune.GridSearch(build_logistic, {"learning_rate": [0.0, 0.2]}))
    assert [r["score"] for r in again] == [r["score"] for r in first]


def test_random_search_with_a_user_executor():
    space = {"learning_rate": tune.loguniform(1e-4, 0.3), "units": tune.randint(2, 6)}
    search = tune.RandomSearch(build_logistic, space, n_trials=3, seed=11)
    with ThreadPoolExecutor(max_workers=1) as executor:  # any concurrent.futures.Executor
        results = _fit(search, executor=executor)
    assert sorted(r["trial"] for r in results) == [0, 1, 2]
    assert search.best_params == max(results, key=lambda r: r["score"])["params"]
    table = search.results_table().splitlines()
    assert table[0].split() == ["rank", "trial", "learning_rate", "units", "val_accuracy", "time_s"]
    assert len(table) == 2 + 3 + 1 and table[2].split()[0] == "1"


def test_random_search_candidates_are_reproducible_and_in_range():
    stats = pytest.importorskip("scipy.stats")  # SciPy distributions work too (they have rvs)
    space = {"lr": tune.loguniform(1e-4, 1e-1), "dropout": tune.uniform(0.0, 0.5), "units": [16, 32, 64],
             "layers": tune.randint(1, 4), "l2": stats.uniform(0, 0.01), "act": lambda rng: "relu",
             "epochs": 5}
    a = tune.RandomSearch(build_logistic, space, n_trials=200, seed=5).candidates()
    b = tune.RandomSearch(build_logistic, space, n_trials=200, seed=5).candidates()
    c = tune.RandomSearch(build_logistic, space, n_trials=200, seed=6).candidates()
    assert a == b and a != c
    lr = np.array([p["lr"] for p in a])
    assert lr.min() >= 1e-4 and lr.max() < 1e-1
    assert 0.55 < np.mean(lr < 1e-2) < 0.8  # log-uniform: 2 of the 3 decades lie below 1e-2
    assert {p["units"] for p in a} == {16, 32, 64} and {p["layers"] for p in a} == {1, 2, 3}
    assert all(0 <= p["dropout"] < 0.5 and 0 <= p["l2"] <= 0.01 for p in a)
    assert all(p["act"] == "relu" and p["epochs"] == 5 for p in a)
    assert all(type(p["units"]) is int for p in a)


def test_grid_candidates():
    grid = tune.GridSearch(build_logistic, [{"a": [1, 2], "b": ["x"]}, {"a": [3]}])
    assert grid.candidates() == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}, {"a": 3}]
    with pytest.raises(ValueError, match=r"param_grid\['a'\] must be a non-empty list"):
        tune.GridSearch(build_logistic, {"a": 0.1})


def test_failed_trials_are_recorded_last():
    search = tune.GridSearch(build_logistic, {"learning_rate": [0.1], "explode": [True, False]})
    with pytest.warns(RuntimeWarning, match="1 of 2 trials failed"):
        results = _fit(search)
    assert results[0]["error"] is None and "cannot be built" in results[1]["error"]
    assert "failed" in search.results_table()
    with pytest.raises(RuntimeError, match="every trial failed.*not reported"):
        _fit(tune.GridSearch(build_logistic, {"learning_rate": [0.1]}, scoring="val_f1"))


def test_bad_arguments():
    with pytest.raises(RuntimeError, match="call fit"):
        _ = tune.GridSearch(build_logistic, {"learning_rate": [0.1]}).best_params
    with pytest.raises(TypeError, match="module level"):  # a lambda cannot reach worker processes
        _fit(tune.GridSearch(lambda p: build_logistic(p), {"learning_rate": [0.1]}), executor=None)
    with pytest.raises(ValueError, match="executor"):
        _fit(tune.GridSearch(build_logistic, {"learning_rate": [0.1]}), executor="threads")
    with pytest.raises(ValueError, match="n_trials"):
        tune.RandomSearch(build_logistic, {"learning_rate": [0.1]}, n_trials=0)
    with pytest.raises(ValueError, match="same length"):
        tune.GridSearch(build_logistic, {"learning_rate": [0.1]}).fit(
            np.zeros((4, 2)), np.zeros(3), validation_data=(np.zeros((2, 2)), np.zeros(2)), executor="serial")
