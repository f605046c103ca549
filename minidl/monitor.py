"""Data drift monitoring: does production data still look like the training data?

A model is only as good as the match between the data it was trained on and the
data it sees later. This module compares, feature by feature, a *reference*
sample (the training data) with a *batch* from production, using two classic
measures:

**Population stability index (PSI).** Cut the reference into ``bins`` quantile
bins (deciles by default, so each holds ~10% of the training rows), measure the
fraction of reference rows ``e_i`` and of batch rows ``a_i`` in each bin, and sum

    PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)

Every term is ≥ 0 (both factors have the same sign), so PSI is 0 for identical
distributions and grows with the shift; it is the symmetric Kullback–Leibler
divergence ``KL(a‖e) + KL(e‖a)`` of the binned distributions. An empty bin would
make the logarithm infinite, so fractions are floored at a small ``eps`` (1e-4).
The usual reading, used for ``status``: PSI < 0.1 no significant change ("ok"),
0.1–0.25 a moderate shift ("moderate"), ≥ 0.25 a major shift ("major").

Bins: the cut points are the unique interior quantiles ``q_1 < … < q_m`` of the
reference, giving bins ``(−∞, q_1), [q_1, q_2), …, [q_m, +∞)``, so production
values outside the training range still land in the outer bins. Repeated
values can merge quantiles (fewer bins); when the last cut point equals the
reference maximum (always the case for a constant feature) one more cut just
above it separates "equal to the maximum" from "larger than anything seen".

**Two-sample Kolmogorov–Smirnov statistic.** The largest vertical gap between
the two empirical distribution functions, ``D = max_x |F_ref(x) − F_batch(x)|``:
0 for identical samples, 1 for samples that do not overlap. It needs no bins.
Its asymptotic p-value (the chance of a gap at least this large if both samples
came from one distribution) uses Kolmogorov's limiting distribution with
Stephens' small-sample correction; with thousands of rows even tiny, harmless
shifts become "significant", which is why the status follows PSI.

Example::

    monitor = DriftMonitor(x_train, feature_names=["age", "income"])
    report = monitor.check(x_today)
    print(report)              # a table, one row per feature
    report.drifted             # ["income"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minidl.metrics._checks import to_numpy

_STATUS_ORDER = ("ok", "moderate", "major")


# --------------------------------------------------------------------------- inputs

def _as_matrix(x: Any, name: str) -> np.ndarray:
    """Rows × features float64 matrix; 1-D input is one feature."""
    arr = to_numpy(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D (rows, features), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; expected at least 1 row")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _check_finite(x: np.ndarray, name: str, feature_names: list[str]) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        col = int(np.flatnonzero(bad.any(axis=0))[0])
        raise ValueError(
            f"{name} has {int(bad[:, col].sum())} NaN or infinite values in feature "
            f"{feature_names[col]!r} (column {col}); drift checks need finite numbers: "
            "impute or drop those rows first"
        )


def _as_sample(x: Any, name: str) -> np.ndarray:
    """A 1-D finite sample, for the single-feature functions."""
    arr = _as_matrix(x, name)
    if arr.shape[1] != 1:
        raise ValueError(f"{name} must be a 1-D sample of one feature, got shape {arr.shape}")
    _check_finite(arr, name, ["0"])
    return arr[:, 0]


# --------------------------------------------------------------------------- PSI

def quantile_edges(reference: np.ndarray, bins: int = 10) -> np.ndarray:
    """Interior cut points of ``bins`` quantile bins of ``reference`` (see the module doc)."""
    if not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
    cuts = np.unique(np.quantile(reference, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    top = reference.max()
    if cuts[-1] >= top:
        cuts = np.r_[cuts[cuts < top], top, np.nextafter(top, np.inf)]
    return cuts


def bin_fractions(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Fraction of ``x`` in each bin ``(−∞, e_0), [e_0, e_1), …, [e_last, ∞)``."""
    index = np.searchsorted(edges, x, side="right")
    return np.bincount(index, minlength=len(edges) + 1) / len(x)


