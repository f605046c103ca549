"""Allocator policy: applied on glibc Linux, never against the user's own settings."""

from __future__ import annotations

import platform
import sys

import pytest

from minidl.kernels import memory


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*memory.USER_VARIABLES, "MINIDL_MALLOC"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the policy is for glibc's malloc",
)
def test_applies_on_glibc(clean_env):
    assert memory.configure_memory() is True


@pytest.mark.parametrize(
    "name, value",
    [("MALLOC_MMAP_THRESHOLD_", "131072"), ("MALLOC_TRIM_THRESHOLD_", "0"),
     ("MALLOC_TOP_PAD_", "0"), ("MINIDL_MALLOC", "default")],
)
def test_leaves_the_allocator_to_the_user(clean_env, name, value):
    clean_env.setenv(name, value)
    assert memory.configure_memory() is False
