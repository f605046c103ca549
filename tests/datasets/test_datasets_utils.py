"""Splits, mini-batches and standardization, checked against plain NumPy and scikit-learn."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidl.datasets import (
    Standardizer,
    batches,
    standardize,
    train_test_split,
    train_val_test_split,
)

# --- splits -------------------------------------------------------------------------


def _ids(n):
    """Sample ids and a second array whose rows can be traced back to them."""
    idx = np.arange(n)
    return idx, np.stack([idx * 2, idx * 3], axis=1)


def test_train_val_test_sizes_disjoint_and_aligned():
    idx, x = _ids(100)
    i_tr, i_va, i_te, x_tr, x_va, x_te = train_val_test_split(idx, x, seed=0)
    assert (len(i_tr), len(i_va), len(i_te)) == (70, 15, 15)
    # Each sample lands in exactly one part.
    np.testing.assert_array_equal(np.sort(np.concatenate([i_tr, i_va, i_te])), idx)
    # Rows stay together across arrays.
    for i, xp in ((i_tr, x_tr), (i_va, x_va), (i_te, x_te)):
        np.testing.assert_array_equal(xp, np.stack([i * 2, i * 3], axis=1))
    assert not np.array_equal(i_tr, np.sort(i_tr))  # shuffled


@settings(max_examples=40, deadline=None)
@given(n=st.integers(4, 300), test_size=st.floats(0.05, 0.6))
def test_train_test_sizes_match_scikit_learn(n, test_size):
    sk = pytest.importorskip("sklearn.model_selection")
    idx = np.arange(n)
    tr, te = train_test_split(idx, test_size=test_size, seed=0)
    sk_tr, sk_te = sk.train_test_split(idx, test_size=test_size, random_state=0)
    assert (len(tr), len(te)) == (len(sk_tr), len(sk_te))
    assert len(np.intersect1d(tr, te)) == 0


@settings(max_examples=30, deadline=None)
@given(n=st.integers(10, 400), val=st.floats(0.05, 0.3), test=st.floats(0.05, 0.3))
def test_three_way_sizes(n, val, test):
    idx = np.arange(n)
    tr, va, te = train_val_test_split(idx, val_size=val, test_size=test, seed=1)
    assert len(va) == math.ceil(val * n) and len(te) == math.ceil(test * n)
    assert len(tr) + len(va) + len(te) == n
    np.testing.assert_array_equal(np.sort(np.concatenate([tr, va, te])), idx)


def test_same_seed_same_split_and_different_seed_differs():
    idx = np.arange(50)
    a = train_val_test_split(idx, seed=4)
    b = train_val_test_split(idx, seed=4)
    c = train_val_test_split(idx, seed=5)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(a[0], c[0])


def test_no_shuffle_keeps_order():
    idx = np.arange(20)
    tr, va, te = train_val_test_split(idx, val_size=0.2, test_size=0.1, shuffle=False)
    np.testing.assert_array_equal(tr, np.arange(14))
    np.testing.assert_array_equal(va, np.arange(14, 18))
    np.testing.assert_array_equal(te, np.arange(18, 20))
    tr, te = train_test_split(idx, test_size=0.25, shuffle=False)
    np.testing.assert_array_equal(tr, np.arange(15))
    np.testing.assert_array_equal(te, np.arange(15, 20))


@settings(max_examples=30, deadline=None)
@given(
    counts=st.lists(st.integers(1, 60), min_size=2, max_size=5),
    seed=st.integers(0, 1000),
)
def test_stratified_split_keeps_class_proportions(counts, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    if n - math.ceil(0.2 * n) - math.ceil(0.2 * n) < 1:
        return
    idx = np.arange(n)
    i_tr, i_va, i_te = train_val_test_split(idx, val_size=0.2, test_size=0.2, stratify=y, seed=seed)
    np.testing.assert_array_equal(np.sort(np.concatenate([i_tr, i_va, i_te])), idx)
    share = np.array(counts) / n
    # Held-out parts within one sample of the exact share per class, training within two.
    for part, slack in ((i_te, 1.0), (i_va, 1.0), (i_tr, 2.0)):
        got = np.bincount(y[part], minlength=len(counts))
        assert np.all(np.abs(got - share * len(part)) <= slack)


def test_stratified_two_way_split():
    y = np.array([0] * 90 + [1] * 10)
    _, y_te = train_test_split(y, test_size=0.2, stratify=y, seed=0)
    assert np.bincount(y_te).tolist() == [18, 2]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: train_test_split(np.zeros(5), np.zeros(4)), ValueError,
         "array 0 has 5 samples and array 1 has 4"),
        (lambda: train_val_test_split(np.zeros(10), np.zeros(9)), ValueError,
         "array 0 has 10 samples and array 1 has 9"),
        (lambda: train_test_split(np.zeros(0)), ValueError, "array 0 is empty"),
        (lambda: train_test_split(), ValueError, "at least one array"),
        (lambda: train_test_split(np.zeros(5), test_size=0.0), ValueError, r"fraction in \(0, 1\)"),
        (lambda: train_test_split(np.zeros(5), test_size=1.0), ValueError, r"fraction in \(0, 1\)"),
        (lambda: train_val_test_split(np.zeros(5), val_size=-0.1), ValueError, "val_size"),
        (lambda: train_val_test_split(np.zeros(5), test_size=1.5), ValueError, "test_size"),
        (lambda: train_test_split(np.zeros(5), test_size="0.2"), TypeError, "test_size"),
        (lambda: train_val_test_split(np.zeros(10), val_size=0.5, test_size=0.5), ValueError,
         "leave no training data"),
        (lambda: train_val_test_split(np.zeros(2)), ValueError, "2 samples leave no training"),
        (lambda: train_test_split(np.zeros(6), stratify=[0, 1]), ValueError,
         r"expected shape \(6,\), got \(2,\)"),
        (lambda: train_test_split(np.zeros(6), stratify=np.zeros(6), shuffle=False), ValueError,
         "stratify requires shuffle=True"),
    ],
)
def test_split_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- batches ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 200),
    batch_size=st.integers(1, 64),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
)
def test_batches_cover_every_sample_once(n, batch_size, drop_last, shuffle):
    idx, x = _ids(n)
    seen, sizes = [], []
    for ib, xb in batches(idx, x, batch_size=batch_size, shuffle=shuffle, seed=0,
                          drop_last=drop_last):
        np.testing.assert_array_equal(xb, np.stack([ib * 2, ib * 3], axis=1))
        seen.append(ib)
        sizes.append(len(ib))
    seen = np.concatenate(seen) if seen else np.array([], int)
    full, rest = divmod(n, batch_size)
    if drop_last:
        assert sizes == [batch_size] * full
        assert len(np.unique(seen)) == len(seen) == full * batch_size
    else:
        assert sizes == [batch_size] * full + ([rest] if rest else [])
        np.testing.assert_array_equal(np.sort(seen), idx)
    if not shuffle:
        np.testing.assert_array_equal(seen, idx[: len(seen)])


def test_batches_shuffle_by_seed_and_per_epoch():
    idx = np.arange(100)
    first = np.concatenate(list(batches(idx, batch_size=10, seed=3)))
    again = np.concatenate(list(batches(idx, batch_size=10, seed=3)))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, idx)
    rng = np.random.default_rng(0)  # one generator across epochs: a new order each epoch
    e1 = np.concatenate(list(batches(idx, batch_size=10, seed=rng)))
    e2 = np.concatenate(list(batches(idx, batch_size=10, seed=rng)))
    assert not np.array_equal(e1, e2)


def test_batches_without_y_yield_arrays():
    out = list(batches(np.arange(7), batch_size=3, shuffle=False))
    assert [b.tolist() for b in out] == [[0, 1, 2], [3, 4, 5], [6]]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
        ({"batch_size": 2.0}, TypeError, "batch_size must be an int"),
        ({"y": np.zeros(3)}, ValueError, "array 0 has 4 samples and array 1 has 3"),
    ],
)
def test_batches_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        next(batches(np.zeros(4), **kwargs))


# --- standardization ----------------------------------------------------------------


def test_standardizer_matches_numpy_per_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 3.0, size=(200, 4)).astype(np.float32)
    x_test = rng.normal(5.0, 3.0, size=(50, 4)).astype(np.float32)
    s = Standardizer().fit(x)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(s.mean.ravel(), x64.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(s.std.ravel(), x64.std(axis=0), rtol=1e-12)
    z = s.transform(x_test)
    assert z.dtype == np.float32 and z.shape == x_test.shape
    np.testing.assert_allclose(z, (x_test - x64.mean(0)) / x64.std(0), rtol=1e-5, atol=1e-6)
    zt = s.transform(x)
    np.testing.assert_allclose(zt.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(zt.std(axis=0), 1.0, atol=1e-5)
    np.testing.assert_allclose(s.inverse_transform(z), x_test, rtol=1e-5, atol=1e-5)


def test_standardizer_constant_feature_is_safe():
    x = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    z = Standardizer().fit_transform(x)
    assert np.isfinite(z).all()
    np.testing.assert_array_equal(z[:, 1], 0.0)
    assert z.dtype == np.float64


def test_standardizer_images_and_global_axis():
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8)
    imgs[:, 0, 0] = 0  # a constant pixel, as MNIST's corners
    z = Standardizer().fit_transform(imgs)
    assert z.dtype == np.float32 and z.shape == imgs.shape and np.isfinite(z).all()
    g = Standardizer(axis=None).fit(imgs)
    np.testing.assert_allclose(g.mean, imgs.mean(), rtol=1e-12)
    np.testing.assert_allclose(g.std, imgs.std(), rtol=1e-12)
    one = g.transform(imgs[0])  # a global standardizer takes any shape
    np.testing.assert_allclose(one, (imgs[0] - imgs.mean()) / imgs.std(), rtol=1e-5)


def test_standardize_uses_training_statistics():
    x_tr = np.array([[0.0], [2.0], [4.0]])
    x_te = np.array([[2.0], [6.0]])
    z_tr, z_te = standardize(x_tr, x_te)
    sd = np.std([0.0, 2.0, 4.0])
    np.testing.assert_allclose(z_te[:, 0], [0.0, 4.0 / sd])
    np.testing.assert_allclose(z_tr[:, 0], [-2 / sd, 0.0, 2 / sd])
    single = standardize(x_tr)
    assert isinstance(single, np.ndarray)


def test_standardizer_errors():
    with pytest.raises(ValueError, match="before fit"):
        Standardizer().transform(np.zeros((2, 3)))
    s = Standardizer().fit(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"expected shape \(N, 3\).*got \(5, 4\)"):
        s.transform(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="array 0 is empty"):
        Standardizer().fit(np.zeros((0, 3)))
