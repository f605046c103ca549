"""minidl.monitor: PSI and KS against hand computations and SciPy, drift on planted shifts."""

import json
import math

import numpy as np
import pytest

from minidl import monitor as mon
from minidl.monitor import DriftMonitor, drift_report, ks_statistic, psi

# ---------------------------------------------------------------- PSI


def test_psi_hand_computed():
    # bins=2 on 1..10: one cut at the median 5.5 -> expected fractions (1/2, 1/2)
    # actual [1,2,3,6,7,8,9,10] -> (3/8, 5/8)
    expected = (3 / 8 - 1 / 2) * math.log(0.75) + (5 / 8 - 1 / 2) * math.log(1.25)
    assert psi(np.arange(1, 11), [1, 2, 3, 6, 7, 8, 9, 10], bins=2) == pytest.approx(expected)
    # an empty bin is floored at eps: fractions (1, 0) -> (1, 1e-4)
    empty = 0.5 * math.log(2) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)
    assert psi(np.arange(1, 11), [1, 2], bins=2) == pytest.approx(empty)
    assert psi(np.arange(1, 11), [1, 2], bins=2, eps=1e-3) == pytest.approx(
        0.5 * math.log(2) + (1e-3 - 0.5) * math.log(1e-3 / 0.5)
    )


def test_quantile_bins_hold_a_tenth_of_the_reference_each():
    ref = np.random.default_rng(0).normal(size=1000)
    edges = mon.quantile_edges(ref, 10)
    assert len(edges) == 9
    np.testing.assert_allclose(mon.bin_fractions(ref, edges), 0.1)


def test_psi_identical_is_zero_and_matches_binned_normal_theory():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=100_000)
    assert psi(ref, ref) == 0.0
    # N(0,1) reference deciles, batch N(0.5, 1): the fractions follow from the normal CDF
    stats = pytest.importorskip("scipy.stats")
    cuts = stats.norm.ppf(np.linspace(0, 1, 11)[1:-1])
    a = np.diff(np.r_[0.0, stats.norm.cdf(cuts - 0.5), 1.0])
    theory = np.sum((a - 0.1) * np.log(a / 0.1))
    assert psi(ref, rng.normal(0.5, 1, 100_000)) == pytest.approx(theory, abs=0.01)


def test_psi_grows_with_a_planted_shift():
    rng = np.random.default_rng(2)
    ref = rng.normal(size=5000)
    noise = rng.normal(size=5000)
    values = [psi(ref, noise + shift) for shift in (0.0, 0.25, 0.5, 1.0, 2.0)]
    assert values == sorted(values) and len(set(values)) == 5
    assert values[0] < 0.1 and values[3] > 0.25
    widths = [psi(ref, noise * scale) for scale in (1.0, 1.5, 2.0, 3.0)]
    assert widths == sorted(widths)


def test_constant_and_discrete_features():
    ones = np.ones(100)
    assert psi(ones, np.ones(30)) == 0.0
    assert psi(ones, ones + 1) > 0.25  # above the training range gets its own bin
    assert psi(ones, ones - 1) > 0.25
    coin = np.r_[np.zeros(70), np.ones(30)]
    assert psi(coin, np.r_[np.zeros(35), np.ones(15)]) == pytest.approx(0.0)
    assert psi(coin, np.r_[np.zeros(30), np.ones(70)]) > 0.25


# ---------------------------------------------------------------- KS


def test_ks_hand_computed():
    assert ks_statistic([1, 2, 3], [4, 5]) == 1.0
    # ECDFs at 1, 2, 3, 4: (.25, 0), (.5, .5), (.75, 1), (1, 1)
    assert ks_statistic([1, 2, 3, 4], [2, 3]) == pytest.approx(0.25)
    assert ks_statistic([1, 2, 3], [3, 2, 1]) == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_ks_matches_scipy(seed):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    n, m = rng.integers(5, 400, size=2)
    a = rng.normal(size=n)
    b = rng.normal(rng.uniform(-0.5, 0.5), rng.uniform(0.5, 2), size=m)
    if seed % 2:
        a, b = np.round(a, 1), np.round(b, 1)  # ties
    d, p = ks_statistic(a, b, return_pvalue=True)
    assert d == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)
    en = n * m / (n + m)
    lam = (math.sqrt(en) + 0.12 + 0.11 / math.sqrt(en)) * d
    assert p == pytest.approx(stats.kstwobign.sf(lam), rel=1e-9, abs=1e-300)
    if min(n, m) >= 100:
        assert p == pytest.approx(stats.ks_2samp(a, b, method="asymp").pvalue, abs=0.02)


def test_kolmogorov_distribution_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for lam in (0.0, 0.05, 0.3, 0.6, 0.99, 1.0, 1.2, 2.0, 4.0):
        assert mon.kolmogorov_sf(lam) == pytest.approx(stats.kstwobign.sf(lam), rel=1e-9, abs=1e-300)


# ---------------------------------------------------------------- DriftMonitor


