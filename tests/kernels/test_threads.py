"""Thread policy: sensible defaults, never overriding what the user set."""

from __future__ import annotations

import pytest

from minidl.kernels import threads


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*threads.THREAD_VARIABLES, *threads.BLAS_THREADS, *threads.WAIT_POLICY):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_sets_thread_counts_and_sleeping_pools(clean_env):
    import os

    applied = threads.configure_threads()
    n = str(threads.available_cores())
    assert applied == {**{name: n for name in threads.THREAD_VARIABLES}, "OPENBLAS_NUM_THREADS": "1",
                       **threads.WAIT_POLICY}
    assert all(os.environ[name] == n for name in threads.THREAD_VARIABLES)
    assert "OPENBLAS_NUM_THREADS" in threads.CHOSEN_BY_MINIDL
    assert os.environ["GOMP_SPINCOUNT"] == "10000"


def test_keeps_what_the_user_set(clean_env):
    import os

    clean_env.setenv("OPENBLAS_NUM_THREADS", "1")
    clean_env.setenv("NUMBA_NUM_THREADS", "")
    clean_env.setenv("GOMP_SPINCOUNT", "5")
    applied = threads.configure_threads(3)
    assert "OPENBLAS_NUM_THREADS" not in applied and "NUMBA_NUM_THREADS" not in applied
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["NUMBA_NUM_THREADS"] == ""
    assert os.environ["OMP_NUM_THREADS"] == "3" and os.environ["MKL_NUM_THREADS"] == "3"
    assert "GOMP_SPINCOUNT" not in applied and os.environ["GOMP_SPINCOUNT"] == "5"
    assert threads.configure_threads() == {}  # a second call changes nothing


def test_rejects_a_non_positive_count(clean_env):
    with pytest.raises(ValueError, match="positive int"):
        threads.configure_threads(0)


def test_available_cores_is_positive():
    assert threads.available_cores() >= 1


def test_blas_runs_one_thread_and_large_products_are_split_exactly():
    """OpenBLAS on one thread (minidl's policy); kernels.matmul splits big products exactly."""
    pytest.importorskip("numba")
    import numpy as np

    from minidl.kernels import blas

    for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-4)):
        rng = np.random.default_rng(0)
        for m, k, n in [(300, 200, 100), (5, 3000, 900), (1, 2, 3), (64, 784, 256), (1000, 9, 17)]:
            a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
            for x, y in ((a, b), (b.T, a.T), (np.asfortranarray(a), b), (a, b[:, ::-1])):
                want = x.astype(np.float64) @ y.astype(np.float64)
                for got in (blas.matmul(x, y), blas.split_matmul(x, y, step=3),
                            blas.split_matmul(x, y, step=5, by_rows=False)):
                    assert got.dtype == dtype and got.shape == want.shape
                    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())


@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (True, False), (False, True), (True, True)])
def test_gemm_into_with_every_transpose(trans_a, trans_b):
    """The CBLAS call from compiled code, with each operand stored as is or transposed."""
    pytest.importorskip("numba")
    import numpy as np

    from minidl.kernels import blas

    if not blas.have_cblas():
        pytest.skip("NumPy's BLAS has no CBLAS minidl can call (products stay a @ b)")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((7, 5)), rng.standard_normal((5, 3))
    stored_a = np.ascontiguousarray(a.T) if trans_a else a
    stored_b = np.ascontiguousarray(b.T) if trans_b else b
    c = np.full((7, 3), np.nan)
    blas.gemm_into(blas.gemm_function(np.float64), stored_a, stored_b, c, trans_a, trans_b, 0.0)
    np.testing.assert_allclose(c, a @ b, rtol=1e-12, atol=1e-12)
