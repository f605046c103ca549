"""Interpretability: which inputs does a model's prediction depend on?

Three methods, from model-agnostic to gradient-based:

* :func:`permutation_importance` — shuffle one feature column at a time and measure
  how much the score drops.  Works with any model (even a black box), on tabular data.
* :func:`saliency` — the input gradient |∂f_c(x)/∂x|: how strongly the class-c score
  reacts to a tiny change of each input value (Simonyan et al., 2014).
* :func:`integrated_gradients` — the gradient averaged along the straight path from a
  baseline x' (e.g. a black image) to x, times (x - x') (Sundararajan et al., 2017):

      IG_i(x) = (x_i - x'_i) · ∫₀¹ ∂f_c(x' + α(x - x')) / ∂x_i dα

  Completeness: Σ_i IG_i(x) = f_c(x) - f_c(x') (the fundamental theorem of calculus
  along the path), so the attributions split the change of the output among the inputs.

The gradient methods run minidl's autograd on the *inputs* (``requires_grad=True`` on
the data instead of the weights); they take a Keras-style model, an ``nn.Module`` or
any function from a Tensor to a Tensor built from minidl ops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import metrics as metrics_module
from . import random as mdl_random
from .autograd import Tensor, no_grad
from .backend import to_numpy

# name -> (metric, greater_is_better, what the metric needs from the model's output)
METRICS: dict[str, tuple[Callable, bool, str]] = {
    "accuracy": (metrics_module.accuracy, True, "labels"),
    "f1_macro": (lambda t, p: metrics_module.f1(t, p, average="macro"), True, "labels"),
    "log_loss": (metrics_module.log_loss, False, "probabilities"),
    "r2": (metrics_module.r2, True, "values"),
    "mse": (metrics_module.mse, False, "values"),
    "mae": (metrics_module.mae, False, "values"),
}


def as_function(model_or_fn: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A NumPy-in, NumPy-out prediction function for a Keras-style model, an
    ``nn.Module``, an object with ``predict_proba``/``predict`` (scikit-learn) or a callable."""
    from .keras.models.model import Model
    from .nn.module import Module

    if isinstance(model_or_fn, Model):
        return lambda X: model_or_fn.predict(X, verbose=0)
    if isinstance(model_or_fn, Module):
        def predict(X: np.ndarray) -> np.ndarray:
            with no_grad():
                return to_numpy(_forward(model_or_fn, Tensor(np.asarray(X))))
        return predict
    for name in ("predict_proba", "predict"):
        method = getattr(model_or_fn, name, None)
        if callable(method):
            return lambda X: to_numpy(method(X))
    if callable(model_or_fn):
        return lambda X: to_numpy(model_or_fn(X))
    raise TypeError(f"expected a model or a function X -> predictions, got {type(model_or_fn).__name__}")


def _forward(model: Any, x: Tensor) -> Tensor:
    """Run ``model`` on a Tensor in inference mode (Dropout off, BatchNorm moving statistics)."""
    from .keras.layers.base import Layer
    from .nn.module import Module

    if isinstance(model, Layer):
        return model(x, training=False)
    if isinstance(model, Module):
        was_training = model.training
        model.eval()
        try:
            return model(x)
        finally:
            model.train(was_training)
    if callable(model):
        return model(x)
    raise TypeError(f"expected a minidl model or a function Tensor -> Tensor, got {type(model).__name__}")


# ---------------------------------------------------------------- permutation importance

@dataclass
class PermutationImportance:
    """Result of :func:`permutation_importance`; ``importances`` is (features, repeats)."""

    importances: np.ndarray
    baseline_score: float
    metric: str

    @property
    def importances_mean(self) -> np.ndarray:
        return self.importances.mean(axis=1)

    @property
    def importances_std(self) -> np.ndarray:
        return self.importances.std(axis=1)

    def ranking(self) -> np.ndarray:
        """Feature indices, most important first."""
        return np.argsort(-self.importances_mean, kind="stable")

    def table(self, feature_names: list[str] | None = None) -> str:
        names = feature_names or [f"feature {j}" for j in range(len(self.importances))]
        width = max(len(n) for n in names)
        lines = [f"baseline {self.metric}: {self.baseline_score:.4f}",
                 f"{'feature':<{width}}  importance ± std"]
        for j in self.ranking():
            lines.append(f"{names[j]:<{width}}  {self.importances_mean[j]:+.4f} ± {self.importances_std[j]:.4f}")
        return "\n".join(lines)


