"""``keras.utils.Progbar``: the progress bar custom training loops draw themselves.

    bar = keras.utils.Progbar(len(batches))
    for step, batch in enumerate(batches, 1):
        loss = train_step(batch)
        bar.update(step, values=[("loss", loss)])

Values named in ``values`` are averaged over the steps they were given for, each
weighted by the steps since the previous update (Keras's rule), unless they are
listed in ``stateful_metrics`` (shown as given).  As in Keras 3, the final update
(``current >= target`` or ``finalize=True``) shows the value given there as is: Keras
assumes the loop passes its running mean at the end.  ``fit`` uses its own bar
(:mod:`minidl.keras.progress`); this class only reuses its formatting.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from .progress import _format_value, format_duration, format_per_step


class Progbar:
    """A progress bar of ``target`` steps (None: unknown) drawn on stdout.

    ``verbose=1`` redraws one line (at most every ``interval`` seconds) and ends it at the
    final update; ``verbose=2`` prints only the final line; ``verbose=0`` prints nothing.
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics: Iterable[str] | None = None, stateless_metrics: Iterable[str] | None = None,
                 unit_name: str = "step") -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar takes stateful_metrics (averaged unless listed) or stateless_metrics "
                             "(shown as given unless listed), not both")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int) or target < 0):
            raise ValueError(f"Progbar target must be a non-negative int or None, got {target!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"Progbar verbose must be 0, 1 or 2, got {verbose!r}")
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"Progbar width must be a positive int, got {width!r}")
        self.target, self.width, self.verbose = target, int(width), verbose
        self.interval, self.unit_name = interval, unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._values: dict[str, list[float]] = {}  # name -> [weighted sum, weight]
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._last_width = 0

    def _averaged(self, name: str) -> bool:
        if self.stateless_metrics is not None:
            return name in self.stateless_metrics
        return name not in self.stateful_metrics

    def update(self, current: int, values: Iterable[tuple[str, Any]] | None = None,
               finalize: bool | None = None) -> None:
        """``current`` steps done; ``values`` a list of ``(name, value of the last step)``."""
        if isinstance(current, bool) or not isinstance(current, (int, np.integer)):
            raise TypeError(f"Progbar.update current must be an int (steps done), got {current!r}")
        if values is not None and (isinstance(values, (str, bytes)) or not hasattr(values, "__iter__")):
            raise TypeError(f"Progbar.update values must be a list of (name, value) pairs, got {values!r}")
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            value = float(value)
            if finalize or not self._averaged(name):
                self._values[name] = [value, 1.0]
            else:
                weight = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0.0])
                self._values[name] = [total + value * weight, count + weight]
        self._seen_so_far = current
        now = time.time()
        if self.verbose == 0 or (self.verbose == 2 and not finalize):
            return
        if self.verbose == 1 and not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        line = self._line(current, now - self._start, finalize)
        if self.verbose == 1:
            pad = " " * max(self._last_width - len(line), 0)
            self._last_width = len(line)
            sys.stdout.write("\r" + line + pad + ("\n" if finalize else ""))
        else:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def add(self, n: int, values: Iterable[tuple[str, Any]] | None = None) -> None:
        """``update`` after ``n`` more steps."""
        self.update(self._seen_so_far + n, values)

    def _line(self, current: int, elapsed: float, finalize: bool) -> str:
        per_step = format_per_step(elapsed / max(current, 1), self.unit_name)
        if self.verbose == 2:  # Keras's one-line summary: "4/4 - 0s - 3us/step - loss: ..."
            line = f"{current}/{self.target or current} - {elapsed:.0f}s - {per_step}"
        elif not self.target:
            line = f"{current:7d}/Unknown {elapsed:.0f}s {per_step}"
        else:
            done = int(self.width * min(current, self.target) / self.target)
            line = f"{current:{len(str(self.target))}d}/{self.target} [" + "=" * done + "." * (self.width - done) + "]"
            if finalize or current <= 0:
                line += f" {elapsed:.0f}s {per_step}"
            else:
                line += f" - ETA: {format_duration(elapsed / current * (self.target - current))}"
        for name, (total, count) in self._values.items():
            line += f" - {name}: {_format_value(total / max(count, 1))}"
        return line
