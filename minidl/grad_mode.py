"""Graph recording on or off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

One flag per thread, as in PyTorch (``torch/autograd/grad_mode.py``).
:meth:`minidl.autograd.Function.apply` reads it: with recording off, an op computes
its output and keeps nothing for the backward pass (inference, optimizer updates).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any


class _GradMode(threading.local):
    enabled = True  # graph recording on or off, one flag per thread (as PyTorch)


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    return _grad_mode.enabled


class set_grad_enabled:
    """Context manager (and decorator) that turns graph recording on or off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = bool(enabled)

    def __enter__(self) -> None:
        self.previous = _grad_mode.enabled
        _grad_mode.enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled = self.previous

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(self.enabled):
                return func(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """``with mdl.no_grad(): ...`` or ``@mdl.no_grad()``: compute without recording a graph."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Turn graph recording back on inside a ``no_grad`` block."""

    def __init__(self) -> None:
        super().__init__(True)
