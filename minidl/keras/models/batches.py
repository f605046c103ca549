"""``fit``, ``evaluate`` and ``predict`` on batches made by the data source, as Keras 3
accepts them: a Python generator, a ``PyDataset``-like object (``__len__`` and
``__getitem__(i)`` giving batch ``i``) or a ``DataLoader`` (minidl's or PyTorch's).

    def batches():                                  # an endless generator
        while True:
            rows = rng.integers(0, len(x), 32)
            yield x[rows], y[rows]                  # (x, y) or (x, y, sample_weight)
    model.fit(batches(), steps_per_epoch=100, epochs=5)
    model.fit(DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True), epochs=5)

Each batch is a tuple (or a list, as a DataLoader gives) ``(x,)``, ``(x, y)`` or
``(x, y, sample_weight)`` of arrays or tensors; ``predict`` also takes a bare ``x``.
The source sets the batch size (``batch_size`` is ignored, as in Keras), and ``y`` and
``sample_weight`` must come inside the batches.

When an epoch ends:

- without ``steps_per_epoch``, after one pass over the source.  A DataLoader or a
  PyDataset starts a new pass at every epoch.  A generator can be drained only once: an
  epoch that finds it empty stops training with a warning (Keras: "ran out of data");
- with ``steps_per_epoch``, after that many batches; the next epoch continues where
  this one stopped (a DataLoader or a PyDataset starting a new pass when one ends).

With ``shuffle=True`` (fit's default) a PyDataset's batches are visited in a new random
order each pass, as Keras does; a DataLoader shuffles itself (its own ``shuffle=``).
A PyDataset's ``on_epoch_begin()``/``on_epoch_end()`` are called around each epoch.
The training step, metrics, callbacks and progress bar are the ones ``fit`` uses on arrays.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import random
from ...autograd import Tensor, no_grad
from ...backend import to_numpy
from .. import metrics as metrics_module
from . import data


class BatchSource:
    """Batches from a generator ("stream"), a PyDataset ("indexed") or any re-iterable
    object such as a DataLoader ("iterable"), handed out one epoch at a time."""

    def __init__(self, source: Any, shuffle: bool, name: str) -> None:
        if hasattr(source, "__next__"):
            self.kind = "stream"
        elif hasattr(source, "__getitem__") and hasattr(source, "__len__"):
            self.kind = "indexed"
        else:
            self.kind = "iterable"
        self.source, self.name = source, name
        self.shuffle = bool(shuffle) and self.kind == "indexed"
        self._pass: Iterator[Any] | None = None  # the pass under way
        self.exhausted = False  # a generator that has ended

    def length(self) -> int | None:
        """Batches in one pass, when the source knows (None for a generator)."""
        if self.kind == "stream":
            return None
        try:
            return len(self.source)
        except TypeError:
            return None

    def _new_pass(self) -> Iterator[Any]:
        if self.kind == "stream":
            return self.source
        if self.kind == "indexed":
            n = len(self.source)
            order = random.generator().permutation(n) if self.shuffle else range(n)
            return (self.source[int(i)] for i in order)
        return iter(self.source)

    def epoch(self, steps: int | None) -> Iterator[Any]:
        """The batches of one epoch: ``steps`` of them, or one pass when ``steps`` is None."""
        if steps is None and self.kind != "stream":
            self._pass = None
        taken, fresh = 0, False
        while not self.exhausted and (steps is None or taken < steps):
            if self._pass is None:
                self._pass, fresh = self._new_pass(), True
            try:
                batch = next(self._pass)
            except StopIteration:
                self._pass = None
                self.exhausted = self.kind == "stream"
                if steps is None or fresh:  # one pass done, or a new pass that is empty
                    break
                continue
            fresh = False
            taken += 1
            yield batch

    def hook(self, name: str) -> None:
        """Call the source's ``on_epoch_begin``/``on_epoch_end`` when it has one (PyDataset)."""
        method = getattr(self.source, name, None)
        if callable(method):
            method()


