"""The callback machinery: ``Callback`` (the base class), ``CallbackList`` and ``History``.

The callbacks users pass to ``fit`` live in :mod:`minidl.keras.callbacks`; this module
holds what the fit loop itself needs.  The fit loop calls, in this order::

    on_train_begin
      on_epoch_begin(epoch)
        on_train_batch_begin(batch) / on_train_batch_end(batch, logs)   # every batch
      on_epoch_end(epoch, logs)        # logs: {"loss": ..., "accuracy": ..., "val_loss": ...}
    on_train_end

``evaluate`` and ``predict`` have their own ``on_test_*`` / ``on_predict_*`` hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Callback", "CallbackList", "History", "HOOKS"]

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end")  # fmt: skip


class Callback:
    """Base class: override the hooks you need; each receives ``logs``, a dict or None."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_begin(batch, logs)  # the older name, as Keras

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs: dict | None = None) -> None: ...
    def on_test_end(self, logs: dict | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_begin(self, logs: dict | None = None) -> None: ...
    def on_predict_end(self, logs: dict | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


def _overrides(cb: Any, *names: str) -> bool:
    """Does ``cb`` define one of these hooks itself (class or instance), not the no-op base?"""
    return any(name in getattr(cb, "__dict__", {}) or getattr(type(cb), name, None) is not getattr(Callback, name)
               for name in names)  # fmt: skip


class CallbackList:
    """Calls a hook on every callback in turn.  Per-batch hooks are skipped entirely when
    no callback defines them, so an empty list costs nothing per step."""

    def __init__(self, callbacks: Any = None, add_history: bool = False, model: Any = None,
                 **params: Any) -> None:  # fmt: skip
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback) or not isinstance(callbacks, Iterable):
            callbacks = [callbacks]
        self.callbacks: list[Any] = []
        self.model, self.params = None, {}
        self._batch: dict[str, list] = {"train_begin": [], "train_end": []}
        for cb in callbacks:
            self.append(cb)
        if add_history and not any(isinstance(cb, History) for cb in self.callbacks):
            self.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Any) -> None:
        if not all(callable(getattr(callback, h, None)) for h in ("set_model", "set_params", *HOOKS)):
            raise TypeError(
                f"callbacks must be Callback objects (minidl.keras.callbacks.Callback), got {callback!r}"
            )
        self.callbacks.append(callback)
        if self.model is not None:  # a late arrival sees the same model and params
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)
        self._batch = {
            kind: [cb for cb in self.callbacks if _overrides(cb, *names)]
            for kind, names in (("train_begin", ("on_train_batch_begin", "on_batch_begin")),
                                ("train_end", ("on_train_batch_end", "on_batch_end")))
        }  # fmt: skip

    def defining(self, *hooks: str) -> list[Any]:
        """The callbacks that define one of ``hooks`` themselves (the rest would do nothing)."""
        return [cb for cb in self.callbacks if _overrides(cb, *hooks)]

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def set_model(self, model: Any) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._call("on_train_begin", logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        for cb in self._batch["train_begin"]:
            cb.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for cb in self._batch["train_end"]:
            cb.on_train_batch_end(batch, logs)

    def __getattr__(self, hook: str) -> Callable[..., None]:
        """The test/predict hooks, forwarded to every callback."""
        if hook in HOOKS:
            return lambda *args: self._call(hook, *args)
        raise AttributeError(hook)


class History(Callback):
    """Records the epoch logs: ``history.history["val_loss"]`` is a list, one value per epoch.
    ``fit`` returns it."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            try:
                self.model.history = self
            except AttributeError:
                pass
