"""Saving and loading: ``mdl.save(obj, path)`` and ``mdl.load(path)``.

Files are NumPy ``.npz`` archives (zip) holding the arrays plus one JSON entry that
describes everything else.  Loading never executes code from the file: no pickle
(``allow_pickle=False``), and the JSON only names known kinds of values.  Saving
writes a temporary file and renames it into place, so a crash never leaves a
half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from .autograd import Tensor
from .backend import to_numpy
from .errors import MinidlError

FORMAT = "minidl-archive"
VERSION = 1
_META = "__minidl_meta__"
_ZIP_SIGNATURE = b"PK\x03\x04"


def write_archive(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Atomically write ``arrays`` and the JSON-serialisable ``meta`` to ``path``."""
    path = _as_path(path, "save to")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {path!r}: it is a folder; expected a file path such as "
                                f"{os.path.join(path, 'model.npz')!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: folder {folder!r} does not exist")
    header = {"format": FORMAT, "version": VERSION, **meta}
    payload = dict(arrays)
    payload[_META] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **payload)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _as_path(path: Any, action: str) -> str:
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"cannot {action} {path!r}: expected a file path (str or pathlib.Path), "
                        f"got {type(path).__name__}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path:
        raise ValueError(f"cannot {action} an empty path; expected a file path such as 'model.npz'")
    return path


def read_archive(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read an archive written by :func:`write_archive`; clear errors for bad files."""
    path = _as_path(path, "load")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot load {path!r}: it is a folder; expected a file written by minidl")
    with open(path, "rb") as handle:  # check the zip signature before NumPy guesses (pickle?)
        signature = handle.read(4)
    if signature != _ZIP_SIGNATURE:
        what = "is empty" if not signature else "is not a zip archive"
        raise MinidlError(f"{path!r} is not a minidl file: it {what} (mdl.save writes .npz archives)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files") or _META not in archive.files:
                raise MinidlError(f"{path!r} is not a minidl file (no minidl header found)")
            arrays = {name: archive[name] for name in archive.files if name != _META}
            header = json.loads(bytes(archive[_META]).decode("utf-8"))
    except MinidlError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise MinidlError(
            f"cannot read {path!r}: the file is truncated, corrupted or not a minidl file ({error})"
        ) from None
    if header.get("format") != FORMAT:
        raise MinidlError(f"{path!r} is not a minidl file (format {header.get('format')!r})")
    if header.get("version", 0) > VERSION:
        raise MinidlError(f"{path!r} was written by a newer minidl (version {header['version']})")
    return arrays, header


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save a tensor, an array, or a (nested) dict of them and plain numbers/strings.

    Typical use: ``mdl.save(model.state_dict(), "model.npz")``.
    """
    arrays: dict[str, np.ndarray] = {}
    try:
        tree = _flatten(obj, arrays)
    except RecursionError:
        raise ValueError("save: the object is nested too deeply or contains itself "
                         "(a list or dict that refers back to itself cannot be saved)") from None
    write_archive(path, arrays, {"tree": tree})


def load(path: str | os.PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Load what :func:`save` wrote (tensors come back as Tensors, arrays as arrays).

    ``map_location`` and ``weights_only`` are accepted so PyTorch code runs unchanged: a
    minidl file never holds code (it is always "weights only"), and values load on the cpu."""
    if map_location is not None and (not isinstance(map_location, str) or map_location.split(":")[0] != "cpu"):
        raise ValueError(f"load(map_location={map_location!r}): minidl loads on the cpu; "
                         "move the model afterwards with model.to(device)")
    arrays, header = read_archive(path)
    if "tree" not in header:
        raise MinidlError(f"{os.fspath(path)!r} holds a model, not a saved object; use load_model")
    try:
        return _unflatten(header["tree"], arrays)
    except (KeyError, TypeError, AttributeError) as error:  # a description that does not fit
        raise MinidlError(
            f"corrupted minidl file {os.fspath(path)!r}: its description does not match its arrays "
            f"({type(error).__name__}: {error})"
        ) from None


def _flatten(obj: Any, arrays: dict[str, np.ndarray]) -> Any:
    """Describe ``obj`` as JSON, moving arrays into ``arrays`` under numbered keys."""
    if isinstance(obj, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = to_numpy(obj.data)
        return {"tensor": key}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        key = f"a{len(arrays)}"
        arrays[key] = to_numpy(obj)
        if arrays[key].dtype == object:
            raise TypeError("cannot save arrays of Python objects; only numeric arrays")
        return {"array": key}
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError("save: dict keys must be strings")
        return {"dict": {k: _flatten(v, arrays) for k, v in obj.items()}}
    if isinstance(obj, (list, tuple)):
        return {"list": [_flatten(v, arrays) for v in obj], "tuple": isinstance(obj, tuple)}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise TypeError(
        f"save: cannot store a {type(obj).__name__}; expected tensors, arrays, numbers, "
        "strings, lists or dicts of them"
    )


def _unflatten(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(node, dict) or len(node) == 0:
        raise MinidlError("corrupted minidl file: unexpected entry in its description")
    if "tensor" in node:
        return Tensor(arrays[node["tensor"]], dtype=arrays[node["tensor"]].dtype)
    if "array" in node:
        return arrays[node["array"]]
    if "dict" in node:
        return {k: _unflatten(v, arrays) for k, v in node["dict"].items()}
    if "list" in node:
        items = [_unflatten(v, arrays) for v in node["list"]]
        return tuple(items) if node.get("tuple") else items
    if "value" in node:
        return node["value"]
    raise MinidlError(f"corrupted minidl file: unknown entry kind {sorted(node)}")