def _unpack(batch: Any, step: int, name: str, targets: bool) -> list[Any]:
    """``[x, y, sample_weight]`` from one batch (None for the parts it lacks)."""
    if isinstance(batch, (tuple, list)) and 1 <= len(batch) <= 3:
        parts = [*batch, None, None][:3]
    elif not targets and not isinstance(batch, (tuple, list, dict)):
        parts = [batch, None, None]  # predict: a bare batch of inputs
    else:
        kind = f"a {type(batch).__name__} of {len(batch)}" if isinstance(batch, (tuple, list)) \
            else f"a {type(batch).__name__}"
        raise ValueError(f"batch {step} of {name} is {kind}; each batch must be a tuple (x, y) or "
                         "(x, y, sample_weight)")
    if targets and parts[1] is None:
        raise ValueError(f"batch {step} of {name} holds no targets; each batch must be a tuple (x, y) "
                         "or (x, y, sample_weight)")
    return parts


def _convert(model: Any, batch: Any, step: int, name: str, class_weight: Any = None) -> tuple:
    """One batch as checked arrays (x, y, sample_weight), as ``fit`` makes them from arrays."""
    x, y, sw = _unpack(batch, step, name, targets=True)
    x = model._as_inputs(x, f"x (batch {step} of {name})", check_finite=False)
    y = model._as_targets(y, f"y (batch {step} of {name})", check_finite=False)
    if sw is not None:
        sw = data.as_target_array(sw, f"sample_weight (batch {step} of {name})", False).astype(np.float32)
    data.check_lengths(x, y, sw)
    return x, y, data.weights_with_classes(y, class_weight, sw, f" (batch {step} of {name} holds sample weights)")


def _reject_arrays_beside(what: str, **given: Any) -> None:
    for name, value in given.items():
        if value is not None and value is not False and not (name == "validation_split" and value == 0):
            raise ValueError(f"{name} cannot be given when x is {what}: put the targets and sample "
                             "weights inside the batches, (x, y) or (x, y, sample_weight)"
                             if name != "validation_split" else
                             f"validation_split needs arrays, not {what}; pass validation_data= instead")


def _describe(source: Any) -> str:
    return f"a {type(source).__name__}"


def update_metrics(trackers: list, y_true: Any, y_pred: Any) -> None:
    """Add one batch to every metric; a cuda ``y_pred`` is copied to the host once for all."""
    if trackers and not isinstance(y_pred, (list, np.ndarray)):
        y_pred = to_numpy(y_pred)
    for m in trackers:
        m.update_from(y_true, y_pred)


def record_batch(step: int, loss: float, yb: Any, y_pred: Any, loss_tracker: Any, trackers: list,
                 names: list, callback_list: Any, bar: Any) -> dict:
    """After one training step (both fit loops): the running loss and metrics, as logs sorted
    by name for the callbacks' ``on_train_batch_end`` and the progress bar."""
    loss_tracker.update(loss, data.num_samples(yb))
    update_metrics(trackers, yb, y_pred)
    values = {"loss": loss_tracker.result(), **{m.name: m.result() for m in trackers}}
    logs = {name: values[name] for name in names}
    callback_list.on_train_batch_end(step, logs)
    bar.update(step + 1, logs)
    return logs


def fit(model: Any, x: Any, *, y: Any, epochs: int, verbose: Any, callbacks: Any, validation_split: float,
        validation_data: Any, shuffle: bool, class_weight: Any, sample_weight: Any, initial_epoch: int,
        steps_per_epoch: Any, validation_steps: Any, validation_batch_size: Any, validation_freq: int) -> Any:
    """``model.fit`` on a source of batches; returns the ``History``."""
    from ..callbacks import CallbackList, History

    _reject_arrays_beside(_describe(x), y=y, sample_weight=sample_weight, validation_split=validation_split)
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    verbose = data.check_verbose(verbose)
    steps = data.check_steps(steps_per_epoch, "steps_per_epoch")
    validation_steps = data.check_steps(validation_steps, "validation_steps")
    data.check_fit_counts(initial_epoch, validation_freq, validation_batch_size, validation_steps)
    source = BatchSource(x, shuffle, "x")
    val: Any = None
    if validation_data is not None:
        val = BatchSource(validation_data, False, "validation_data") if data.is_batch_source(validation_data) \
            else model._unpack_validation(validation_data)
    history = History()
    callback_list = CallbackList(callbacks, add_history=False, model=model)
    callback_list.append(history)
    callback_list.set_model(model)
    callback_list.set_params({"epochs": epochs, "steps": steps or source.length(), "verbose": verbose})
    object.__setattr__(model, "stop_training", False)
    model.train()
    callback_list.on_train_begin()
    state: dict = {"output_shape": None, "val": val, "class_weight": class_weight}
    logs: dict = {}
    try:
        for epoch in range(initial_epoch, epochs):
            epoch_logs = _fit_epoch(model, source, steps, epoch, epochs, verbose, callback_list, state,
                                    validation_steps, validation_batch_size, validation_freq)
            if epoch_logs is None:  # the generator had ended: nothing left to train on
                warnings.warn(f"x ran out of data after epoch {epoch}: a generator is drained once. Pass "
                              "a DataLoader or PyDataset (a new pass each epoch), or an endless generator "
                              "with steps_per_epoch=", stacklevel=3)
                break
            logs = epoch_logs
            callback_list.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    finally:
        object.__setattr__(model, "_fit_params", None)
    callback_list.on_train_end(logs)
    object.__setattr__(model, "history", history)
    return history


