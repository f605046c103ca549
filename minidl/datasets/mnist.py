"""MNIST handwritten digits, read from the copy shipped inside the package.

The four files are the original IDX files of LeCun, Cortes and Burges,
gzip-compressed, in ``minidl/datasets/data/`` together with their SHA-256 sums.
Loading never touches the network, so the course's first program runs offline
on a fresh machine.

IDX format (all integers big-endian)::

    byte 0-1   0x00 0x00          always zero
    byte 2     dtype code         0x08 = uint8, 0x09 = int8, 0x0B = int16,
                                  0x0C = int32, 0x0D = float32, 0x0E = float64
    byte 3     ndim               number of dimensions
    then       ndim x uint32      the size of each dimension
    then       the data           prod(sizes) items, C order

So the images file starts with the "magic number" ``0x00000803`` (uint8, 3
dimensions: 60000 x 28 x 28) and the labels file with ``0x00000801``.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from minidl.errors import MinidlError

__all__ = ["DatasetError", "load_data", "parse_idx", "FILES", "NUM_CLASSES"]

# Keras's names for the four arrays, in the order load_data returns them.
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
SUMS_FILE = "SHA256SUMS"
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)

# IDX dtype code -> NumPy dtype (big-endian, as stored on disk).
_IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_PACKAGE = "<package data>"  # cache key standing for the shipped copy


class DatasetError(MinidlError):
    """A dataset file is missing, corrupted, truncated or not in the expected format."""


def load_data(
    path: str | PathLike[str] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return MNIST as ``(x_train, y_train), (x_test, y_test)``, exactly as Keras does.

    ``x_train`` is uint8 of shape (60000, 28, 28) with pixels in [0, 255],
    ``y_train`` uint8 of shape (60000,) with digits 0-9; the test arrays hold
    10000 images. Each file's SHA-256 is checked against ``SHA256SUMS`` before
    it is decoded.

    Args:
        path: a directory holding the four IDX ``.gz`` files and a ``SHA256SUMS``
            file listing their hashes (``sha256sum`` format). ``None`` (the
            default) reads the copy shipped with minidl. A directory with the
            same file names holds e.g. Fashion-MNIST.

    The decoded arrays are cached for the life of the process (a second call
    costs a copy, not a decompression); you get fresh copies, so changing them
    in place never corrupts what the next call returns.

    Raises:
        DatasetError: a file is missing, its hash differs from the expected one,
            it is truncated, or it is not an IDX file of MNIST's shape.
    """
    if path is None:
        key, stamp = _PACKAGE, ()
    else:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise DatasetError(
                f"MNIST path must be a directory holding {', '.join(FILES.values())} "
                f"and {SUMS_FILE}; got {str(path)!r}, which is not a directory"
            )
        key = str(folder.resolve())
        stamp = _file_stamp(folder)
    x_train, y_train, x_test, y_test = _load_cached(key, stamp)
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode the (uncompressed) bytes of an IDX file into a NumPy array.

    The header says the dtype and the shape; the data must hold exactly
    ``prod(shape) * itemsize`` bytes after it. The result is read-only when it
    is a view of ``raw`` (single-byte dtypes); copy it to modify it.
    """
    if len(raw) < 4:
        raise DatasetError(
            f"{name}: truncated IDX file: {len(raw)} bytes, expected a 4-byte header"
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise DatasetError(
            f"{name}: not an IDX file: magic number 0x{raw[:4].hex()}, expected "
            f"0x0000TTNN with TT a dtype code in "
            f"{{{', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)}}} and NN >= 1 dimensions"
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(
            f"{name}: truncated IDX header: {len(raw)} bytes, "
            f"expected {header} for {ndim} dimensions"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape, dtype=np.int64))
    expected = header + count * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "trailing bytes in"
        raise DatasetError(
            f"{name}: {what} IDX file: {len(raw)} bytes, expected {expected} "
            f"(header {header} + {count} items of shape {shape} x {dtype.itemsize} bytes)"
        )
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    # Multi-byte values are big-endian on disk; hand out native byte order.
    return array.astype(dtype.newbyteorder("="), copy=False)


# --- internals -------------------------------------------------------------------


def _file_stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Size and modification time of each file: part of the cache key, so that a
    file replaced on disk is read again rather than served stale from the cache."""
    stamp = []
    for name in (*FILES.values(), SUMS_FILE):
        try:
            st = (folder / name).stat()
            stamp.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            stamp.append((name, -1, -1))
    return tuple(stamp)


