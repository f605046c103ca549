"""``Model``: compile and fit — the Keras training API (evaluate, predict, metrics_names: inference.py).

One training loop serves every model kind (Sequential, functional, subclassed).
Each step is what a PyTorch-style loop would write by hand:

    y_pred = model(x, training=True)            # forward, recording the graph
    loss = loss_fn(y, y_pred) + Σ penalties     # plus kernel_regularizer terms
    loss.backward()                             # reverse-mode autograd
    optimizer.apply(trainable_weights)          # update with the gradients
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ... import random
from ...autograd import Tensor
from ...backend import default_device, to_device
from ...errors import MinidlError
from .. import losses as losses_module
from .. import metrics as metrics_module
from ..layers.base import Layer
from . import batches, data, multi_output
from .inference import Inference


class Model(Inference, Layer):
    """Base of all Keras models.  Subclass it and define ``call``, or use
    ``Sequential`` / ``Model(inputs, outputs)``."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and ("inputs" in kwargs or (args and not isinstance(args[0], str))):
            from .functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args: Any, name: str | None = None, **kwargs: Any) -> None:
        if not hasattr(self, "_parameters"):
            super().__init__(name=name, **kwargs)
        object.__setattr__(self, "optimizer", None)
        object.__setattr__(self, "loss", None)
        object.__setattr__(self, "compiled_metrics", [])
        object.__setattr__(self, "stop_training", False)
        object.__setattr__(self, "history", None)
        object.__setattr__(self, "_compile_config", None)

    # -- structure -------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return [m for m in self._modules.values() if isinstance(m, Layer)]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            n = len(self.layers)
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not -n <= index < n:
                raise ValueError(f"get_layer(index={index!r}): model {self.name!r} has {n} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"no layer named {name!r}; layers are {[layer.name for layer in self.layers]}")

    @property
    def weights(self) -> list[Any]:
        """Each layer's weights in turn, including state such as BatchNorm's moving statistics."""
        return [w for layer in self.layers for w in layer.weights] if self.layers else super().weights

    @property
    def non_trainable_weights(self) -> list[Any]:
        """Each layer's frozen parameters and state arrays (BatchNorm's moving statistics)."""
        if not self.layers:
            return super().non_trainable_weights
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    def get_weights(self) -> list[np.ndarray]:
        if not self.layers:
            return super().get_weights()
        return [w for layer in self.layers for w in layer.get_weights()]

    def _checked_weights(self, weights: list[Any]) -> list:
        """Each layer's arrays, checked (by the layer) before set_weights writes any of them."""
        if not self.layers:
            return super()._checked_weights(weights)
        sizes = [len(layer.get_weights()) for layer in self.layers]
        if len(weights) != sum(sizes):
            raise ValueError(f"model {self.name!r} expects {sum(sizes)} weight arrays, got {len(weights)}")
        starts = np.cumsum([0, *sizes])
        return [layer._checked_weights(list(weights[a:b])) for layer, a, b in zip(self.layers, starts, starts[1:])]

    def _write_weights(self, arrays: list) -> None:
        if not self.layers:
            return super()._write_weights(arrays)
        for layer, layer_arrays in zip(self.layers, arrays):
            layer._write_weights(layer_arrays)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"model {self.name!r} is not built yet: call it on data or give input_shape")
        return int(sum(layer.count_params() for layer in self.layers)) if self.layers \
            else super().count_params()

    def summary(self, print_fn: Any = None) -> None:
        from .summary import summary_text

        (print_fn or print)(summary_text(self))

    # -- compile ----------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, **kwargs: Any) -> None:
        """Choose the optimizer, the loss and the metrics reported during training."""
        from .. import optimizers

        ignored = {"run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss",
                   "weighted_metrics"}
        unknown = set(kwargs) - ignored
        if unknown:
            raise TypeError(f"compile() got unexpected arguments: {sorted(unknown)}")
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='sparse_categorical_crossentropy'")
        object.__setattr__(self, "optimizer", optimizers.get(optimizer))
        names = self._output_names(loss)
        if names is None:
            if isinstance(loss, (list, tuple)):  # [loss] for the single output
                loss = loss[0]
            object.__setattr__(self, "loss", losses_module.get(loss))
        else:  # several outputs: one loss (and metrics) per output
            object.__setattr__(self, "loss", multi_output.OutputLosses(names, loss, loss_weights))
        if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
            metrics = [metrics]
        metrics = metrics if isinstance(metrics, dict) else list(metrics or [])
        object.__setattr__(self, "_metric_ids", metrics)
        self._metric_trackers((None, 2) if names is None else [(None, 2)] * len(names))  # unknown names fail now
        custom_loss = isinstance(self.loss, (losses_module._FunctionLoss, multi_output.OutputLosses))
        object.__setattr__(self, "_compile_config", {
            "loss": None if custom_loss else losses_module.serialize(self.loss),
            "metrics": [s for s in map(metrics_module.serialize, self._metric_ids) if s is not None],
        })

    def _output_names(self, loss: Any) -> list[str] | None:
        """The output names of a model trained with one loss per output, None for one output."""
        outputs = getattr(self, "outputs", None)
        if outputs is not None and len(outputs) > 1:
            return multi_output.output_names(self)
        if isinstance(loss, dict):
            raise ValueError(f"loss is a dict, but model {self.name!r} has a single output; pass one loss")
        if isinstance(loss, (list, tuple)) and len(loss) != 1:
            if outputs is None:  # a subclassed model: its outputs are known only when called
                return [f"output_{i}" for i in range(len(loss))]
            raise ValueError(f"loss has {len(loss)} entries, but model {self.name!r} has a single output")
        return None

    def _require_compiled(self, what: str) -> None:
        if self.optimizer is None or self.loss is None:
            raise MinidlError(f"you must call model.compile(optimizer, loss) before model.{what}()")

    def _metric_trackers(self, output_shape: Any) -> list[metrics_module.Mean]:
        if isinstance(self.loss, multi_output.OutputLosses):
            return self.loss.trackers(self._metric_ids, output_shape)
        return metrics_module.unique_names([metrics_module.get(m, self.loss.name, output_shape)
                                            for m in self._metric_ids])

    def _as_targets(self, y: Any, name: str = "y", check_finite: bool = True) -> Any:
        """The targets as arrays: one per output for a multi-output model."""
        if isinstance(self.loss, multi_output.OutputLosses):
            return multi_output.as_targets(y, self.loss.names, name, check_finite)
        return data.as_target_array(y, name, check_finite)

    # -- inputs -----------------------------------------------------------------------------------
    def _as_inputs(self, x: Any, name: str = "x", check_finite: bool = True) -> Any:
        """The model inputs as float arrays (a list for several inputs), shape-checked once."""
        x = data.as_input_array(self._arrange_inputs(x, name), name, check_finite)
        self._check_input_shape(x)
        return x

    def _arrange_inputs(self, x: Any, name: str) -> Any:
        """Hook for models with named inputs (the functional API accepts a dict)."""
        if isinstance(x, dict):
            raise TypeError(f"{name} is a dict, but model {self.name!r} has no named inputs; pass an array")
        return x

    def _check_input_shape(self, x: Any) -> None:
        """Hook: raise a clear error when ``x`` (the whole data) does not fit the model's input."""

    # -- one step ---------------------------------------------------------------------------------
    def _data_device(self) -> str:
        """Where the batches go: the weights' device (the default device before they exist)."""
        p = next(self.parameters(), None)
        return default_device() if p is None else p.device

    def _forward(self, x: Any, training: bool, device: str | None = None) -> Tensor:
        """The model on a batch of host arrays, copied first to ``device`` (the weights' device)."""
        device = device or self._data_device()
        if device != "cpu":
            x = [to_device(a, device) for a in x] if isinstance(x, list) else to_device(x, device)
        inputs = [Tensor._wrap(a) for a in x] if isinstance(x, list) else Tensor._wrap(x)
        out = self(inputs, training=training)
        return list(out.values()) if isinstance(out, dict) else out  # dict outputs: in their order

    def _total_loss(self, y: np.ndarray, y_pred: Tensor, sample_weight: Any,
                    regularized: list | None = None) -> Tensor:
        """The compiled loss plus every kernel_regularizer penalty (as Keras reports it)."""
        loss = self.loss(y, y_pred, sample_weight)
        if regularized is None:
            regularized = [p for p in self.parameters() if p.regularizer is not None]
        for p in regularized:
            loss = loss + p.regularizer(p)
        return loss

    def _step_params(self) -> tuple[list, list]:
        """(trainable parameters, regularized parameters), looked up once per fit()."""
        cached = self.__dict__.get("_fit_params")
        return cached or (self.trainable_weights, [p for p in self.parameters() if p.regularizer is not None])

    def train_step(self, x: Any, y: np.ndarray, sample_weight: Any = None,
                   index: Any = slice(0, None)) -> tuple[float, np.ndarray]:
        """One optimisation step on one batch; returns (loss value, predictions).

        A NaN or infinite loss first has the batch (rows ``index`` of the data) searched
        for NaN and infinities, which raise :class:`data.NotFiniteData` before any update."""
        params, regularized = self._step_params()
        y_pred = self._forward(x, training=True, device=params[0].device if params else None)
        loss = self._total_loss(y, y_pred, sample_weight, regularized)
        value = float(loss.data)
        if not math.isfinite(value):
            data.find_not_finite({"x": x, "y": y, "sample_weight": sample_weight}, index)
        if params and loss.requires_grad:  # no trainable weights: nothing to update, as in Keras
            for p in params:
                p.grad = None
            loss.backward()
            self.optimizer.apply(params)
        return value, y_pred.data if isinstance(y_pred, Tensor) else [p.data for p in y_pred]

    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = None, class_weight: dict | None = None,
                       return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """One update on one batch; the loss and metrics of the batch before the update."""
        self._require_compiled("train_on_batch")
        x, y = self._as_inputs(x), self._as_targets(y)
        sample_weight = data.as_sample_weight(sample_weight)
        data.check_lengths(x, y, sample_weight)
        loss, y_pred = self.train_step(x, y, data.weights_with_classes(y, class_weight, sample_weight))
        shapes = [(None, *p.shape[1:]) for p in y_pred] if isinstance(y_pred, list) else y_pred.shape
        trackers = self._metric_trackers(shapes)
        for m in trackers:
            m.update_from(y, y_pred)
        values = {"loss": loss, **{m.name: m.result() for m in trackers}}
        return dict(sorted(values.items())) if return_dict else loss if not trackers else list(values.values())

    # -- fit ----------------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> Any:
        """Train for ``epochs`` passes over (x, y), or over the batches of a generator,
        PyDataset or DataLoader ``x`` (see batches.py); returns a ``History``."""
        from ..callbacks import CallbackList, History

        self._require_compiled("fit")
        if data.is_batch_source(x):  # batch_size is unused: the source makes the batches
            return batches.fit(self, x, y=y, epochs=epochs, verbose=verbose, callbacks=callbacks,
                               validation_split=validation_split, validation_data=validation_data,
                               shuffle=shuffle, class_weight=class_weight, sample_weight=sample_weight,
                               initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                               validation_steps=validation_steps, validation_batch_size=validation_batch_size,
                               validation_freq=validation_freq)
        batch_size = data.check_batch_size(batch_size)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
        verbose = data.check_verbose(verbose)
        steps_per_epoch = data.check_steps(steps_per_epoch, "steps_per_epoch")
        data.check_fit_counts(initial_epoch, validation_freq, validation_batch_size, validation_steps)
        # NaN and infinities are looked for only in a batch whose loss is not finite (train_step)
        x, y = self._as_inputs(x, check_finite=False), self._as_targets(y, check_finite=False)
        sw = data.as_sample_weight(sample_weight)
        data.check_lengths(x, y, sw)
        sw = data.weights_with_classes(y, class_weight, sw)
        val = None
        if validation_data is not None:
            val = self._unpack_validation(validation_data)
        elif validation_split:
            (x, y, sw), val = data.split_validation(x, y, sw, validation_split)
            val = (self._as_inputs(val[0], "x (validation part)"),  # checked for NaN here, once
                   self._as_targets(val[1], "y (validation part)"), *val[2:])
        output_shape = self._prepare(x, y)
        if val is not None:
            self._prepare(val[0], val[1])  # checked once here, not at every epoch's validation
        history = History()
        callback_list = CallbackList(callbacks, add_history=False, model=self)
        callback_list.append(history)
        n = data.num_samples(x)
        steps = -(-n // batch_size)
        steps = steps if steps_per_epoch is None else min(steps, steps_per_epoch)
        callback_list.set_model(self)
        callback_list.set_params({"epochs": epochs, "steps": steps, "verbose": verbose})
        object.__setattr__(self, "stop_training", False)
        self.train()
        callback_list.on_train_begin()
        object.__setattr__(self, "_fit_params", None)
        object.__setattr__(self, "_fit_params", self._step_params())
        logs: dict = {}
        try:
            for epoch in range(initial_epoch, epochs):
                logs = self._fit_epoch(x, y, sw, batch_size, steps, shuffle, epoch, epochs, verbose,
                                       callback_list, output_shape, val, validation_batch_size,
                                       validation_freq)
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:
            object.__setattr__(self, "_fit_params", None)
        callback_list.on_train_end(logs)
        object.__setattr__(self, "history", history)
        return history

    def _fit_epoch(self, x, y, sw, batch_size, steps, shuffle, epoch, epochs, verbose, callback_list,
                   output_shape, val, validation_batch_size, validation_freq) -> dict:
        from ..progress import ProgressBar

        callback_list.on_epoch_begin(epoch)
        n = data.num_samples(x)
        order = random.generator().permutation(n) if shuffle else None
        loss_tracker = metrics_module.Mean("loss")
        trackers = self._metric_trackers(output_shape)
        names = sorted(["loss", *[m.name for m in trackers]])  # Keras 3 reports logs sorted by name
        bar = ProgressBar(steps, verbose, epoch=epoch, epochs=epochs)
        started = time.perf_counter()
        logs: dict = {}
        for step, index in enumerate(data.batch_slices(n, batch_size, order)):
            if step >= steps:
                break
            callback_list.on_train_batch_begin(step)
            yb = data.take(y, index)
            loss, y_pred = self.train_step(data.take(x, index), yb, None if sw is None else sw[index],
                                           index)
            logs = batches.record_batch(step, loss, yb, y_pred, loss_tracker, trackers, names,
                                        callback_list, bar)
            if self.stop_training:
                break
        if val is not None and (epoch + 1) % validation_freq == 0:
            val_logs = self._evaluate_batches(*val, validation_batch_size or batch_size, output_shape,
                                              callback_list, ProgressBar(0, 0))
            logs = dict(sorted({**logs, **{f"val_{k}": v for k, v in val_logs.items()}}.items()))
            self.train()
        bar.finish(logs, time.perf_counter() - started)
        return logs

    def _prepare(self, x: Any, y: np.ndarray) -> tuple:
        """Build the model on one sample, check input and label shapes; return the output shape.

        The probe records a (one-sample) graph on purpose: it then runs the training
        kernels, which fit compiles anyway, not the fused inference ones (~20 s of Numba
        compilation on a cold cache that a run without evaluate/predict never needs)."""
        probe = self._forward(data.take(x, slice(0, 1)), training=False)
        if isinstance(probe, Tensor):
            output_shape: Any = (None, *probe.shape[1:])
            self.loss.check_targets(y, output_shape)
            multi_output.check_target_shape(y, output_shape)
        elif not isinstance(self.loss, multi_output.OutputLosses):
            raise ValueError(f"model {self.name!r} has {len(probe)} outputs: compile it with one loss "
                             "per output, e.g. loss=['mse', 'mse'] or a dict by output name")
        else:
            output_shape = [(None, *p.shape[1:]) for p in probe]
            self.loss.check_targets(y, output_shape)
        return output_shape

    def _unpack_validation(self, validation_data: Any) -> tuple:
        """``validation_data`` as checked arrays: (x_val, y_val, sample_weight or None)."""
        return data.unpack_validation(self, validation_data)

    # -- saving -------------------------------------------------------------------------------------
    def save(self, filepath: str, overwrite: bool = True, **kwargs: Any) -> None:
        """Save architecture, weights and optimizer state in one file (``.keras`` suggested)."""
        from .saving import save_model

        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        from .saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str) -> None:
        from .saving import load_weights

        load_weights(self, filepath)

    def export(self, filepath: str, format: str = "onnx") -> None:  # noqa: A002 (Keras's name)
        """Export for inference: ``format="onnx"`` writes an ONNX file (``pip install .[onnx]``)."""
        from ... import onnx

        if format != "onnx":  # never write another format's file under the name asked for
            raise ValueError(f"model.export supports format='onnx' only, got format={format!r}")
        onnx.export(self, filepath)
