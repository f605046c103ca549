"""The options every layer with a kernel and a bias shares: Dense, Conv1D, Conv2D and
Conv2DTranspose take ``activation``, ``use_bias``, the two initializers and the two
regularizers by name or object, and write them back by name in ``get_config``."""

from __future__ import annotations

from typing import Any

from .. import activations, initializers, regularizers


def set_kernel_options(layer: Any, activation: Any, use_bias: bool, kernel_initializer: Any,
                       bias_initializer: Any, kernel_regularizer: Any, bias_regularizer: Any) -> None:
    """Resolve the names into objects (an unknown name raises right here) and store them."""
    layer.activation = activations.get(activation)
    layer.use_bias = use_bias
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)


def kernel_options_config(layer: Any) -> dict:
    """The same options as ``get_config`` entries (names, or the objects' configs)."""
    return {"activation": activations.serialize(layer.activation), "use_bias": layer.use_bias,
            "kernel_initializer": initializers.serialize(layer.kernel_initializer),
            "bias_initializer": initializers.serialize(layer.bias_initializer),
            "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(layer.bias_regularizer)}
