"""``cupy.cuda`` of the fake CuPy: one pretend device (0), a null stream, nothing asynchronous."""

from __future__ import annotations

import types
from typing import Any

runtime = types.SimpleNamespace(getDeviceCount=lambda: 1, getDevice=lambda: 0)


def is_available() -> bool:
    return True


class Device:
    """CUDA device 0, the only one; a context manager, as in CuPy."""

    compute_capability = "90"

    def __init__(self, device: int | None = None) -> None:
        self.id = int(device or 0)
        if self.id != 0:
            raise ValueError(f"fake cupy: there is no device {self.id}, only device 0")

    def use(self) -> None:
        """Nothing to switch: there is one device."""

    def synchronize(self) -> None:
        """Nothing to wait for: every operation has finished when it returns."""

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id}>"


class Stream:
    """A stream whose work is always done (everything runs synchronously)."""

    null: Stream

    def synchronize(self) -> None:
        """Nothing to wait for."""


Stream.null = Stream()


def get_current_stream() -> Stream:
    return Stream.null