def _fit_epoch(model: Any, source: BatchSource, steps: int | None, epoch: int, epochs: int, verbose: int,
               callback_list: Any, state: dict, validation_steps: int | None, validation_batch_size: Any,
               validation_freq: int) -> dict | None:
    """One epoch of training on the source's batches; None when it had no batch left."""
    from ..progress import ProgressBar

    batches = source.epoch(steps)
    first = next(batches, None)
    if first is None:
        if state["output_shape"] is None:
            raise ValueError("x gave no batches: the generator or dataset is empty")
        return None
    callback_list.on_epoch_begin(epoch)
    source.hook("on_epoch_begin")
    loss_tracker = metrics_module.Mean("loss")
    trackers: list = []
    bar = ProgressBar(steps or source.length(), verbose, epoch=epoch, epochs=epochs)
    started = time.perf_counter()
    logs: dict = {}
    for step, batch in enumerate(_chain(first, batches)):
        xb, yb, swb = _convert(model, batch, step, "x", state["class_weight"])
        if state["output_shape"] is None:  # the first batch builds the model and checks the labels
            _prepare(model, xb, yb, state)
        if step == 0:
            trackers = model._metric_trackers(state["output_shape"])
            names = sorted(["loss", *[m.name for m in trackers]])  # Keras 3 reports logs sorted by name
        callback_list.on_train_batch_begin(step)
        try:
            loss, y_pred = model.train_step(xb, yb, swb)
        except data.NotFiniteData as error:
            raise data.NotFiniteData(f"batch {step} of epoch {epoch}: {error}") from None
        logs = record_batch(step, loss, yb, y_pred, loss_tracker, trackers, names, callback_list, bar)
        if model.stop_training:
            break
    source.hook("on_epoch_end")
    val = state["val"]
    if val is not None and (epoch + 1) % validation_freq == 0:
        quiet = ProgressBar(0, 0)
        if isinstance(val, BatchSource):
            val_logs = evaluate_source(model, val, validation_steps, state["output_shape"], callback_list, quiet)
        else:
            val_logs = model._evaluate_batches(*val, validation_batch_size or 32, state["output_shape"],
                                               callback_list, quiet)
        logs = dict(sorted({**logs, **{f"val_{k}": v for k, v in val_logs.items()}}.items()))
        model.train()
    bar.finish(logs, time.perf_counter() - started)
    return logs


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _prepare(model: Any, x: Any, y: Any, state: dict) -> None:
    """Build the model on the first batch, check its labels (and array validation data),
    then look up the parameters ``train_step`` updates (they exist only once built)."""
    state["output_shape"] = model._prepare(x, y)
    val = state["val"]
    if val is not None and not isinstance(val, BatchSource):
        model._prepare(val[0], val[1])
    model.train()
    object.__setattr__(model, "_fit_params", None)
    object.__setattr__(model, "_fit_params", model._step_params())