@lru_cache(maxsize=4)
def _load_cached(key: str, stamp: tuple[Any, ...]) -> tuple[np.ndarray, ...]:
    """Read, verify and decode the four files (cached per directory and stamp)."""
    folder: Any = resources.files("minidl.datasets") / "data" if key == _PACKAGE else Path(key)
    sums = _read_sums(folder)
    # Check every hash before decompressing anything: a bad file fails fast.
    blobs = {k: _read_verified(folder, name, sums) for k, name in FILES.items()}
    arrays = {k: _decode(FILES[k], blob) for k, blob in blobs.items()}
    for split in ("train", "test"):
        _check_pair(arrays[f"x_{split}"], arrays[f"y_{split}"], split)
    return tuple(arrays[k] for k in FILES)


def _read_sums(folder: Any) -> dict[str, str]:
    """Parse ``SHA256SUMS`` (lines ``<64 hex digits>  <file name>``) into name -> hash."""
    file = folder / SUMS_FILE
    if not file.is_file():
        raise DatasetError(
            f"{SUMS_FILE} not found in {folder}: it must list the SHA-256 of each file"
        )
    sums = {}
    for lineno, line in enumerate(file.read_text(encoding="ascii").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        digest = parts[0].lower()
        if len(parts) != 2 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise DatasetError(
                f"{folder / SUMS_FILE}, line {lineno}: expected '<64 hex digits>  <file name>', "
                f"got {line!r}"
            )
        sums[parts[1].strip().lstrip("*")] = digest  # '*' marks binary mode in sha256sum
    return sums


def _read_verified(folder: Any, name: str, sums: dict[str, str]) -> bytes:
    """Read one file and check its SHA-256 against ``sums``."""
    file = folder / name
    if not file.is_file():
        raise DatasetError(f"MNIST file {name} not found in {folder}")
    if name not in sums:
        raise DatasetError(f"{folder / SUMS_FILE} has no entry for {name}")
    data = file.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sums[name]:
        raise DatasetError(
            f"{name}: SHA-256 mismatch (file corrupted or replaced): "
            f"expected {sums[name]}, got {actual}"
        )
    return data


def _decode(name: str, data: bytes) -> np.ndarray:
    """Decompress a ``.gz`` IDX file and decode it."""
    try:
        raw = gzip.decompress(data)
    except EOFError as err:
        raise DatasetError(f"{name}: truncated gzip stream ({len(data)} bytes): {err}") from None
    except (OSError, zlib.error) as err:
        raise DatasetError(f"{name}: not a valid gzip file: {err}") from None
    return parse_idx(raw, name)


def _check_pair(x: np.ndarray, y: np.ndarray, split: str) -> None:
    """Check that images and labels have MNIST's shapes, dtype and label range."""
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
        raise DatasetError(
            f"{FILES['x_' + split]}: expected uint8 images of shape (N, 28, 28), "
            f"got {x.dtype} of shape {x.shape}"
        )
    if y.dtype != np.uint8 or y.ndim != 1:
        raise DatasetError(
            f"{FILES['y_' + split]}: expected uint8 labels of shape (N,), "
            f"got {y.dtype} of shape {y.shape}"
        )
    if len(x) != len(y):
        raise DatasetError(
            f"MNIST {split} set: {len(x)} images but {len(y)} labels; expected equal counts"
        )
    if y.size and int(y.max()) >= NUM_CLASSES:
        raise DatasetError(
            f"{FILES['y_' + split]}: label {int(y.max())} out of range, "
            f"expected 0..{NUM_CLASSES - 1}"
        )
