"""Keras normalisation layers: BatchNormalization, Normalization (``adapt``), LayerNormalization.

BatchNormalization shares its maths (and fused backward) with ``minidl.nn.BatchNorm``
through :func:`minidl.nn.normalization.batch_norm`; only the conventions differ:

    Keras:    moving = momentum·moving + (1 - momentum)·batch,   momentum = 0.99,
              the biased batch variance (divide by m), epsilon = 1e-3
    PyTorch:  running = (1 - momentum)·running + momentum·batch,  momentum = 0.1,
              the unbiased batch variance (divide by m - 1), eps = 1e-5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import Tensor
from ...backend import default_device, default_dtype, to_device, to_numpy
from ...errors import NotReadyError, ShapeError
from ...nn.normalization import batch_norm
from .. import initializers, regularizers
from .base import Layer

EPSILON = 1e-7  # keras.backend.epsilon(): the floor of Normalization's standard deviation


def _axis_index(layer: Layer, axis: int, ndim: int) -> int:
    """A non-negative axis index that is not the batch axis, or a clear error."""
    if not -ndim <= axis < ndim or axis % ndim == 0:
        raise ValueError(f"{type(layer).__name__} layer {layer.name!r}: axis {axis} is invalid for "
                         f"input of rank {ndim}; expected a non-batch axis in [1, {ndim - 1}] or negative")
    return axis % ndim


def _known(layer: Layer, input_shape: tuple, axes: tuple[int, ...]) -> tuple[int, ...]:
    dims = tuple(input_shape[a] for a in axes)
    if any(n is None for n in dims):
        raise ShapeError(f"{type(layer).__name__} layer {layer.name!r} needs known sizes on axes {axes}, "
                         f"got input shape {input_shape}")
    return dims


class BatchNormalization(Layer):
    """Normalise each feature (channel) over the batch, then scale by γ and shift by β.

    Training (``training=True``):  y = γ·(x - μ_B)/√(σ²_B + ε) + β with the statistics of
    the batch, and the moving statistics updated as an exponential moving average.
    Inference (``training`` False or None, ``predict``): the moving statistics replace
    μ_B and σ²_B.  As in Keras, a layer with ``trainable=False`` always runs in inference mode.
    Weights, in Keras's order: gamma, beta (trainable), moving_mean, moving_variance (state).
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, **kwargs: Any) -> None:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"BatchNormalization axis must be an int, got {axis!r}")
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization momentum must be a number in [0, 1], got {momentum!r}")
        if not isinstance(epsilon, (int, float)) or epsilon <= 0:
            raise ValueError(f"BatchNormalization epsilon must be a positive number, got {epsilon!r}")
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def build(self, input_shape: tuple) -> None:
        axis = _axis_index(self, self.axis, len(input_shape))
        (channels,) = _known(self, input_shape, (axis,))
        if self.scale:
            self.add_weight("gamma", (channels,), self.gamma_initializer, self.gamma_regularizer)
        if self.center:
            self.add_weight("beta", (channels,), self.beta_initializer, self.beta_regularizer)
        dtype, device = default_dtype(), default_device()  # the device add_weight's parameters are on
        self.register_buffer("moving_mean", to_device(np.asarray(self.moving_mean_initializer((channels,), dtype)),
                                                      device))
        self.register_buffer("moving_variance",
                             to_device(np.asarray(self.moving_variance_initializer((channels,), dtype)), device))

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        channels = self.moving_mean.shape[0]
        axis = _axis_index(self, self.axis, max(x.ndim, 2))
        if x.ndim < 2 or x.ndim != len(self.input_spec_shape) or x.shape[axis] != channels:
            raise ShapeError(f"BatchNormalization layer {self.name!r} expected input of rank "
                             f"{len(self.input_spec_shape)} with {channels} features on axis {self.axis}, "
                             f"got shape {x.shape}")
        # The shared kernel normalises the last axis: move the feature axis there and back.
        last = x.ndim - 1
        perm = None if axis == last else [*[a for a in range(x.ndim) if a != axis], axis]
        if perm is not None:
            x = x.transpose(perm)
        gamma = self.gamma if self.scale else Tensor(x.xp.ones(channels, dtype=x.dtype))
        beta = self.beta if self.center else Tensor(x.xp.zeros(channels, dtype=x.dtype))
        y = batch_norm(x, gamma, beta, self.moving_mean, self.moving_variance,
                       training=bool(training) and self.trainable, momentum=self.momentum,
                       eps=self.epsilon, new_weight=False, unbiased_running_var=False,
                       check_batch=False)
        return y if perm is None else y.transpose(list(np.argsort(perm)))

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer)}


