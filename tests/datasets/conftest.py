"""Fixtures for the dataset tests: small hand-written MNIST-format directories.

The IDX writer here uses ``struct`` and raw bytes, independently of the parser
in ``minidl.datasets.mnist``, so a round trip tests the parser for real.
"""

import gzip
import hashlib
import shutil
import struct
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "minidl" / "datasets" / "data"
NAMES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """The uncompressed IDX encoding of ``array`` (big-endian, header from struct)."""
    kind = array.dtype.kind + str(array.dtype.itemsize)
    header = struct.pack(">BBBB", 0, 0, CODES[kind], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_sums(folder: Path) -> None:
    """(Re)write SHA256SUMS for the .gz files in ``folder`` in sha256sum's format."""
    lines = [
        f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n"
        for f in sorted(folder.glob("*.gz"))
    ]
    (folder / "SHA256SUMS").write_text("".join(lines))


def write_fake_mnist(folder: Path, n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict:
    """Write a tiny MNIST-format data set and return its arrays by Keras name."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in NAMES.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(arrays[key])))
    write_sums(folder)
    return arrays


@pytest.fixture
def fake_mnist(tmp_path):
    """A directory holding a tiny valid MNIST-format data set; yields (folder, arrays)."""
    folder = tmp_path / "fake"
    return folder, write_fake_mnist(folder)


@pytest.fixture
def real_copy(tmp_path):
    """A private copy of the shipped files (tests may corrupt it freely)."""
    folder = tmp_path / "copy"
    shutil.copytree(DATA, folder)
    return folder


@pytest.fixture
def idx_tools():
    """The helpers above, for tests that build their own files."""
    return SimpleNamespace(
        idx_bytes=idx_bytes, write_sums=write_sums, write_fake_mnist=write_fake_mnist, NAMES=NAMES
    )
