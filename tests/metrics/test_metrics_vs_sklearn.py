"""minidl.metrics against scikit-learn on random inputs (skipped without scikit-learn)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidl import metrics as M

S = pytest.importorskip("sklearn.metrics")

pytestmark = pytest.mark.filterwarnings("ignore")  # both libraries warn on 0/0 alike

SEEDS = range(6)


def _labels(rng, n, k):
    return rng.integers(0, k, n)


def _probs(rng, n, k):
    z = rng.normal(size=(n, k)) * 2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (M.mae, S.mean_absolute_error),
        (M.mse, S.mean_squared_error),
        (M.rmse, S.root_mean_squared_error),
        (M.r2, S.r2_score),
    ],
)
def test_regression(seed, ours, theirs):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    shape = (n,) if seed % 2 else (n, int(rng.integers(1, 4)))
    t = rng.normal(size=shape)
    p = t + rng.normal(scale=rng.uniform(0.1, 2), size=shape)
    assert ours(t, p) == pytest.approx(theirs(t, p), rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(
        ours(t, p, multioutput="raw_values"), theirs(t, p, multioutput="raw_values"), rtol=1e-10
    )
    if ours is M.r2:
        assert ours(t, p, multioutput="variance_weighted") == pytest.approx(
            theirs(t, p, multioutput="variance_weighted")
        )


label_pairs = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
    )
)


@settings(max_examples=40, deadline=None)
@given(
    pair=label_pairs,
    average=st.sampled_from(["macro", "micro", "weighted", None]),
    zero_division=st.sampled_from(["warn", 0, 1, np.nan]),
)
def test_prf_multiclass(pair, average, zero_division):
    t, p = pair
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = M.precision_recall_fscore_support(t, p, average=average, zero_division=zero_division)
        theirs = S.precision_recall_fscore_support(t, p, average=average, zero_division=zero_division)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)
    if average is None:
        np.testing.assert_array_equal(ours[3], theirs[3])
    assert M.accuracy(t, p) == pytest.approx(S.accuracy_score(t, p))
    np.testing.assert_array_equal(M.confusion_matrix(t, p), S.confusion_matrix(t, p))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fn", ["precision_score", "recall_score", "f1_score"])
def test_binary_and_labels(seed, fn):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 50))
    t, p = _labels(rng, n, 2), _labels(rng, n, 2)
    ours, theirs = getattr(M, fn), getattr(S, fn)
    for pos_label in (0, 1):
        assert ours(t, p, pos_label=pos_label) == pytest.approx(theirs(t, p, pos_label=pos_label))
    t3, p3 = _labels(rng, n, 4), _labels(rng, n, 4)
    labels = [3, 1, 7]  # a subset, reordered, with a label not in the data
    for average in ("macro", "micro", "weighted", None):
        np.testing.assert_allclose(
            ours(t3, p3, labels=labels, average=average),
            theirs(t3, p3, labels=labels, average=average),
        )
    np.testing.assert_array_equal(
        M.confusion_matrix(t3, p3, labels=[3, 1, 7]), S.confusion_matrix(t3, p3, labels=[3, 1, 7])
    )
    for norm in ("true", "pred", "all"):
        np.testing.assert_allclose(
            M.confusion_matrix(t3, p3, normalize=norm), S.confusion_matrix(t3, p3, normalize=norm)
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_curve_and_auc(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 80))
    t = _labels(rng, n, 2)
    t[:2] = [0, 1]
    s = rng.normal(size=n) + t
    if seed % 3 == 0:
        s = np.round(s, 1)  # ties
    for drop in (True, False):
        ours = M.roc_curve(t, s, drop_intermediate=drop)
        theirs = S.roc_curve(t, s, drop_intermediate=drop)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b)
    assert M.roc_auc(t, s) == pytest.approx(S.roc_auc_score(t, s), rel=1e-12)
    named = np.where(t == 1, "yes", "no")
    np.testing.assert_allclose(
        M.roc_curve(named, s, pos_label="yes")[1], S.roc_curve(named, s, pos_label="yes")[1]
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_auc_multiclass(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 6))
    n = int(rng.integers(3 * k, 80))
    t = np.r_[np.arange(k), _labels(rng, n - k, k)]
    prob = _probs(rng, n, k)
    for average in ("macro", "weighted", "micro", None):
        np.testing.assert_allclose(
            M.roc_auc(t, prob, average=average),
            S.roc_auc_score(t, prob, average=average, multi_class="ovr"),
            rtol=1e-12,
        )
    # a class absent from y_true, named through labels=
    t_missing = np.where(t == k - 1, 0, t)
    np.testing.assert_allclose(
        M.roc_auc(t_missing, prob, labels=list(range(k)), average=None),
        S.roc_auc_score(t_missing, prob, labels=list(range(k)), average=None, multi_class="ovr"),
        equal_nan=True,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_log_loss(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(k, 60))
    t = np.r_[np.arange(k), _labels(rng, n - k, k)]
    prob = _probs(rng, n, k)
    prob[0] = np.eye(k)[(t[0] + 1) % k]  # a certain mistake exercises the clipping
    assert M.log_loss(t, prob) == pytest.approx(S.log_loss(t, prob), rel=1e-10)
    assert M.log_loss(t, prob, normalize=False) == pytest.approx(
        S.log_loss(t, prob, normalize=False), rel=1e-10
    )
    if k == 2:
        assert M.log_loss(t, prob[:, 1]) == pytest.approx(S.log_loss(t, prob[:, 1]), rel=1e-10)
    words = np.array(["ant", "bee", "cat", "dog", "eel"])[t]
    assert M.log_loss(words, prob) == pytest.approx(S.log_loss(words, prob), rel=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_classification_report_matches(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    t, p = _labels(rng, 50, k), _labels(rng, 50, k)
    names = [f"class_{i}" for i in range(k)] if seed % 2 else None
    for digits in (2, 3):
        assert M.classification_report(t, p, target_names=names, digits=digits) == (
            S.classification_report(t, p, target_names=names, digits=digits)
        )
    assert M.classification_report(t, p, labels=[1, 0]) == S.classification_report(
        t, p, labels=[1, 0]
    )
    ours = M.classification_report(t, p, output_dict=True)
    theirs = S.classification_report(t, p, output_dict=True)
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, dict):
            for col, v in value.items():
                assert ours[key][col] == pytest.approx(v)
        else:
            assert ours[key] == pytest.approx(value)
