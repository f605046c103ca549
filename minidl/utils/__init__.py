"""Utilities shared by both APIs; ``minidl.utils.data`` is PyTorch's data loading API."""

from __future__ import annotations

from . import data

__all__ = ["data"]
