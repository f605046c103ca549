"""MNIST loading: the shipped arrays, hash checking and clear errors on bad files."""

import gzip
import hashlib

import numpy as np
import pytest

from minidl.datasets import mnist
from minidl.datasets.mnist import DatasetError, load_data, parse_idx
from minidl.errors import MinidlError

# SHA-256 of the decoded arrays' bytes (C order), computed once from the original files.
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}


@pytest.fixture(scope="module")
def data():
    (x_train, y_train), (x_test, y_test) = load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def test_shapes_and_dtypes_as_keras(data):
    assert data["x_train"].shape == (60000, 28, 28)
    assert data["y_train"].shape == (60000,)
    assert data["x_test"].shape == (10000, 28, 28)
    assert data["y_test"].shape == (10000,)
    for a in data.values():
        assert a.dtype == np.uint8
        assert a.flags.c_contiguous and a.flags.writeable


def test_known_values(data):
    assert data["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert data["y_test"][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert int(data["x_train"][0].sum()) == 27525
    assert int(data["x_test"][0].sum()) == 18454
    assert data["x_train"].max() == 255 and data["x_train"].min() == 0
    # Published class counts of the MNIST training and test sets.
    assert np.bincount(data["y_train"]).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]
    assert np.bincount(data["y_test"]).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]


@pytest.mark.parametrize("key", list(ARRAY_SHA256))
def test_decoded_arrays_checksums(data, key):
    assert hashlib.sha256(data[key].tobytes()).hexdigest() == ARRAY_SHA256[key]


def test_returns_copies_so_the_cache_stays_clean(data):
    (x_train, y_train), _ = load_data()
    x_train[:] = 0
    y_train[:] = 9
    (x_again, y_again), _ = load_data()
    assert np.array_equal(x_again, data["x_train"])
    assert np.array_equal(y_again, data["y_train"])
    assert not np.shares_memory(x_again, x_train)


def test_second_load_comes_from_the_cache(data):
    before = mnist._load_cached.cache_info()
    load_data()
    after = mnist._load_cached.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


