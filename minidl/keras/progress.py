"""The training progress bar that ``fit``/``evaluate``/``predict`` print (Keras look).

``verbose=1``, redrawn in place on one line while an epoch runs, then kept::

    Epoch 1/5
    844/844 [==============================] - 12s 14ms/step - loss: 0.1523 - accuracy: 0.9541

``verbose=2``: only the final line of each epoch (``844/844 - 12s - 14ms/step - loss: ...``);
``verbose=0``: nothing.

Drawing costs a few microseconds, and the bar redraws at most every ``interval``
seconds (0.1 by default), so it never slows training.  The values shown are the
ones passed in, i.e. the running means the fit loop keeps (as Keras 3's logs).
When the output is not a terminal or a notebook (a file, a pipe, a CI log), only
the final line of each epoch is written, so logs do not fill with redraws.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

__all__ = ["ProgressBar", "format_duration", "format_per_step"]

WIDTH = 30


def format_duration(seconds: float) -> str:
    """``"7s"``, ``"1:02"`` (minutes:seconds) or ``"1:02:03"``, as Keras' ETA."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds}s"


def format_per_step(seconds: float, unit: str = "step") -> str:
    """``"2s/step"``, ``"14ms/step"`` or ``"830us/step"``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def _format_value(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"


def _interactive(stream: TextIO) -> bool:
    """Can we redraw a line with ``\\r``?  Terminals and Jupyter/IPython can."""
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # closed stream
        return False
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


class ProgressBar:
    """One epoch's progress: ``update(step, logs)`` after each batch, ``finish(logs)`` at the end.

    ``target_steps`` may be None (unknown length: shows ``12/Unknown``).  ``metric_names``
    fixes the order of the values shown (others follow in the order given).  With
    ``epoch`` and ``epochs`` the bar first prints ``Epoch 3/5`` (when ``epochs > 1``).
    """

    def __init__(self, target_steps: int | None, verbose: int = 1,
                 metric_names: Sequence[str] | None = None, *, epoch: int | None = None,
                 epochs: int | None = None, interval: float = 0.1, unit: str = "step",
                 file: TextIO | None = None) -> None:  # fmt: skip
        self.target = target_steps
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.metric_names = list(metric_names or [])
        self.interval = interval
        self.unit = unit
        self.file = file
        self.start = time.perf_counter()
        self._next_draw = 0.0  # draw on the first update
        self._last_width = 0
        self._seen = 0
        self._finished = False
        if self.verbose and epoch is not None and epochs is not None and epochs > 1:
            self._write(f"Epoch {epoch + 1}/{epochs}\n")

    # -- output ------------------------------------------------------------------------
    def _stream(self) -> TextIO:
        return self.file if self.file is not None else sys.stdout  # resolved late: capture works

    def _write(self, text: str) -> None:
        stream = self._stream()
        stream.write(text)
        stream.flush()

    def _values(self, logs: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> str:
        if not logs:
            return ""
        items = dict(logs.items() if isinstance(logs, Mapping) else logs)
        names = [n for n in self.metric_names if n in items] + [n for n in items if n not in self.metric_names]
        return "".join(f" - {n}: {_format_value(items[n])}" for n in names)

    def _counter(self, current: int) -> str:
        if self.target is None:
            return f"{current}/Unknown"
        digits = len(str(self.target))
        return f"{current:{digits}d}/{self.target}"

    def _bar(self, current: int) -> str:
        if self.target is None or self.target <= 0:
            return ""
        done = int(WIDTH * min(current, self.target) / self.target)
        head = ">" if current < self.target else "="
        return " [" + ("=" * (done - 1) + head if done > 0 else "") + "." * (WIDTH - done) + "]"

    # -- public ------------------------------------------------------------------------
    def update(self, current: int, logs: Mapping[str, Any] | None = None) -> None:
        """Steps done so far (1-based) and the running values; redraws at most every ``interval``."""
        self._seen = current
        if self.verbose != 1:
            return
        now = time.perf_counter()
        if now < self._next_draw:
            return
        self._next_draw = now + self.interval
        if not _interactive(self._stream()):
            return
        elapsed = now - self.start
        line = self._counter(current) + self._bar(current)
        if self.target is not None and current < self.target and current > 0:
            line += f" - ETA: {format_duration(elapsed / current * (self.target - current))}"
        else:
            line += f" - {elapsed:.0f}s"
        line += self._values(logs)
        pad = " " * max(self._last_width - len(line), 0)
        self._last_width = len(line)
        self._write("\r" + line + pad)

    def finish(self, logs: Mapping[str, Any] | None = None, elapsed: float | None = None) -> None:
        """Print the final line: steps, total time, time per step and the final values."""
        if self._finished or not self.verbose:
            self._finished = True
            return
        self._finished = True
        elapsed = time.perf_counter() - self.start if elapsed is None else elapsed
        steps = self.target if self.target is not None else self._seen
        per_step = format_per_step(elapsed / max(steps, 1), self.unit)
        counter = self._counter(steps) if self.target is not None else f"{steps}/{steps}"
        if self.verbose == 1:
            line = f"{counter}{self._bar(steps)} - {elapsed:.0f}s {per_step}"
        else:
            line = f"{counter} - {elapsed:.0f}s - {per_step}"
        line += self._values(logs)
        redraw = self.verbose == 1 and _interactive(self._stream())
        pad = " " * max(self._last_width - len(line), 0) if redraw else ""
        self._write(("\r" if redraw else "") + line + pad + "\n")
