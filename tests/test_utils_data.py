"""minidl.utils.data against plain NumPy slicing and PyTorch's documented rules.

PyTorch reference values (random_split sizes, len(loader)) were computed once with
torch 2.13 and are written here, so the tests run without torch."""

from __future__ import annotations

import collections
import subprocess
import sys

import numpy as np
import pytest

import minidl as mdl
from minidl.utils.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class ArrayPairs(Dataset):
    """A generic dataset (not a TensorDataset): the loader stacks its samples one by one."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        return self.x[i], int(self.y[i])


def make_data(n: int = 11):
    x = np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3)
    y = np.arange(n, dtype=np.int64) * 10
    return x, y


def test_import_on_its_own():
    code = "import minidl.utils.data as d; print(d.DataLoader.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "DataLoader"


def test_reached_as_an_attribute_after_import_minidl():  # as torch.utils.data after import torch
    code = "import minidl as mdl; print(mdl.utils.data.TensorDataset.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "TensorDataset"


# -- TensorDataset ----------------------------------------------------------------------------

def test_tensor_dataset_rows_and_len():
    x, y = make_data()
    ds = TensorDataset(x, mdl.tensor(y))
    assert len(ds) == 11
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi.numpy(), x[4])
    assert yi.item() == 40
    assert isinstance(ds.tensors[1], mdl.Tensor)


def test_tensor_dataset_keeps_a_tensor_as_is():
    t = mdl.tensor(np.ones((3, 2)), dtype="float64")
    ds = TensorDataset(t)
    assert ds.tensors[0] is t


@pytest.mark.parametrize("args, error, words", [
    ((), ValueError, "at least one"),
    ((np.zeros(3), np.zeros(4)), ValueError, "[3, 4]"),
    ((np.float32(1.0),), ValueError, "scalar"),
    ((np.array(["a", "b"]),), TypeError, "argument 0"),
])
def test_tensor_dataset_bad_input(args, error, words):
    with pytest.raises(error, match=r".*" + words.replace("[", r"\[").replace("]", r"\]")):
        TensorDataset(*args)


# -- DataLoader: batches and len ----------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 3, 4, 11, 12])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("kind", ["tensor", "generic"])
def test_batches_equal_numpy_slicing(batch_size, drop_last, kind):
    x, y = make_data()
    ds = TensorDataset(x, y) if kind == "tensor" else ArrayPairs(x, y)
    loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    stop = 11 - 11 % batch_size if drop_last else 11
    expected = [(x[s:s + batch_size], y[s:s + batch_size]) for s in range(0, stop, batch_size)]
    assert len(batches) == len(expected) == len(loader)
    for batch, (xr, yr) in zip(batches, expected):
        assert isinstance(batch, list) and len(batch) == 2  # a list per field, as PyTorch
        xb, yb = batch
        assert isinstance(xb, mdl.Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.numpy(), xr)
        np.testing.assert_array_equal(yb.numpy(), yr)


# len(DataLoader(range(n), batch_size=b, drop_last=d)) from torch 2.13
@pytest.mark.parametrize("n, b, drop_last, torch_len", [
    (10, 3, False, 4), (10, 3, True, 3), (9, 3, False, 3), (9, 3, True, 3), (2, 5, False, 1), (2, 5, True, 0),
])
def test_len_as_pytorch(n, b, drop_last, torch_len):
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size=b, drop_last=drop_last)
    assert len(loader) == torch_len == len(list(loader))


def test_shuffle_is_a_permutation_reshuffled_each_epoch_and_seeded():
    x, y = make_data(50)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    mdl.manual_seed(3)
    first = np.concatenate([yb.numpy() for _, yb in loader])
    second = np.concatenate([yb.numpy() for _, yb in loader])
    assert sorted(first.tolist()) == y.tolist() and sorted(second.tolist()) == y.tolist()
    assert not np.array_equal(first, y) and not np.array_equal(first, second)
    for xb, yb in loader:  # features and labels stay paired
        np.testing.assert_array_equal(xb.numpy(), x[yb.numpy() // 10])
    mdl.manual_seed(3)
    again = np.concatenate([yb.numpy() for _, yb in loader])
    np.testing.assert_array_equal(first, again)


def test_fast_path_equals_sample_by_sample_path():
    x, y = make_data(40)
    mdl.manual_seed(7)
    fast = [(a.numpy(), b.numpy()) for a, b in DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True)]
    mdl.manual_seed(7)
    slow = [(a.numpy(), b.numpy()) for a, b in DataLoader(ArrayPairs(x, y), batch_size=6, shuffle=True)]
    assert len(fast) == len(slow) == 7
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx, sx)
        np.testing.assert_array_equal(fy, sy)


def test_generator_argument_is_reproducible():
    ds = TensorDataset(np.arange(30))

    def order(seed):
        return np.concatenate([b[0].numpy() for b in DataLoader(ds, batch_size=7, shuffle=True, generator=seed)])

    np.testing.assert_array_equal(order(5), order(5))
    assert not np.array_equal(order(5), order(6))
    gen_loader = DataLoader(ds, batch_size=30, shuffle=True, generator=np.random.default_rng(1))
    assert not np.array_equal(next(iter(gen_loader))[0].numpy(), next(iter(gen_loader))[0].numpy())


def test_subset_of_tensor_dataset_gives_its_rows():
    x, y = make_data(20)
    sub = Subset(Subset(TensorDataset(x, y), list(range(19, -1, -2))), [0, 3, 4])
    (xb, yb), = list(DataLoader(sub, batch_size=10))
    rows = np.arange(19, -1, -2)[[0, 3, 4]]
    np.testing.assert_array_equal(xb.numpy(), x[rows])
    np.testing.assert_array_equal(yb.numpy(), y[rows])


def test_sampler_and_single_samples():
    ds = TensorDataset(np.arange(10) * 2)
    batches = [b[0].numpy().tolist() for b in DataLoader(ds, batch_size=2, sampler=[9, 0, 4])]
    assert batches == [[18, 0], [8]]
    singles = list(DataLoader(ds, batch_size=None))
    assert len(singles) == 10 and singles[3][0].item() == 6 and singles[3][0].shape == ()


# -- collation ----------------------------------------------------------------------------------

def test_collate_dtypes():
    ints = default_collate([1, 2, 3])
    floats = default_collate([1.5, 2.0])  # PyTorch: float64; minidl: the default dtype
    bools = default_collate([True, False])
    f64 = default_collate([np.zeros(2), np.ones(2)])
    i32 = default_collate([np.zeros(2, dtype=np.int32)])
    t64 = default_collate([mdl.tensor([1.0], dtype="float64")] * 2)
    assert ints.dtype == np.int64 and ints.numpy().tolist() == [1, 2, 3]
    assert floats.dtype == np.float32 and bools.dtype == np.bool_
    assert f64.dtype == np.float32 and f64.shape == (2, 2)
    assert i32.dtype == np.int32 and t64.dtype == np.float64 and t64.shape == (2, 1)


def test_collate_structures():
    Point = collections.namedtuple("Point", "a b")
    batch = default_collate([{"x": np.ones(2), "name": "p", "pt": Point(1, 2.0)},
                             {"x": np.zeros(2), "name": "q", "pt": Point(3, 4.0)}])
    assert batch["name"] == ["p", "q"]
    assert isinstance(batch["pt"], Point) and batch["pt"].a.numpy().tolist() == [1, 3]
    np.testing.assert_array_equal(batch["x"].numpy(), [[1, 1], [0, 0]])


@pytest.mark.parametrize("samples, error, words", [
    ([np.zeros(2), np.zeros(3)], ValueError, "different shapes"),
    ([(1, 2), (1,)], ValueError, "different numbers of fields"),
    ([object(), object()], TypeError, "collate_fn"),
])
def test_collate_bad_samples(samples, error, words):
    with pytest.raises(error, match=words):
        default_collate(samples)


def test_custom_collate_fn():
    ds = TensorDataset(np.arange(5))
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2, 1]


# -- random_split -------------------------------------------------------------------------------

# sizes from torch.utils.data.random_split(range(n), lengths), torch 2.13
@pytest.mark.parametrize("n, lengths, torch_sizes", [
    (10, [0.3, 0.3, 0.4], [3, 3, 4]),
    (11, [0.5, 0.5], [6, 5]),
    (10, [0.33, 0.33, 0.34], [4, 3, 3]),
    (10, [2, 8], [2, 8]),
])
def test_random_split_sizes_and_disjoint(n, lengths, torch_sizes):
    parts = random_split(TensorDataset(np.arange(n)), lengths, generator=0)
    assert [len(p) for p in parts] == torch_sizes
    seen = sorted(i for p in parts for i in p.indices)
    assert seen == list(range(n))  # disjoint and covering


def test_random_split_seeded():
    ds = TensorDataset(np.arange(100))
    mdl.manual_seed(1)
    a = [p.indices for p in random_split(ds, [0.8, 0.2])]
    mdl.manual_seed(1)
    b = [p.indices for p in random_split(ds, [0.8, 0.2])]
    assert a == b and a[0] != list(range(80))


@pytest.mark.parametrize("lengths, error", [
    ([3, 3], ValueError), ([12, -2], ValueError), ([1.5, -0.5], ValueError), ([0.5, 0.2], ValueError),
    (["a", 5], TypeError), (5, TypeError), ([], TypeError),
])
def test_random_split_bad_lengths(lengths, error):
    with pytest.raises(error, match="length"):
        random_split(TensorDataset(np.arange(10)), lengths)


def test_random_split_warns_on_empty_split():
    with pytest.warns(UserWarning, match="empty"):
        parts = random_split(TensorDataset(np.arange(2)), [0.1, 0.1, 0.8])
    assert sum(len(p) for p in parts) == 2


# -- other datasets and bad arguments -------------------------------------------------------------

def test_concat_dataset():
    both = TensorDataset(np.arange(3)) + TensorDataset(np.arange(10, 12))
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert [both[i][0].item() for i in range(-5, 5)] == [0, 1, 2, 10, 11] * 2
    with pytest.raises(IndexError, match="out of range"):
        both[5]


def test_base_dataset_needs_methods():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


@pytest.mark.parametrize("kwargs, error, words", [
    ({"num_workers": 2}, ValueError, "main process"),
    ({"persistent_workers": True}, ValueError, "main process"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 2.5}, ValueError, "batch_size"),
    ({"shuffle": True, "sampler": [0, 1]}, ValueError, "sampler"),
    ({"shuffle": "yes"}, TypeError, "shuffle"),
    ({"collate_fn": 3}, TypeError, "collate_fn"),
])
def test_loader_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        DataLoader(TensorDataset(np.arange(4)), **kwargs)


def test_loader_needs_a_dataset():
    with pytest.raises(TypeError, match="map-style dataset"):
        DataLoader(iter([1, 2, 3]))