def _psi_from_fractions(expected: np.ndarray, actual: np.ndarray, eps: float) -> float:
    e = np.maximum(expected, eps)
    a = np.maximum(actual, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def psi(expected: Any, actual: Any, bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of ``actual`` against ``expected`` (the training data).

    ``PSI = Σ (a_i − e_i) ln(a_i / e_i)`` over ``bins`` quantile bins of
    ``expected``, with fractions floored at ``eps``. Not symmetric in its
    arguments: the bins always come from ``expected``.
    """
    e = _as_sample(expected, "expected")
    a = _as_sample(actual, "actual")
    edges = quantile_edges(e, bins)
    return _psi_from_fractions(bin_fractions(e, edges), bin_fractions(a, edges), eps)


# --------------------------------------------------------------------------- KS

def _sorted_ks(a_sorted: np.ndarray, b_sorted: np.ndarray) -> float:
    """``max |F_a − F_b|`` evaluated at every observed value (where the ECDFs jump)."""
    grid = np.concatenate([a_sorted, b_sorted])
    cdf_a = np.searchsorted(a_sorted, grid, side="right") / len(a_sorted)
    cdf_b = np.searchsorted(b_sorted, grid, side="right") / len(b_sorted)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def kolmogorov_sf(lam: float) -> float:
    """``P(K > λ)`` for Kolmogorov's limiting distribution.

    ``Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} exp(−2k²λ²)``; for small λ that alternating
    series converges slowly, so there the equivalent (Jacobi theta) form
    ``1 − (√(2π)/λ) Σ_{k≥1} exp(−(2k−1)²π² / (8λ²))`` is used instead.
    """
    if lam <= 0:
        return 1.0
    k = np.arange(1, 101)
    if lam < 1.0:
        cdf = np.sqrt(2 * np.pi) / lam * np.sum(np.exp(-((2 * k - 1) ** 2) * np.pi**2 / (8 * lam**2)))
        return float(min(max(1.0 - cdf, 0.0), 1.0))
    terms = 2 * (-1.0) ** (k - 1) * np.exp(-2 * k**2 * lam**2)
    return float(min(max(np.sum(terms), 0.0), 1.0))


def ks_pvalue(d: float, n: int, m: int) -> float:
    """Asymptotic two-sided p-value of a two-sample KS statistic ``d`` (sizes n and m).

    With ``N = n·m / (n + m)``: ``p ≈ Q((√N + 0.12 + 0.11/√N) · d)``.
    """
    root = np.sqrt(n * m / (n + m))
    return kolmogorov_sf((root + 0.12 + 0.11 / root) * d)


def ks_statistic(a: Any, b: Any, return_pvalue: bool = False) -> float | tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov statistic ``D = max_x |F_a(x) − F_b(x)|`` (exact).

    With ``return_pvalue=True`` returns ``(D, p)`` with the asymptotic p-value.
    """
    a_sorted = np.sort(_as_sample(a, "a"))
    b_sorted = np.sort(_as_sample(b, "b"))
    d = _sorted_ks(a_sorted, b_sorted)
    return (d, ks_pvalue(d, len(a_sorted), len(b_sorted))) if return_pvalue else d


# --------------------------------------------------------------------------- report

@dataclass
class FeatureDrift:
    """Drift measures of one feature."""

    name: str
    psi: float
    ks: float
    ks_pvalue: float
    status: str  # "ok", "moderate" or "major" (from PSI)

    def to_dict(self) -> dict:
        return {"psi": self.psi, "ks": self.ks, "ks_pvalue": self.ks_pvalue, "status": self.status}


@dataclass
class DriftReport:
    """Result of :meth:`DriftMonitor.check`: one :class:`FeatureDrift` per feature."""

    features: list[FeatureDrift]
    n_reference: int
    n_batch: int
    psi_moderate: float = 0.1
    psi_major: float = 0.25
    _by_name: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {f.name: f for f in self.features}

    @property
    def drifted(self) -> list[str]:
        """Names of the features whose status is not "ok", worst PSI first."""
        bad = [f for f in self.features if f.status != "ok"]
        return [f.name for f in sorted(bad, key=lambda f: -f.psi)]

    @property
    def status(self) -> str:
        """The worst status over all features."""
        return max((f.status for f in self.features), key=_STATUS_ORDER.index)

    def __getitem__(self, name: str) -> FeatureDrift:
        if name not in self._by_name:
            raise KeyError(f"no feature named {name!r}; features are {list(self._by_name)}")
        return self._by_name[name]

    def to_dict(self) -> dict:
        """Plain dict (JSON-serialisable) with the summary and every feature's measures."""
        return {
            "status": self.status,
            "drifted": self.drifted,
            "n_reference": self.n_reference,
            "n_batch": self.n_batch,
            "thresholds": {"psi_moderate": self.psi_moderate, "psi_major": self.psi_major},
            "features": {f.name: f.to_dict() for f in self.features},
        }

    def __str__(self) -> str:
        width = max(len("feature"), *(len(f.name) for f in self.features))
        lines = [
            f"Drift report: {len(self.drifted)} of {len(self.features)} features drifted "
            f"(reference {self.n_reference} rows, batch {self.n_batch} rows; PSI moderate >= "
            f"{self.psi_moderate:g}, major >= {self.psi_major:g})",
            f"{'feature':<{width}}  {'PSI':>8}  {'KS':>6}  {'KS p-value':>10}  status",
        ]
        for f in self.features:
            status = f.status.upper() if f.status == "major" else f.status
            lines.append(
                f"{f.name:<{width}}  {f.psi:>8.4f}  {f.ks:>6.4f}  {f.ks_pvalue:>10.3g}  {status}"
            )
        return "\n".join(lines)


# --------------------------------------------------------------------------- monitor

class DriftMonitor:
    """Remembers the training data's distribution and checks production batches against it.

    ``reference_data`` is ``(rows, features)`` (1-D: one feature). The quantile
    bins and the sorted reference values are computed once here, so each
    :meth:`check` only has to bin and sort the new batch.
    """

    def __init__(
        self,
        reference_data: Any,
        feature_names: list[str] | None = None,
        psi_moderate: float = 0.1,
        psi_major: float = 0.25,
        bins: int = 10,
        eps: float = 1e-4,
    ) -> None:
        if not 0 < psi_moderate <= psi_major:
            raise ValueError(
                "expected 0 < psi_moderate <= psi_major, got "
                f"psi_moderate={psi_moderate} and psi_major={psi_major}"
            )
        if not 0 < eps < 0.1:
            raise ValueError(f"eps must be a small positive number (0 < eps < 0.1), got {eps}")
        ref = _as_matrix(reference_data, "reference_data")
        if feature_names is None:
            columns = getattr(reference_data, "columns", None)  # a pandas DataFrame
            feature_names = (
                [str(c) for c in columns] if columns is not None
                else [f"feature_{i}" for i in range(ref.shape[1])]
            )
        feature_names = [str(n) for n in feature_names]
        if len(feature_names) != ref.shape[1]:
            raise ValueError(
                f"feature_names has {len(feature_names)} names but reference_data has "
                f"{ref.shape[1]} features; expected one name per column"
            )
        if len(set(feature_names)) != len(feature_names):
            raise ValueError(f"feature_names must be unique, got {feature_names}")
        _check_finite(ref, "reference_data", feature_names)

        self.feature_names = feature_names
        self.psi_moderate, self.psi_major = psi_moderate, psi_major
        self.bins, self.eps = bins, eps
        self.n_reference = ref.shape[0]
        self._edges = [quantile_edges(col, bins) for col in ref.T]
        self._expected = [bin_fractions(col, e) for col, e in zip(ref.T, self._edges)]
        self._sorted = [np.sort(col) for col in ref.T]

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def status_of(self, psi_value: float) -> str:
        """"ok" below ``psi_moderate``, "moderate" below ``psi_major``, else "major"."""
        if psi_value >= self.psi_major:
            return "major"
        return "moderate" if psi_value >= self.psi_moderate else "ok"

    def check(self, batch: Any) -> DriftReport:
        """Compare a production batch ``(rows, features)`` with the reference."""
        x = _as_matrix(batch, "batch")
        if x.shape[1] != self.n_features:
            hint = " (a single row must be 2-D: x[None, :])" if x.shape[1] == 1 else ""
            raise ValueError(
                f"batch has {x.shape[1]} features but the reference has {self.n_features} "
                f"{self.feature_names}{hint}"
            )
        _check_finite(x, "batch", self.feature_names)
        features = []
        for j, name in enumerate(self.feature_names):
            col = x[:, j]
            p = _psi_from_fractions(self._expected[j], bin_fractions(col, self._edges[j]), self.eps)
            d = _sorted_ks(self._sorted[j], np.sort(col))
            pv = ks_pvalue(d, self.n_reference, len(col))
            features.append(FeatureDrift(name, p, d, pv, self.status_of(p)))
        return DriftReport(features, self.n_reference, x.shape[0], self.psi_moderate, self.psi_major)


def drift_report(
    train: Any, prod: Any, feature_names: list[str] | None = None, **kwargs: Any
) -> DriftReport:
    """One-shot ``DriftMonitor(train, feature_names, **kwargs).check(prod)``."""
    return DriftMonitor(train, feature_names=feature_names, **kwargs).check(prod)
