"""The Numba cache guard: cached kernels go when any kernel source changes."""

from __future__ import annotations

from pathlib import Path

from minidl.kernels import cache_guard


def _kernels_folder(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    for name in ("a.f-3.py311.nbi", "a.f-3.py311.0.nbc", "b.cpython-311.pyc"):
        (cache / name).write_bytes(b"compiled")
    return tmp_path


def test_cache_is_dropped_once_then_kept_until_a_source_changes(tmp_path):
    folder = _kernels_folder(tmp_path)
    cache = folder / "__pycache__"
    assert cache_guard.drop_stale_cache(folder)  # no fingerprint yet: the cache may be stale
    assert sorted(p.name for p in cache.iterdir()) == ["b.cpython-311.pyc", cache_guard.STAMP_NAME]
    (cache / "a.f-3.py311.nbi").write_bytes(b"compiled again")
    assert not cache_guard.drop_stale_cache(folder)  # same sources: kept
    assert (cache / "a.f-3.py311.nbi").exists()
    (folder / "b.py").write_text("y = 3\n")  # a source the cached kernel may call changed
    assert cache_guard.drop_stale_cache(folder)
    assert not (cache / "a.f-3.py311.nbi").exists() and (cache / "b.cpython-311.pyc").exists()
    assert not list(cache.glob("*.tmp"))  # the stamp is written whole, then renamed


def test_fingerprint_covers_names_and_contents(tmp_path):
    folder = _kernels_folder(tmp_path)
    first = cache_guard.sources_fingerprint(folder)
    assert first == cache_guard.sources_fingerprint(folder)
    (folder / "a.py").rename(folder / "c.py")
    assert cache_guard.sources_fingerprint(folder) != first


def test_missing_or_read_only_cache_folder_is_not_an_error(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text("x = 1\n")
    assert not cache_guard.drop_stale_cache(tmp_path)  # no __pycache__ at all
    folder = _kernels_folder(tmp_path / "ro")

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(Path, "unlink", refuse)  # (root ignores chmod, so refuse by hand)
    monkeypatch.setattr(Path, "write_text", refuse)
    assert not cache_guard.drop_stale_cache(folder)  # nothing removed, nothing raised
    assert (folder / "__pycache__" / "a.f-3.py311.nbi").exists()


def test_the_package_cache_matches_the_sources_after_import():
    import minidl.kernels  # noqa: F401  (runs the guard)

    stamp = cache_guard.KERNELS_DIR / "__pycache__" / cache_guard.STAMP_NAME
    if stamp.exists():  # absent only where the package folder is read-only
        assert stamp.read_text() == cache_guard.sources_fingerprint()
