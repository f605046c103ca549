"""Numba's on-disk cache, kept in step with the kernels' sources.

``@njit(cache=True)`` stores each compiled kernel in ``__pycache__`` and reuses it
while the kernel's *own* source file is unchanged (same modification time and size).
It does not look at the files of the functions a kernel calls: ``adam_blocks`` in
optim_parallel.py compiles ``_adam_nb`` from optim_updates.py into itself, so after
a ``git pull`` that changes only optim_updates.py it would go on running the old
update.  minidl therefore keeps a fingerprint of all the kernels' sources next to
the cache; when it no longer matches, the cached kernels are removed once and
compile again on first use (or with ``python -m minidl.kernels.warmup``).

Only the cache beside the sources is guarded, not one under ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

KERNELS_DIR = Path(__file__).resolve().parent
STAMP_NAME = "minidl-kernels.sha256"


def sources_fingerprint(folder: Path = KERNELS_DIR) -> str:
    """SHA-256 of every ``*.py`` file of ``folder`` (names and contents, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def drop_stale_cache(folder: Path = KERNELS_DIR) -> bool:
    """Remove the compiled kernels cached in ``folder/__pycache__`` if the sources changed
    since they were compiled; True when something was removed.  Never raises for a
    read-only or missing cache folder (Numba then caches elsewhere or not at all)."""
    cache = folder / "__pycache__"
    stamp = cache / STAMP_NAME
    try:
        fingerprint = sources_fingerprint(folder)
        if stamp.read_text() == fingerprint:
            return False
    except FileNotFoundError:
        pass
    except OSError:
        return False
    removed = False
    try:
        for path in list(cache.glob("*.nbi")) + list(cache.glob("*.nbc")):
            path.unlink(missing_ok=True)
            removed = True
        partial = cache / f"{STAMP_NAME}.{os.getpid()}.tmp"  # written whole, then renamed
        partial.write_text(fingerprint)
        os.replace(partial, stamp)
    except OSError:
        pass
    return removed