def _adapt_predictions(y_true: np.ndarray, scores: np.ndarray, needs: str) -> tuple[np.ndarray, np.ndarray]:
    """Turn raw model outputs into what the metric expects (labels, probabilities, values)."""
    if needs == "values":  # regression: a column vector (n, 1) compares as a vector
        squeeze = lambda a: a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a  # noqa: E731
        return squeeze(y_true), squeeze(scores)
    if y_true.ndim == 2 and y_true.shape[1] > 1:  # one-hot targets -> class ids
        y_true = y_true.argmax(axis=1)
    y_true = y_true.reshape(len(y_true))
    if scores.ndim == 2 and scores.shape[1] > 1:
        return y_true, (scores.argmax(axis=1) if needs == "labels" else scores)
    p = scores.reshape(len(scores))  # one probability per example: binary classification
    return y_true, ((p > 0.5).astype(int) if needs == "labels" else p)


def permutation_importance(model_or_fn: Any, X: Any, y: Any, metric: str | Callable = "accuracy",
                           n_repeats: int = 5, seed: int | None = None,
                           greater_is_better: bool = True) -> PermutationImportance:
    """How much the score drops when one feature's values are shuffled across examples.

        importance_j = score(X) - score(X with column j permuted)     (mean over n_repeats)

    Shuffling breaks the link between feature j and the target while keeping its
    distribution, so a feature the model relies on gives a large drop and an unused
    one about zero.  ``metric`` is a name from ``METRICS`` (``"accuracy"``, ``"r2"``,
    ``"mse"``, ...; model outputs are turned into labels or values as needed) or a
    callable ``metric(y_true, y_pred)`` used on the raw outputs, with
    ``greater_is_better=False`` for losses.  Features are the columns of
    ``X.reshape(len(X), -1)``.  ``seed=None`` uses minidl's generator (``manual_seed``).
    """
    predict = as_function(model_or_fn)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty array of examples (n, features), got shape {X.shape}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}; they must have the same length")
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive int, got {n_repeats!r}")
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; valid names are {sorted(METRICS)} or a callable")
        fn, greater_is_better, needs = METRICS[metric]
        name = metric

        def score(Xs: np.ndarray) -> float:
            return float(fn(*_adapt_predictions(y, predict(Xs), needs)))
    else:
        name = getattr(metric, "__name__", "score")

        def score(Xs: np.ndarray) -> float:
            return float(metric(y, predict(Xs)))

    rng = np.random.default_rng(seed) if seed is not None else mdl_random.generator()
    flat = X.reshape(len(X), -1)
    baseline = score(X)
    sign = 1.0 if greater_is_better else -1.0
    importances = np.zeros((flat.shape[1], n_repeats))
    for j in range(flat.shape[1]):
        for r in range(n_repeats):
            shuffled = flat.copy()
            shuffled[:, j] = shuffled[rng.permutation(len(X)), j]
            importances[j, r] = sign * (baseline - score(shuffled.reshape(X.shape)))
    return PermutationImportance(importances, baseline, name)


# ---------------------------------------------------------------- gradient methods

def _input_tensor(x: Any) -> Tensor:
    """Inputs as a leaf Tensor that records gradients; float64 data stays float64."""
    x = to_numpy(x)
    dtype = np.float64 if x.dtype == np.float64 else np.float32
    return Tensor(x.astype(dtype), requires_grad=True)


