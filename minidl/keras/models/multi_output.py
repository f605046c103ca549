"""Training a model with several outputs: one loss (and metrics) per output, as Keras does.

    model = Model(inputs, [class_probs, value])
    model.compile("adam", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["accuracy"]})
    model.fit(x, {"cls": labels, "reg": values})

The total loss is Σₖ wₖ·lossₖ(yₖ, ŷₖ).  The logs hold ``loss`` (the total), then
``<output>_loss`` for each output and ``<output>_<metric>`` for each metric, where
``<output>`` is the name of the layer that produces that output.  Losses, weights,
metrics and targets may be given as a list (in the order of the outputs) or as a dict
by output name; a single loss is used for every output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import Tensor
from .. import losses as losses_module
from .. import metrics as metrics_module
from . import data


def output_names(model: Any) -> list[str]:
    """The names Keras gives the outputs: the keys of a dict of outputs, else the layer
    producing each one."""
    if getattr(model, "_output_keys", None):
        return list(model._output_keys)
    return [t.history[0].name if t.history[2] is None else f"{t.history[0].name}_{t.history[2]}"
            for t in model.outputs]


def per_output(value: Any, names: list[str], what: str) -> list[Any]:
    """``value`` spread over the outputs: a dict by name, a list in order, or one value for all."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"{what} has keys {unknown} that are not output names; outputs are {names}")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"{what} has {len(value)} entries but the model has {len(names)} outputs {names}")
        return list(value)
    return [value] * len(names)


class OutputLosses(losses_module.Loss):
    """The compiled loss of a multi-output model: a weighted sum of one loss per output."""

    name = "loss"

    def __init__(self, names: list[str], loss: Any, loss_weights: Any = None) -> None:
        super().__init__()
        self.names = names
        chosen = per_output(loss, names, "loss")
        missing = [n for n, fn in zip(names, chosen) if fn is None]
        if missing:
            raise ValueError(f"loss has no entry for outputs {missing}; give one loss per output {names}")
        self.losses = [losses_module.get(fn) for fn in chosen]
        weights = per_output(1.0 if loss_weights is None else loss_weights, names, "loss_weights")
        self.weights = [1.0 if w is None else float(w) for w in weights]
        self.last: list[Tensor] = []  # each output's loss in the last call, for the logs

    def call(self, y_true: list, y_pred: list, sample_weight: Any) -> Tensor:
        self.last = [fn(t, p, sample_weight) for fn, t, p in zip(self.losses, y_true, y_pred)]
        total = self.last[0] * self.weights[0]
        for part, weight in zip(self.last[1:], self.weights[1:]):
            total = total + part * weight
        return total

    def check_targets(self, y_true: list, output_shape: list) -> None:
        for fn, t, shape in zip(self.losses, y_true, output_shape):
            fn.check_targets(t, shape)
            check_target_shape(t, shape)

    def trackers(self, metric_ids: Any, output_shapes: list) -> list[metrics_module.Mean]:
        """Per-output loss trackers, then each output's metrics, named ``<output>_<name>``."""
        trackers: list[metrics_module.Mean] = [_OutputLoss(self, i) for i in range(len(self.names))]
        if isinstance(metric_ids, dict) or _is_nested(metric_ids):
            chosen = per_output(metric_ids, self.names, "metrics")
        else:  # one flat list: the same metrics for every output
            chosen = [metric_ids] * len(self.names)
        for i, (ids, shape) in enumerate(zip(chosen, output_shapes)):
            ids = [] if ids is None else [ids] if isinstance(ids, str) or not isinstance(ids, (list, tuple)) else ids
            for m in ids:
                trackers.append(_OutputMetric(metrics_module.get(m, self.losses[i].name, shape), i, self.names[i]))
        return trackers


def _is_nested(metric_ids: Any) -> bool:
    """``[["accuracy"], ["mae"]]``: one list per output (else one list for every output)."""
    return isinstance(metric_ids, (list, tuple)) and any(isinstance(m, (list, tuple)) or m is None
                                                         for m in metric_ids)


class _OutputLoss(metrics_module.Mean):
    """The running mean of one output's loss (read from the last loss computation)."""

    def __init__(self, loss: OutputLosses, index: int) -> None:
        super().__init__(f"{loss.names[index]}_loss")
        self.loss, self.index = loss, index

    def update_from(self, y_true: Any, y_pred: Any) -> None:
        self.update(float(self.loss.last[self.index].data), data.num_samples(y_true[self.index]))


class _OutputMetric(metrics_module.Mean):
    """A metric of one output, named ``<output>_<metric>``."""

    def __init__(self, inner: metrics_module.Mean, index: int, output: str) -> None:
        super().__init__(f"{output}_{inner.name}")
        self.inner, self.index = inner, index

    def update_from(self, y_true: Any, y_pred: Any) -> None:
        self.inner.update_from(y_true[self.index], y_pred[self.index])

    def result(self) -> float:
        return self.inner.result()


def check_target_shape(y: np.ndarray, output_shape: tuple) -> None:
    """Targets must have the output's shape (a trailing axis of size 1 may be left out)."""
    if y.ndim == len(output_shape) and y.shape[1:] != tuple(output_shape[1:]) and \
            y.shape[1:] != (1,) and output_shape[1:] != (1,):
        raise ValueError(f"the targets have shape {y.shape} but the model outputs "
                         f"{output_shape}; check the last layer's units and the labels")


def as_targets(y: Any, names: list[str], name: str = "y", check_finite: bool = True) -> list[np.ndarray]:
    """Targets of a multi-output model: a list in output order, or a dict by output name."""
    if isinstance(y, dict):
        missing = [n for n in names if n not in y]
        if missing or set(y) - set(names):
            raise ValueError(f"{name} is a dict whose keys must be the output names {names}; "
                             f"missing {missing}, unknown {sorted(set(y) - set(names))}")
        y = [y[n] for n in names]
    if not isinstance(y, (list, tuple)) or len(y) != len(names):
        raise ValueError(f"the model has {len(names)} outputs {names}: give {name} as a list of "
                         f"{len(names)} arrays or a dict by output name")
    return [data.as_target_array(t, f"{name}[{n!r}]", check_finite) for t, n in zip(y, names)]
