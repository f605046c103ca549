"""``evaluate`` and ``predict``: a Keras model's forward pass in batches, in inference mode.

:class:`Inference` holds these methods; :class:`~minidl.keras.models.model.Model` inherits
them, together with what they use: ``_as_inputs``, ``_forward``, ``_total_loss``...
No graph is recorded (``no_grad``), and Dropout and BatchNormalization run as at test time.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ...autograd import Tensor, no_grad
from ...backend import to_numpy
from .. import metrics as metrics_module
from . import batches, data, multi_output


class Inference:
    """The inference half of the Keras ``Model`` API (a mixin of :class:`Model`)."""

    # tf.keras 2 methods that Keras 3 removed: the error says what replaced them
    def predict_classes(self, *args: Any, **kwargs: Any) -> Any:
        raise AttributeError("predict_classes was removed (TF 2.6, Keras 3): write np.argmax(model.predict(x), "
                             "axis=-1), or (model.predict(x) > 0.5).astype('int32') for one sigmoid output")

    def fit_generator(self, *args: Any, **kwargs: Any) -> Any:
        raise AttributeError("fit_generator was removed (Keras 3): model.fit(generator, ...) takes generators")

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as JSON (no weights): ``models.model_from_json`` rebuilds it."""
        from .cloning import model_to_json

        return model_to_json(self, **kwargs)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Any:
        """A new Sequential or functional model from ``get_config()``; a subclassed model's
        own config goes to its constructor, as for any layer."""
        from .cloning import from_config

        if isinstance(config, dict) and "layers" in config and cls.__module__.startswith("minidl.keras"):
            return from_config(cls, config, custom_objects)
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_config expects the dict of get_config(), got "
                            f"{type(config).__name__}")
        return cls(**config)

    @property
    def metrics_names(self) -> list[str]:
        """The names of ``evaluate()``'s values, ``["loss", *metrics]`` in compile order ([] before
        compile).  Keras 3 lists ``["loss", "compile_metrics"]`` here, which does not match them."""
        if self.loss is None:
            return []
        multi = isinstance(self.loss, multi_output.OutputLosses)
        return ["loss", *[m.name for m in self._metric_trackers([(None, 2)] * len(self.loss.names)
                                                                  if multi else (None, 2))]]

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, return_dict: bool = False,
                 callbacks: Any = None, steps: int | None = None) -> Any:
        """Loss and metrics on (x, y): ``[loss, *metrics]`` as floats (a float without metrics)."""
        from ..callbacks import CallbackList
        from ..progress import ProgressBar

        self._require_compiled("evaluate")
        if data.is_batch_source(x):  # a generator, PyDataset or DataLoader of (x, y) batches
            return batches.evaluate(self, x, y=y, verbose=verbose, sample_weight=sample_weight,
                                    return_dict=return_dict, callbacks=callbacks, steps=steps)
        batch_size = data.check_batch_size(batch_size)
        verbose = data.check_verbose(verbose)
        steps = data.check_steps(steps, "steps")
        # NaN and infinities are looked for only in a batch whose loss is not finite
        x, y = self._as_inputs(x, check_finite=False), self._as_targets(y, check_finite=False)
        sw = data.as_sample_weight(sample_weight)
        data.check_lengths(x, y, sw)
        if steps is not None:  # as Keras: only the first `steps` batches
            first = slice(0, steps * batch_size)
            x, y, sw = data.take(x, first), data.take(y, first), None if sw is None else sw[first]
        output_shape = self._prepare(x, y)
        callback_list = CallbackList(callbacks, model=self)
        steps = -(-data.num_samples(x) // batch_size)
        callback_list.set_params({"epochs": 1, "steps": steps, "verbose": verbose})
        logs = self._evaluate_batches(x, y, sw, batch_size, output_shape, callback_list,
                                      ProgressBar(steps, verbose))
        self.train()
        if return_dict:
            return dict(sorted(logs.items()))  # sorted by name, as Keras 3
        values = [data.log_value(v) for v in logs.values()]  # [loss, *metrics] in compile order
        return values[0] if len(values) == 1 else values

    def _evaluate_batches(self, x: Any, y: np.ndarray, sw: Any, batch_size: int, output_shape: tuple,
                          callback_list: Any, bar: Any) -> dict:
        """The loss and metrics over checked data in inference mode (evaluate, fit's validation).

        Calls the callbacks' ``on_test_*`` hooks; the per-batch ones only for callbacks that
        define them.  They and the progress bar see the logs sorted by name (as in Keras 3);
        the dict returned keeps the compile order, ``[loss, *metrics]``."""
        self.eval()
        loss_tracker = metrics_module.Mean("loss")
        trackers = self._metric_trackers(output_shape)
        batch_callbacks = callback_list.defining("on_test_batch_begin", "on_test_batch_end")
        callback_list.on_test_begin()
        started = time.perf_counter()
        logs: dict = {}
        device = self._data_device()
        with no_grad():
            for step, index in enumerate(data.batch_slices(data.num_samples(x), batch_size, None)):
                for cb in batch_callbacks:
                    cb.on_test_batch_begin(step)
                yb = data.take(y, index)
                y_pred = self._forward(data.take(x, index), training=False, device=device)
                swb = None if sw is None else sw[index]
                loss = float(self._total_loss(yb, y_pred, swb).data)
                if not math.isfinite(loss):
                    data.find_not_finite({"x": data.take(x, index), "y": yb, "sample_weight": swb}, index)
                loss_tracker.update(loss, data.num_samples(yb))
                batches.update_metrics(trackers, yb,
                                       y_pred.data if isinstance(y_pred, Tensor) else [p.data for p in y_pred])
                logs = {"loss": loss_tracker.result(), **{m.name: m.result() for m in trackers}}
                for cb in batch_callbacks:
                    cb.on_test_batch_end(step, dict(sorted(logs.items())))
                bar.update(step + 1, dict(sorted(logs.items())))
        bar.finish(dict(sorted(logs.items())), time.perf_counter() - started)
        callback_list.on_test_end(dict(sorted(logs.items())))
        return logs

    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
        return self.evaluate(x, y, batch_size=data.num_samples(self._as_inputs(x)), verbose=0,
                             sample_weight=sample_weight, return_dict=return_dict)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: Any = None) -> np.ndarray:
        """Model outputs for ``x`` as a NumPy array, computed in batches in inference mode
        (a list of arrays, one per output, for a model with several outputs)."""
        from ..callbacks import CallbackList
        from ..progress import ProgressBar

        if data.is_batch_source(x):  # a generator, PyDataset or DataLoader of batches
            return batches.predict(self, x, verbose=verbose, steps=steps, callbacks=callbacks)
        batch_size = data.check_batch_size(batch_size)
        verbose = data.check_verbose(verbose)
        x = self._as_inputs(x, check_finite=False)  # NaN: looked for where an output is not finite
        data.check_lengths(x, None)  # several inputs: the same number of samples each
        n = data.num_samples(x)
        was_training = self.training
        self.eval()
        outputs = []
        callback_list = CallbackList(callbacks, model=self)
        batch_callbacks = callback_list.defining("on_predict_batch_begin", "on_predict_batch_end")
        callback_list.on_predict_begin()
        bar = ProgressBar(-(-n // batch_size), verbose)
        started = time.perf_counter()
        device = self._data_device()
        with no_grad():
            for step, index in enumerate(data.batch_slices(n, batch_size, None)):
                for cb in batch_callbacks:
                    cb.on_predict_batch_begin(step)
                xb = data.take(x, index)
                out = self._forward(xb, training=False, device=device)
                outputs.append(to_numpy(out.data) if isinstance(out, Tensor) else [to_numpy(o.data) for o in out])
                if not all(np.isfinite(o).all() for o in (outputs[-1] if isinstance(out, list) else [outputs[-1]])):
                    data.find_not_finite({"x": xb}, index)
                for cb in batch_callbacks:
                    cb.on_predict_batch_end(step, {"outputs": outputs[-1]})
                bar.update(step + 1, {})
        bar.finish({}, time.perf_counter() - started)
        callback_list.on_predict_end()
        self.train(was_training)
        if isinstance(outputs[0], list):  # several outputs: join the batches of each one
            joined = [np.concatenate(parts, axis=0) for parts in zip(*outputs)]
            keys = getattr(self, "_output_keys", None)  # outputs given as a dict: a dict, as Keras
            return dict(zip(keys, joined)) if keys else joined
        return np.concatenate(outputs, axis=0)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        return self.predict(x, batch_size=data.num_samples(self._as_inputs(x)), verbose=0)