class Normalization(Layer):
    """Standardise features with a mean and variance learned from data by :meth:`adapt`.

        y = (x - mean) / max(√variance, 1e-7)          (``invert=True``: x·max(√var, 1e-7) + mean)

    ``axis`` names the feature axes that keep their own statistics (default -1: one
    mean per last-axis feature; ``None``: one scalar mean and variance).  The statistics
    are state, not trainable weights: ``get_weights()`` returns [mean, variance, count]
    as Keras does, so they are saved with the model.  Pass ``mean=`` and ``variance=``
    to fix them instead of calling ``adapt``.
    """

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False,
                 **kwargs: Any) -> None:
        if axis is not None and not isinstance(axis, (int, np.integer, list, tuple)):
            raise TypeError(f"Normalization axis must be an int, a list of ints or None, got {axis!r}")
        if (mean is None) != (variance is None):
            raise ValueError("Normalization needs both mean= and variance=, or neither (then call adapt())")
        super().__init__(**kwargs)
        self.axis = None if axis is None else (int(axis),) if np.ndim(axis) == 0 else tuple(map(int, axis))
        self.invert = bool(invert)
        self.input_mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.input_variance = None if variance is None else np.asarray(variance, dtype=np.float64)
        if self.input_variance is not None and (self.input_variance < 0).any():
            raise ValueError("Normalization variance= must be non-negative")
        object.__setattr__(self, "_symbolic", False)

    def _feature_axes(self, ndim: int) -> tuple[int, ...]:
        return () if self.axis is None else tuple(sorted(_axis_index(self, a, ndim) for a in self.axis))

    def _statistics_shape(self, input_shape: tuple) -> tuple[int, ...]:
        """Shape that broadcasts against the input: feature axes kept, others size 1."""
        keep = self._feature_axes(len(input_shape))
        sizes = _known(self, input_shape, keep)
        shape = [1] * len(input_shape)
        for a, n in zip(keep, sizes):
            shape[a] = n
        return tuple(shape[1:])  # without the batch axis: broadcasting adds it back

    def build(self, input_shape: tuple) -> None:
        shape = self._statistics_shape(tuple(input_shape))
        object.__setattr__(self, "stats_shape", shape)
        dtype = default_dtype()
        if self.input_mean is not None:
            try:
                mean = np.broadcast_to(self.input_mean, shape)
                var = np.broadcast_to(self.input_variance, shape)
            except ValueError:
                raise ShapeError(f"Normalization layer {self.name!r}: mean/variance of shapes "
                                 f"{self.input_mean.shape}/{self.input_variance.shape} do not fit the "
                                 f"feature shape {shape} of input {input_shape}") from None
            object.__setattr__(self, "fixed_stats", (mean.astype(dtype), var.astype(dtype)))
            return
        # The statistics keep only the feature axes (Keras's weight shapes); call() reshapes them.
        features = tuple(input_shape[a] for a in self._feature_axes(len(input_shape)))
        self.register_buffer("mean", np.zeros(features, dtype=dtype))
        self.register_buffer("variance", np.ones(features, dtype=dtype))
        self.register_buffer("count", np.zeros((), dtype=np.int64))  # examples seen by adapt (Keras)

    def adapt(self, data: Any) -> None:
        """Compute the mean and (biased) variance of ``data`` over every non-feature axis.

        ``data`` is an array (or Tensor) of examples, batch first, like the layer's input.
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization layer {self.name!r} was given mean= and variance=; "
                             "adapt() would overwrite them")
        array = to_numpy(data.data) if isinstance(data, Tensor) else np.asarray(data)
        if array.dtype.kind not in "biuf" or array.ndim < 1 or array.shape[0] == 0:
            raise ValueError(f"Normalization.adapt expects a non-empty numeric array of examples, "
                             f"got dtype {array.dtype} and shape {array.shape}")
        array = array.astype(np.float64)
        if not np.isfinite(array).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            raise ValueError(f"Normalization.adapt: the data contains {array[bad]} (first at index {bad}); "
                             "clean the data first")
        if array.ndim == 1:  # a vector of scalars: one feature, as Keras treats it
            array = array[:, None]
        shape = (None, *array.shape[1:])
        self._ensure_built(shape)
        if len(shape) != len(self.input_spec_shape) or any(
                a != b for a, b in zip(self.input_spec_shape[1:], shape[1:]) if a is not None):
            raise ShapeError(f"Normalization layer {self.name!r} was built for input {self.input_spec_shape}, "
                             f"adapt() got data of shape {array.shape}")
        keep = self._feature_axes(array.ndim)
        reduce = tuple(a for a in range(array.ndim) if a not in keep)
        self.mean[...] = array.mean(axis=reduce)
        self.variance[...] = array.var(axis=reduce)
        self.count[...] = int(np.prod([array.shape[a] for a in reduce]))

    def _statistics(self) -> tuple[Any, Any]:
        if self.input_mean is not None:
            return self.fixed_stats
        if int(self.count) == 0 and not self._symbolic:
            raise NotReadyError(f"Normalization layer {self.name!r} has no statistics yet: call "
                               "layer.adapt(training_data) first, or pass mean= and variance=")
        return self.mean.reshape(self.stats_shape), self.variance.reshape(self.stats_shape)

    def _call_symbolic(self, inputs: Any, **kwargs: Any) -> Any:
        # Building a functional model before adapt() is fine: only the shape is worked out.
        object.__setattr__(self, "_symbolic", True)
        try:
            return super()._call_symbolic(inputs, **kwargs)
        finally:
            object.__setattr__(self, "_symbolic", False)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if x.ndim != len(self.input_spec_shape) or any(
                n is not None and m != n for m, n in zip(x.shape[1:], self.input_spec_shape[1:])):
            raise ShapeError(f"Normalization layer {self.name!r} expected input of shape "
                             f"{self.input_spec_shape}, got {x.shape}")
        if x.dtype.kind != "f":
            x = x.astype(default_dtype())
        mean, variance = self._statistics()
        xp = x.xp
        mean = xp.asarray(mean, dtype=x.dtype)
        std = xp.maximum(xp.sqrt(xp.asarray(variance, dtype=x.dtype)), x.dtype.type(EPSILON))
        return x * std + mean if self.invert else (x - mean) / std

    def get_config(self) -> dict:
        config = {**super().get_config(), "axis": None if self.axis is None else list(self.axis),
                  "invert": self.invert}
        if self.input_mean is not None:
            config["mean"] = self.input_mean.tolist()
            config["variance"] = self.input_variance.tolist()
        return config


class LayerNormalization(Layer):
    """Normalise each example over its feature axes (no batch statistics, no state):

        y = γ·(x - μ)/√(σ² + ε) + β,    μ, σ² the mean and biased variance over ``axis``.

    Gradients come from the composed ops (mean, var, sqrt), so there is nothing to derive here.
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, **kwargs: Any) -> None:
        if not isinstance(axis, (int, np.integer, list, tuple)) or isinstance(axis, bool):
            raise TypeError(f"LayerNormalization axis must be an int or a list of ints, got {axis!r}")
        if not isinstance(epsilon, (int, float)) or epsilon <= 0:
            raise ValueError(f"LayerNormalization epsilon must be a positive number, got {epsilon!r}")
        super().__init__(**kwargs)
        self.axis = (int(axis),) if np.ndim(axis) == 0 else tuple(map(int, axis))
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def build(self, input_shape: tuple) -> None:
        axes = tuple(sorted(_axis_index(self, a, len(input_shape)) for a in self.axis))
        sizes = _known(self, input_shape, axes)
        shape = [1] * (len(input_shape) - 1)  # γ and β broadcast over the other axes
        for a, n in zip(axes, sizes):
            shape[a - 1] = n
        # Keras stores γ, β with the sizes of the normalised axes only; call() reshapes them.
        object.__setattr__(self, "axes", axes)
        object.__setattr__(self, "param_shape", tuple(shape))
        if self.scale:
            self.add_weight("gamma", sizes, self.gamma_initializer, self.gamma_regularizer)
        if self.center:
            self.add_weight("beta", sizes, self.beta_initializer, self.beta_regularizer)

    def call(self, x: Tensor, training: bool | None = None) -> Tensor:
        if x.ndim != len(self.input_spec_shape) or any(x.shape[a] != self.input_spec_shape[a]
                                                       for a in self.axes):
            raise ShapeError(f"LayerNormalization layer {self.name!r} expected input of shape "
                             f"{self.input_spec_shape}, got {x.shape}")
        mean = x.mean(axis=self.axes, keepdims=True)
        variance = x.var(axis=self.axes, keepdims=True)
        y = (x - mean) / (variance + self.epsilon).sqrt()
        if self.scale:
            y = y * self.gamma.reshape(self.param_shape)
        if self.center:
            y = y + self.beta.reshape(self.param_shape)
        return y

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": list(self.axis), "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer)}