def _planted(seed=3, n_ref=4000, n_batch=2000):
    rng = np.random.default_rng(seed)
    ref = rng.normal([0, 10, -5, 100], [1, 2, 0.5, 30], size=(n_ref, 4))
    batch = rng.normal([0, 10, -5, 100], [1, 2, 0.5, 30], size=(n_batch, 4))
    return ref, batch


def test_monitor_flags_only_the_shifted_feature():
    ref, batch = _planted()
    batch[:, 2] += 0.5  # one standard deviation
    report = DriftMonitor(ref, ["a", "b", "c", "d"]).check(batch)
    assert report.drifted == ["c"]
    assert report["c"].status == "major" and report["c"].psi > 0.25
    assert report["c"].ks > 0.3 and report["c"].ks_pvalue < 1e-10
    for name in "abd":
        assert report[name].status == "ok" and report[name].psi < 0.1
    assert report.status == "major"


def test_monitor_moderate_and_ordering():
    ref, batch = _planted(seed=4, n_ref=40_000, n_batch=20_000)
    batch[:, 0] += 0.4  # PSI ≈ 0.4² = 0.16 for a small shift of a normal
    batch[:, 3] = (batch[:, 3] - 100) * 3 + 100  # widened spread: major
    report = drift_report(ref, batch, feature_names=["a", "b", "c", "d"])
    assert report["a"].status == "moderate"
    assert report.drifted == ["d", "a"]  # worst PSI first
    strict = drift_report(ref, batch, ["a", "b", "c", "d"], psi_moderate=0.05, psi_major=0.1)
    assert strict["a"].status == "major"


def test_report_text_and_dict():
    ref, batch = _planted()
    batch[:, 1] += 2.0
    report = DriftMonitor(ref, ["age", "income", "height", "zip"]).check(batch)
    text = str(report)
    assert "1 of 4 features drifted" in text
    income_line = next(line for line in text.splitlines() if line.startswith("income"))
    assert "MAJOR" in income_line and f"{report['income'].psi:.4f}" in income_line
    d = report.to_dict()
    json.dumps(d)  # plain types only
    assert d["drifted"] == ["income"] and d["n_reference"] == 4000 and d["n_batch"] == 2000
    assert d["features"]["age"]["status"] == "ok"
    assert d["features"]["income"]["psi"] == pytest.approx(report["income"].psi)


def test_monitor_agrees_with_the_standalone_functions():
    ref, batch = _planted()
    report = DriftMonitor(ref).check(batch)
    assert [f.name for f in report.features] == ["feature_0", "feature_1", "feature_2", "feature_3"]
    for j, f in enumerate(report.features):
        assert f.psi == pytest.approx(psi(ref[:, j], batch[:, j]))
        assert (f.ks, f.ks_pvalue) == pytest.approx(ks_statistic(ref[:, j], batch[:, j], True))


def test_one_dimensional_input_and_tensors():
    import minidl as mdl

    rng = np.random.default_rng(5)
    ref = rng.normal(size=500)
    report = drift_report(mdl.tensor(ref), mdl.tensor(rng.normal(size=200) + 3.0))
    assert report.drifted == ["feature_0"]
    assert DriftMonitor(ref.tolist()).check(ref[:100]).status == "ok"

    class Frame:  # anything with .columns names the features, like a pandas DataFrame
        columns = ["x", "y"]

        def __array__(self, dtype=None, copy=None):
            return np.c_[ref, ref]

    assert DriftMonitor(Frame()).feature_names == ["x", "y"]


# ---------------------------------------------------------------- bad input


def test_bad_input_messages():
    ref = np.zeros((10, 3))
    monitor = DriftMonitor(ref, ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"batch has 2 features but the reference has 3"):
        monitor.check(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"x\[None, :\]"):
        monitor.check(np.zeros(3))
    bad = np.zeros((5, 3))
    bad[[1, 2], 1] = np.nan
    with pytest.raises(ValueError, match=r"batch has 2 NaN or infinite values in feature 'b'"):
        monitor.check(bad)
    with pytest.raises(ValueError, match="reference_data has 1 NaN.*'feature_0'"):
        DriftMonitor([np.nan, 1.0, 2.0])
    with pytest.raises(ValueError, match="batch is empty"):
        monitor.check(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="reference_data is empty"):
        DriftMonitor([])
    with pytest.raises(ValueError, match="feature_names has 2 names but reference_data has 3"):
        DriftMonitor(ref, ["a", "b"])
    with pytest.raises(ValueError, match="unique"):
        DriftMonitor(ref, ["a", "a", "b"])
    with pytest.raises(ValueError, match="psi_moderate <= psi_major"):
        DriftMonitor(ref, psi_moderate=0.3, psi_major=0.2)
    with pytest.raises(ValueError, match="bins must be an integer >= 2"):
        DriftMonitor(ref, bins=1)
    with pytest.raises(ValueError, match=r"shape \(2, 2, 2\)"):
        DriftMonitor(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="must hold numbers"):
        DriftMonitor(["a", "b"])
    with pytest.raises(ValueError, match="1-D sample of one feature"):
        psi(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="actual contains|actual has 1 NaN"):
        psi([1.0, 2.0], [np.nan])
    with pytest.raises(KeyError, match="no feature named 'z'"):
        monitor.check(ref)["z"]