def test_reads_a_directory_in_the_same_format(fake_mnist):
    folder, arrays = fake_mnist
    (x_train, y_train), (x_test, y_test) = load_data(folder)
    for key, got in zip(arrays, (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(got, arrays[key])
        assert got.dtype == np.uint8


def test_cache_notices_a_replaced_file(tmp_path, idx_tools):
    folder = tmp_path / "d"
    idx_tools.write_fake_mnist(folder, n_train=3, seed=1)
    assert len(load_data(folder)[0][0]) == 3
    fresh = idx_tools.write_fake_mnist(folder, n_train=5, seed=2)
    (x_train, _), _ = load_data(folder)
    np.testing.assert_array_equal(x_train, fresh["x_train"])


def test_hash_mismatch_names_file_and_both_hashes(real_copy):
    name = "train-images-idx3-ubyte.gz"
    blob = bytearray((real_copy / name).read_bytes())
    blob[5000] ^= 0xFF
    (real_copy / name).write_bytes(bytes(blob))
    expected = "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971"
    actual = hashlib.sha256(bytes(blob)).hexdigest()
    with pytest.raises(DatasetError) as err:
        load_data(real_copy)
    msg = str(err.value)
    assert name in msg and expected in msg and actual in msg
    assert isinstance(err.value, MinidlError)


def test_truncated_file_fails_its_hash(real_copy):
    name = "t10k-labels-idx1-ubyte.gz"
    (real_copy / name).write_bytes((real_copy / name).read_bytes()[:1000])
    with pytest.raises(DatasetError, match=f"{name}: SHA-256 mismatch"):
        load_data(real_copy)


def test_missing_file(fake_mnist):
    folder, _ = fake_mnist
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz not found"):
        load_data(folder)


def test_missing_sums_file(fake_mnist):
    folder, _ = fake_mnist
    (folder / "SHA256SUMS").unlink()
    with pytest.raises(DatasetError, match="SHA256SUMS not found"):
        load_data(folder)


def test_sums_file_without_an_entry(fake_mnist):
    folder, _ = fake_mnist
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    (folder / "SHA256SUMS").write_text("\n".join(x for x in lines if "t10k-labels" not in x))
    with pytest.raises(DatasetError, match="no entry for t10k-labels-idx1-ubyte.gz"):
        load_data(folder)


def test_malformed_sums_file(fake_mnist):
    folder, _ = fake_mnist
    (folder / "SHA256SUMS").write_text("not-a-hash  train-images-idx3-ubyte.gz\n")
    with pytest.raises(DatasetError, match="line 1: expected '<64 hex digits>"):
        load_data(folder)


def test_path_must_be_a_directory(tmp_path):
    with pytest.raises(DatasetError, match="not a directory"):
        load_data(tmp_path / "nowhere")


def _replace(folder, name, payload, tools, compress=True):
    """Write ``payload`` as file ``name`` and update SHA256SUMS so the hash passes."""
    (folder / name).write_bytes(gzip.compress(payload) if compress else payload)
    tools.write_sums(folder)


def test_truncated_gzip_stream(fake_mnist, idx_tools):
    folder, _ = fake_mnist
    name = "train-labels-idx1-ubyte.gz"
    blob = (folder / name).read_bytes()
    _replace(folder, name, blob[: len(blob) - 10], idx_tools, compress=False)
    with pytest.raises(DatasetError, match=f"{name}: truncated gzip stream"):
        load_data(folder)


def test_not_a_gzip_file(fake_mnist, idx_tools):
    folder, _ = fake_mnist
    name = "t10k-images-idx3-ubyte.gz"
    _replace(folder, name, b"<html>not found</html>", idx_tools, compress=False)
    with pytest.raises(DatasetError, match=f"{name}: not a valid gzip file"):
        load_data(folder)


def test_truncated_idx_payload(fake_mnist, idx_tools):
    folder, arrays = fake_mnist
    name = "train-images-idx3-ubyte.gz"
    raw = idx_tools.idx_bytes(arrays["x_train"])
    _replace(folder, name, raw[:-100], idx_tools)
    expected = 16 + arrays["x_train"].size
    with pytest.raises(DatasetError, match=rf"truncated IDX file: {expected - 100} bytes, expected {expected}"):
        load_data(folder)


def test_bad_magic_number(fake_mnist, idx_tools):
    folder, arrays = fake_mnist
    raw = b"\x1f\x8b\x08\x03" + idx_tools.idx_bytes(arrays["y_test"])[4:]
    _replace(folder, "t10k-labels-idx1-ubyte.gz", raw, idx_tools)
    with pytest.raises(DatasetError, match="not an IDX file: magic number 0x1f8b0803"):
        load_data(folder)


def test_wrong_image_size(fake_mnist, idx_tools):
    folder, _ = fake_mnist
    images = np.zeros((6, 28, 27), np.uint8)
    _replace(folder, "train-images-idx3-ubyte.gz", idx_tools.idx_bytes(images), idx_tools)
    with pytest.raises(DatasetError, match=r"shape \(N, 28, 28\), got uint8 of shape \(6, 28, 27\)"):
        load_data(folder)


def test_images_and_labels_counts_differ(fake_mnist, idx_tools):
    folder, _ = fake_mnist
    labels = np.zeros(5, np.uint8)  # fake_mnist has 4 test images
    _replace(folder, "t10k-labels-idx1-ubyte.gz", idx_tools.idx_bytes(labels), idx_tools)
    with pytest.raises(DatasetError, match="test set: 4 images but 5 labels"):
        load_data(folder)


def test_label_out_of_range(fake_mnist, idx_tools):
    folder, _ = fake_mnist
    labels = np.array([0, 1, 2, 3, 4, 10], np.uint8)
    _replace(folder, "train-labels-idx1-ubyte.gz", idx_tools.idx_bytes(labels), idx_tools)
    with pytest.raises(DatasetError, match=r"label 10 out of range, expected 0\.\.9"):
        load_data(folder)


@pytest.mark.parametrize("dtype", ["u1", "i1", ">i2", ">i4", ">f4", ">f8"])
def test_parse_idx_round_trip(dtype, idx_tools):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    got = parse_idx(idx_tools.idx_bytes(array))
    assert got.shape == (3, 4, 5)
    assert got.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(got, array)


def test_parse_idx_trailing_bytes(idx_tools):
    raw = idx_tools.idx_bytes(np.arange(6, dtype=np.uint8)) + b"\x00"
    with pytest.raises(DatasetError, match="trailing bytes in IDX file: 15 bytes, expected 14"):
        parse_idx(raw, "f")


def test_parse_idx_truncated_header():
    with pytest.raises(DatasetError, match="truncated IDX header: 6 bytes, expected 12"):
        parse_idx(b"\x00\x00\x08\x02\x00\x00", "f")