def evaluate_source(model: Any, source: BatchSource, steps: int | None, output_shape: Any,
                    callback_list: Any, bar: Any) -> dict:
    """Loss and metrics over the source's batches in inference mode (evaluate, validation);
    the same hooks and logs as ``_evaluate_batches`` on arrays."""
    model.eval()
    loss_tracker = metrics_module.Mean("loss")
    trackers: list = []
    batch_callbacks = callback_list.defining("on_test_batch_begin", "on_test_batch_end")
    callback_list.on_test_begin()
    started = time.perf_counter()
    logs: dict = {}
    with no_grad():
        for step, batch in enumerate(source.epoch(steps)):
            for cb in batch_callbacks:
                cb.on_test_batch_begin(step)
            xb, yb, swb = _convert(model, batch, step, source.name)
            if output_shape is None:
                output_shape = model._prepare(xb, yb)
            if step == 0:
                trackers = model._metric_trackers(output_shape)
            y_pred = model._forward(xb, training=False)
            loss = float(model._total_loss(yb, y_pred, swb).data)
            if not math.isfinite(loss):
                try:
                    data.find_not_finite({"x": xb, "y": yb, "sample_weight": swb}, slice(0, None))
                except data.NotFiniteData as error:
                    raise data.NotFiniteData(f"batch {step} of {source.name}: {error}") from None
            loss_tracker.update(loss, data.num_samples(yb))
            update_metrics(trackers, yb, y_pred.data if isinstance(y_pred, Tensor) else [p.data for p in y_pred])
            logs = {"loss": loss_tracker.result(), **{m.name: m.result() for m in trackers}}
            for cb in batch_callbacks:
                cb.on_test_batch_end(step, dict(sorted(logs.items())))
            bar.update(step + 1, dict(sorted(logs.items())))
    if not logs:
        raise ValueError(f"{source.name} gave no batches to evaluate on")
    bar.finish(dict(sorted(logs.items())), time.perf_counter() - started)
    callback_list.on_test_end(dict(sorted(logs.items())))
    return logs


def evaluate(model: Any, x: Any, *, y: Any, verbose: Any, sample_weight: Any, return_dict: bool,
             callbacks: Any, steps: Any) -> Any:
    """``model.evaluate`` on a source of batches: one pass, or ``steps`` batches."""
    from ..callbacks import CallbackList
    from ..progress import ProgressBar

    model._require_compiled("evaluate")
    _reject_arrays_beside(_describe(x), y=y, sample_weight=sample_weight)
    verbose = data.check_verbose(verbose)
    steps = data.check_steps(steps, "steps")
    source = BatchSource(x, False, "x")
    callback_list = CallbackList(callbacks, model=model)
    callback_list.set_params({"epochs": 1, "steps": steps or source.length(), "verbose": verbose})
    logs = evaluate_source(model, source, steps, None, callback_list, ProgressBar(steps or source.length(), verbose))
    model.train()
    if return_dict:
        return dict(sorted(logs.items()))
    values = [data.log_value(v) for v in logs.values()]  # [loss, *metrics] in compile order
    return values[0] if len(values) == 1 else values


def predict(model: Any, x: Any, *, verbose: Any, steps: Any, callbacks: Any) -> Any:
    """``model.predict`` on a source of batches (their targets, if any, are ignored)."""
    from ..callbacks import CallbackList
    from ..progress import ProgressBar

    verbose = data.check_verbose(verbose)
    steps = data.check_steps(steps, "steps")
    source = BatchSource(x, False, "x")
    was_training = model.training
    model.eval()
    outputs: list = []
    callback_list = CallbackList(callbacks, model=model)
    batch_callbacks = callback_list.defining("on_predict_batch_begin", "on_predict_batch_end")
    callback_list.on_predict_begin()
    bar = ProgressBar(steps or source.length(), verbose)
    started = time.perf_counter()
    with no_grad():
        for step, batch in enumerate(source.epoch(steps)):
            for cb in batch_callbacks:
                cb.on_predict_batch_begin(step)
            xb = model._as_inputs(_unpack(batch, step, "x", targets=False)[0], f"x (batch {step})",
                                  check_finite=False)
            out = model._forward(xb, training=False)
            outputs.append(to_numpy(out.data) if isinstance(out, Tensor) else [to_numpy(o.data) for o in out])
            if not all(np.isfinite(o).all() for o in (outputs[-1] if isinstance(out, list) else [outputs[-1]])):
                try:
                    data.find_not_finite({"x": xb}, slice(0, None))
                except data.NotFiniteData as error:
                    raise data.NotFiniteData(f"batch {step} of x: {error}") from None
            for cb in batch_callbacks:
                cb.on_predict_batch_end(step, {"outputs": outputs[-1]})
            bar.update(step + 1, {})
    model.train(was_training)
    if not outputs:
        raise ValueError("x gave no batches to predict on")
    bar.finish({}, time.perf_counter() - started)
    callback_list.on_predict_end()
    if isinstance(outputs[0], list):  # several outputs: join the batches of each one
        joined = [np.concatenate(parts, axis=0) for parts in zip(*outputs)]
        keys = getattr(model, "_output_keys", None)  # outputs given as a dict: a dict, as Keras
        return dict(zip(keys, joined)) if keys else joined
    return np.concatenate(outputs, axis=0)
