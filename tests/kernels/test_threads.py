"""Thread policy: sensible defaults, never overriding what the user set."""

from __future__ import annotations

import pytest

from minidl.kernels import threads


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*threads.THREAD_VARIABLES, *threads.WAIT_POLICY):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_sets_thread_counts_and_sleeping_pools(clean_env):
    import os

    applied = threads.configure_threads()
    n = str(threads.available_cores())
    assert applied == {**{name: n for name in threads.THREAD_VARIABLES}, **threads.WAIT_POLICY}
    assert all(os.environ[name] == n for name in threads.THREAD_VARIABLES)
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"


def test_keeps_what_the_user_set(clean_env):
    import os

    clean_env.setenv("OPENBLAS_NUM_THREADS", "1")
    clean_env.setenv("NUMBA_NUM_THREADS", "")
    clean_env.setenv("OMP_WAIT_POLICY", "ACTIVE")
    applied = threads.configure_threads(3)
    assert "OPENBLAS_NUM_THREADS" not in applied and "NUMBA_NUM_THREADS" not in applied
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["NUMBA_NUM_THREADS"] == ""
    assert os.environ["OMP_NUM_THREADS"] == "3" and os.environ["MKL_NUM_THREADS"] == "3"
    assert "OMP_WAIT_POLICY" not in applied and os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
    assert threads.configure_threads() == {}  # a second call changes nothing


def test_rejects_a_non_positive_count(clean_env):
    with pytest.raises(ValueError, match="positive int"):
        threads.configure_threads(0)


def test_available_cores_is_positive():
    assert threads.available_cores() >= 1
