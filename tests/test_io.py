"""``mdl.save`` / ``mdl.load``: round trips, atomic writes, and clear errors for bad files
(missing, truncated, foreign, tampered) without ever unpickling anything."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import minidl as mdl
from minidl import MinidlError

META = "__minidl_meta__"


def header_bytes(header: dict) -> np.ndarray:
    return np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)


def test_round_trip_of_nested_containers_keeps_values_types_and_dtypes(tmp_path):
    obj = {
        "layer1": {"w": mdl.randn(3, 4), "b": mdl.zeros(4, dtype="float64")},
        "counts": mdl.tensor([1, 2, 3]),
        "mask": mdl.tensor([True, False]),
        "scalar": mdl.tensor(2.5),
        "raw": np.arange(6, dtype=np.int16).reshape(2, 3),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "history": [0.5, 0.25, {"epoch": 2}],
        "shape": (28, 28, 1),
        "name": "mnist-cnn", "lr": 1e-3, "steps": 10, "done": True, "note": None,
    }
    mdl.save(obj, tmp_path / "state.npz")
    back = mdl.load(str(tmp_path / "state.npz"))  # str and pathlib paths both work
    assert set(back) == set(obj)
    for key in ("counts", "mask", "scalar"):
        assert isinstance(back[key], mdl.Tensor) and back[key].dtype == obj[key].dtype
        assert back[key].numpy().tobytes() == obj[key].numpy().tobytes()
    for key in ("w", "b"):
        t, u = obj["layer1"][key], back["layer1"][key]
        assert isinstance(u, mdl.Tensor) and u.dtype == t.dtype and u.shape == t.shape
        assert u.numpy().tobytes() == t.numpy().tobytes()  # bitwise
    assert isinstance(back["raw"], np.ndarray) and back["raw"].dtype == np.int16
    np.testing.assert_array_equal(back["raw"], obj["raw"])
    assert back["empty"].shape == (0, 3) and back["empty"].dtype == np.float32
    assert back["history"] == [0.5, 0.25, {"epoch": 2}]
    assert back["shape"] == (28, 28, 1) and isinstance(back["shape"], tuple)
    for key in ("name", "lr", "steps", "done", "note"):
        assert back[key] == obj[key] and type(back[key]) is type(obj[key])


def test_a_single_tensor_round_trips(tmp_path):
    t = mdl.tensor(np.linspace(-1, 1, 5), dtype="float64")
    mdl.save(t, tmp_path / "t.npz")
    back = mdl.load(tmp_path / "t.npz")
    assert back.dtype == np.float64 and back.numpy().tolist() == t.numpy().tolist()


def test_saving_overwrites_in_place_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "m.npz"
    mdl.save({"v": 1}, path)
    mdl.save({"v": 2}, path)
    assert mdl.load(path) == {"v": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_a_failure_mid_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    def crash_midway(handle, **arrays):
        handle.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    new = tmp_path / "new.npz"
    old = tmp_path / "old.npz"
    mdl.save({"w": mdl.ones(3)}, old)
    before = old.read_bytes()
    monkeypatch.setattr(np, "savez", crash_midway)
    for path in (new, old):
        with pytest.raises(OSError, match="disk full"):
            mdl.save({"w": mdl.zeros(3)}, path)
    monkeypatch.undo()
    assert not new.exists()
    assert old.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.npz"]  # no temporary left over
    np.testing.assert_array_equal(mdl.load(old)["w"].numpy(), np.ones(3))


@pytest.mark.parametrize("fraction", [0.02, 0.3, 0.6, 0.95, 0.999])
def test_truncated_files_are_reported(tmp_path, fraction):
    path = tmp_path / "m.npz"
    mdl.save({"w": mdl.randn(40, 40), "b": mdl.zeros(40)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(MinidlError, match="m.npz"):
        mdl.load(path)


@pytest.mark.parametrize("content", [b"", b"hello, not a model", bytes(range(256)) * 4, b"\x93NUMPY junk"])
def test_foreign_files_are_reported(tmp_path, content):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(MinidlError, match="not a minidl file"):
        mdl.load(path)


def test_other_zip_and_npz_files_are_reported(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    with zipfile.ZipFile(tmp_path / "other.npz", "w") as z:
        z.writestr("readme.txt", "hello")
    for name in ("plain.npz", "other.npz"):
        with pytest.raises(MinidlError, match="not a minidl file"):
            mdl.load(tmp_path / name)


@pytest.mark.parametrize("header, message", [
    ({"format": "something-else", "version": 1, "tree": {"value": 1}}, "not a minidl file"),
    ({"format": "minidl-archive", "version": 99, "tree": {"value": 1}}, "newer minidl"),
    ({"format": "minidl-archive", "version": 1, "tree": {"weird": 1}}, "corrupted"),
    ({"format": "minidl-archive", "version": 1, "tree": {"tensor": "a7"}}, "corrupted"),
    ({"format": "minidl-archive", "version": 1, "tree": {"list": 5}}, "corrupted"),
    ({"format": "minidl-archive", "version": 1, "tree": {"dict": [1, 2]}}, "corrupted"),
])
def test_tampered_headers_are_reported(tmp_path, header, message):
    path = tmp_path / "t.npz"
    np.savez(path, **{META: header_bytes(header)})
    with pytest.raises(MinidlError, match=message):
        mdl.load(path)


def test_invalid_json_header_is_reported(tmp_path):
    path = tmp_path / "j.npz"
    np.savez(path, **{META: np.frombuffer(b"{not json", dtype=np.uint8)})
    with pytest.raises(MinidlError, match="j.npz"):
        mdl.load(path)


UNPICKLED = []


def _record_unpickling():
    UNPICKLED.append(True)
    return 0


class Payload:
    """Unpickling this object would call ``_record_unpickling``: loading must not."""

    def __reduce__(self):
        return (_record_unpickling, ())


def test_loading_never_unpickles(tmp_path):
    path = tmp_path / "evil.npz"
    header = {"format": "minidl-archive", "version": 1, "tree": {"array": "a0"}}
    np.savez(path, a0=np.array([Payload()], dtype=object), **{META: header_bytes(header)})
    with pytest.raises(MinidlError):
        mdl.load(path)
    assert UNPICKLED == []


def test_object_arrays_cannot_be_saved(tmp_path):
    with pytest.raises(TypeError, match="Python objects"):
        mdl.save({"x": np.array([{}], dtype=object)}, tmp_path / "o.npz")


def test_non_string_keys_are_rejected(tmp_path):
    with pytest.raises(TypeError, match="keys must be strings"):
        mdl.save({1: mdl.ones(2)}, tmp_path / "k.npz")