def _classes(out: np.ndarray, class_index: Any) -> np.ndarray:
    """The output column to explain for each example: given, or the predicted class."""
    n = out.shape[0]
    if class_index is None:
        return out.argmax(axis=1) if out.shape[1] > 1 else np.zeros(n, dtype=int)
    classes = np.broadcast_to(np.asarray(class_index, dtype=int), (n,))
    if classes.min() < 0 or classes.max() >= out.shape[1]:
        raise ValueError(f"class_index must be in [0, {out.shape[1] - 1}] (the model has "
                         f"{out.shape[1]} outputs), got {class_index!r}")
    return classes


def _class_gradients(model: Any, x: Tensor, classes: np.ndarray | None,
                     class_index: Any) -> tuple[np.ndarray, np.ndarray]:
    """∂ f_c(x_n) / ∂ x_n for every example n at once, and the classes used.

    Examples do not interact in inference mode, so the gradient of Σ_n f_{c_n}(x_n)
    with respect to x_n is the gradient of example n's own score.
    """
    out = _forward(model, x)
    if not isinstance(out, Tensor):
        raise TypeError(f"the model must return a minidl Tensor, got {type(out).__name__}")
    out2 = out.reshape(out.shape[0], -1) if out.ndim != 1 else out.reshape(out.shape[0], 1)
    if classes is None:
        classes = _classes(to_numpy(out2.data), class_index)
    mask = np.zeros(out2.shape, dtype=out2.dtype)
    mask[np.arange(len(classes)), classes] = 1
    (out2 * mask).sum().backward()
    return to_numpy(x.grad.data), classes


def saliency(model: Any, x: Any, class_index: Any = None) -> np.ndarray:
    """|∂ f_c(x) / ∂ x| for a batch ``x`` (same shape as ``x``).

    ``class_index``: the output to explain (an int, or one per example); default the
    predicted class (the largest output).  For images, ``.max(axis=-1)`` of the result
    gives one value per pixel, ready for :func:`minidl.plot.saliency`.
    """
    grads, _ = _class_gradients(model, _input_tensor(x), None, class_index)
    return np.abs(grads)


def integrated_gradients(model: Any, x: Any, baseline: Any = None, steps: int = 50,
                         class_index: Any = None) -> np.ndarray:
    """Integrated-gradients attributions for each example of the batch ``x``.

    The path integral is approximated by the midpoint rule with ``steps`` points
    α_k = (k - ½)/steps, which is exact for a linear model and errs by O(1/steps²):

        IG(x) ≈ (x - x') · (1/steps) Σ_k ∇f_c(x' + α_k (x - x'))

    ``baseline`` x' defaults to zeros (a black image, an all-zero row); it may be one
    example (broadcast to the batch) or one per example.  ``class_index`` defaults to
    the class predicted at x.  Pass float64 ``x`` for the most accurate sums: then
    ``attributions.sum()`` matches f_c(x) - f_c(x') closely (completeness).
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    x = to_numpy(x)
    x = x.astype(np.float64 if x.dtype == np.float64 else np.float32)
    base = np.zeros_like(x) if baseline is None else to_numpy(baseline).astype(x.dtype)
    try:
        base = np.broadcast_to(base, x.shape)
    except ValueError:
        raise ValueError(f"baseline of shape {base.shape} does not fit the inputs of shape {x.shape}") from None
    with no_grad():
        classes = _classes(to_numpy(_forward(model, Tensor(x)).data).reshape(len(x), -1), class_index)
    alphas = ((np.arange(steps) + 0.5) / steps).astype(x.dtype)
    alphas = alphas.reshape((steps,) + (1,) * (x.ndim - 1))
    attributions = np.empty_like(x)
    for n in range(len(x)):  # one batch of `steps` points along the path per example
        path = base[n:n + 1] + alphas * (x[n:n + 1] - base[n:n + 1])
        grads, _ = _class_gradients(model, _input_tensor(path), np.full(steps, classes[n]), None)
        attributions[n] = (x[n] - base[n]) * grads.mean(axis=0)
    return attributions
