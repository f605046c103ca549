"""The Keras ``Layer``: a Module that builds its weights lazily from the first input shape.

A layer can be called on real data (Tensors or NumPy arrays) or on symbolic
``KerasTensor`` placeholders (the functional API).  In the symbolic case nothing is
computed: the layer is built, its output shape is worked out by running it once on
a batch of one zero example, and the call is recorded so ``Model(inputs, outputs)``
can replay it.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import re
from typing import Any

import numpy as np

from ...autograd import Tensor, no_grad
from ...backend import default_dtype, to_numpy
from ...errors import ShapeError
from ...nn.module import Module
from ...nn.parameter import Parameter
from .. import initializers, regularizers

_name_counts: dict[str, int] = {}

# Keras arguments that minidl does not implement.  Code written for Keras often passes
# them at their default value (``data_format="channels_last"``, ``kernel_constraint=None``),
# so the default is accepted and ignored; any other value is refused with a clear message
# instead of being silently ignored (which would train a different model).
DEFAULT_ONLY_ARGUMENTS: dict[str, tuple] = {
    "data_format": ("channels_last", None),
    "dilation_rate": (1, (1, 1)),
    "groups": (1,),
    "activity_regularizer": (None,),
    "kernel_constraint": (None,), "bias_constraint": (None,), "recurrent_constraint": (None,),
    "beta_constraint": (None,), "gamma_constraint": (None,), "embeddings_constraint": (None,),
    "noise_shape": (None,), "stateful": (False,), "unroll": (False,), "synchronized": (False,),
    "lora_rank": (None,), "autocast": (True,),
}
_DEFAULT_ONLY_HINTS = {
    "data_format": "minidl layers work channels-last (NHWC): transpose the data with "
                   "x.transpose(0, 2, 3, 1) instead",
}


def check_default_only(owner: str, kwargs: dict) -> None:
    """Remove the arguments of ``DEFAULT_ONLY_ARGUMENTS`` from ``kwargs``, refusing other values."""
    for arg in [a for a in kwargs if a in DEFAULT_ONLY_ARGUMENTS]:
        value, allowed = _plain(kwargs.pop(arg)), DEFAULT_ONLY_ARGUMENTS[arg]
        if value not in allowed:
            hint = _DEFAULT_ONLY_HINTS.get(arg)
            raise ValueError(f"{owner}: {arg}={value!r} is not supported by minidl; expected "
                             f"{allowed[0]!r} (the Keras default)" + (f". {hint}" if hint else ""))


def _plain(value: Any) -> Any:
    """Lists as tuples and NumPy scalars as Python ones, so that ``==`` compares values."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value.item() if isinstance(value, np.generic) else value


def check_rate(owner: str, name: str, value: Any) -> float:
    """A probability in [0, 1) as a float (Python or NumPy number), or a clear ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{owner} {name} must be a number in [0, 1), got {value!r}")
    return float(value)


def check_positive_int(owner: str, name: str, value: Any) -> int:
    """A positive Python or NumPy int (not a bool, not a float such as 3.0), or a clear ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner} {name} must be a positive int, got {value!r}")
    return int(value)


def check_shape(owner: str, shape: Any) -> tuple:
    """A shape without the batch size: a tuple (or list, or one int) of positive ints or None."""
    shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
    if any(n is not None and (isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1)
           for n in shape):
        raise ValueError(f"{owner} must hold positive ints or None (without the batch size), got {shape}")
    return tuple(n if n is None else int(n) for n in shape)


def unique_name(base: str) -> str:
    """Keras-style automatic names: dense, dense_1, dense_2, ..."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Reset automatic layer names (as ``keras.backend.clear_session``)."""
    _name_counts.clear()


def snake_case(name: str) -> str:
    """"MaxPooling2D" -> "max_pooling2d", "Conv2D" -> "conv2d" (Keras's naming rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class KerasTensor:
    """A symbolic tensor: a shape (batch dimension None) and the layer call that made it."""

    def __init__(self, shape: tuple, dtype: Any = "float32", history: Any = None, name: str = "") -> None:
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.history = history  # (layer, [input KerasTensors], output index or None)
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


def example_batch(shape: tuple, dtype: Any, unknown: int = 1) -> Tensor:
    """A zero batch of one example; other None dimensions (a sequence length) get ``unknown``."""
    concrete = tuple(1 if n is None and i == 0 else unknown if n is None else n for i, n in enumerate(shape))
    return Tensor(np.zeros(concrete, dtype=dtype), dtype=dtype)


class Layer(Module):
    """Base class of Keras layers.  Subclasses implement ``build(input_shape)`` and
    ``call(inputs, training=None)``; ``get_config()`` returns their constructor arguments."""

    def __init__(self, name: str | None = None, trainable: bool = True, input_shape: Any = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        super().__init__()
        if "input_dim" in kwargs:
            input_shape = (kwargs.pop("input_dim"),)
        check_default_only(type(self).__name__, kwargs)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {sorted(kwargs)}")
        object.__setattr__(self, "name", name or unique_name(snake_case(type(self).__name__)))
        object.__setattr__(self, "built", False)
        object.__setattr__(self, "_trainable", bool(trainable))
        object.__setattr__(self, "input_spec_shape", None)
        if input_shape is not None:
            input_shape = check_shape(f"{type(self).__name__} input_shape", input_shape)
        object.__setattr__(self, "batch_input_shape", None if input_shape is None else (None, *input_shape))
        object.__setattr__(self, "output_shape_", None)
        object.__setattr__(self, "_symbolic", None)  # (input, output) KerasTensors of the last symbolic call

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make every subclass's ``build`` mark the layer as built, as Keras does, so that
        ``layer.build(shape); layer.set_weights(w)`` is not undone by the first call."""
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is None or getattr(build, "_marks_built", False):
            return

        @functools.wraps(build)
        def build_and_mark(self: Layer, input_shape: Any = None, *args: Any, **kw: Any) -> None:
            build(self, input_shape, *args, **kw)
            if input_shape is not None and not self.built:
                object.__setattr__(self, "built", True)
                object.__setattr__(self, "input_spec_shape", input_shape)

        build_and_mark._marks_built = True
        cls.build = build_and_mark

    # -- weights ----------------------------------------------------------------------
    def add_weight(self, name: str, shape: tuple, initializer: Any = "glorot_uniform",
                   regularizer: Any = None, trainable: bool = True) -> Parameter:
        """Create, initialise and register a parameter of this layer."""
        values = initializers.get(initializer)(tuple(shape), default_dtype())
        p = Parameter(np.asarray(values, dtype=default_dtype()), requires_grad=trainable)
        p.name = f"{self.name}/{name}"
        p.regularizer = regularizers.get(regularizer)
        setattr(self, name, p)
        return p

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in (m for m in self.modules() if isinstance(m, Layer)):  # as Keras: inner layers too
            object.__setattr__(layer, "_trainable", bool(value))  # (a frozen BatchNorm: inference mode)
        for p in self.parameters():
            p.trainable = bool(value)

    @property
    def weights(self) -> list[Any]:
        """Every weight, in ``get_weights()`` order: the parameters, then state arrays such as
        BatchNorm's moving statistics (as Keras lists them)."""
        return list(self.parameters()) + [getattr(self, name) for name in self._state_names()]

    @property
    def trainable_weights(self) -> list[Parameter]:
        return [p for p in self.parameters() if p.trainable and self._trainable]

    trainable_variables = property(lambda self: self.trainable_weights, doc="Keras 3's name for trainable_weights.")

    @property
    def non_trainable_weights(self) -> list[Any]:
        """Frozen parameters, then state arrays such as BatchNorm's moving statistics."""
        frozen = [p for p in self.parameters() if not (p.trainable and self._trainable)]
        return frozen + [getattr(self, name) for name in self._state_names()]

    def get_weights(self) -> list[np.ndarray]:
        return [to_numpy(p.data).copy() for p in self.parameters()] + self._state_arrays()

    def set_weights(self, weights: list[Any]) -> None:
        """Replace the weights (as ``get_weights`` orders them); every array is checked
        before any is written, so a wrong one leaves the layer (or model) unchanged."""
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"{self.name!r}: set_weights expects a list of arrays (as get_weights "
                            f"returns), got {type(weights).__name__}")
        self._write_weights(self._checked_weights(weights))

    def _checked_weights(self, weights: list[Any]) -> list[np.ndarray]:
        """The arrays of ``weights`` as NumPy, each checked against its weight's shape."""
        params = list(self.parameters())
        state = self._state_names()
        if len(weights) != len(params) + len(state):
            raise ValueError(f"layer {self.name!r} expects {len(params) + len(state)} weight arrays, "
                             f"got {len(weights)}")
        targets = [(p.name, p.shape) for p in params] + [(name, tuple(getattr(self, name).shape)) for name in state]
        arrays = []
        for (name, shape), w in zip(targets, weights):
            w = w.numpy() if isinstance(w, Tensor) else np.asarray(w)
            if w.dtype.kind not in "fiub":
                raise TypeError(f"layer {self.name!r}: weight {name} must hold numbers, got dtype {w.dtype}")
            if w.shape != shape:  # a moving statistic too: never broadcast a wrong shape silently
                raise ShapeError(f"layer {self.name!r}: weight {name} has shape {shape}, got {w.shape}")
            arrays.append(w)
        return arrays

    def _write_weights(self, arrays: list[np.ndarray]) -> None:
        params, state = list(self.parameters()), self._state_names()
        for p, w in zip(params, arrays):
            p.data[...] = p.xp.asarray(w, dtype=p.dtype)
        for name, w in zip(state, arrays[len(params):]):
            buffer = getattr(self, name)
            buffer[...] = Tensor._wrap(buffer).xp.asarray(w, dtype=buffer.dtype)

    def _state_names(self) -> list[str]:
        """Non-parameter arrays saved with the weights (BatchNorm moving statistics)."""
        return list(self._buffers)

    def _state_arrays(self) -> list[np.ndarray]:
        return [to_numpy(getattr(self, name)).copy() for name in self._state_names()]

    def count_params(self) -> int:
        return int(sum(p.size for p in self.parameters()) + sum(a.size for a in self._state_arrays()))

    @property
    def losses(self) -> list[Tensor]:
        """Regularization penalties of this layer's weights (recomputed on each access)."""
        return [p.regularizer(p) for p in self.parameters() if p.regularizer is not None]

    # -- calling --------------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of ``input_shape`` (batch dimension None)."""

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define call()")

    def _ensure_built(self, input_shape: Any) -> None:
        if not self.built:
            self.build(input_shape)
            object.__setattr__(self, "built", True)
            object.__setattr__(self, "input_spec_shape", input_shape)

    def __call__(self, inputs: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if _is_symbolic(inputs):
            return self._call_symbolic(inputs, **kwargs)
        inputs = _as_tensors(inputs)
        self._ensure_built(_shape_of(inputs))
        if _takes_training(type(self).call):
            kwargs["training"] = training
        return self.call(inputs, **kwargs)

    def forward(self, inputs: Any, training: bool | None = None) -> Any:
        return self(inputs, training=training)

    def _call_symbolic(self, inputs: Any, **kwargs: Any) -> KerasTensor:
        self._ensure_built(_shape_of(inputs))
        if _takes_training(type(self).call):
            kwargs["training"] = False
        sources = inputs if isinstance(inputs, list) else [inputs]

        def output_shapes(unknown: int) -> tuple[Any, list[tuple]]:
            examples = [example_batch(t.shape, t.dtype, unknown) for t in sources]
            with no_grad():
                out = self.call(examples if isinstance(inputs, list) else examples[0], **kwargs)
            return out, [(None, *o.shape[1:]) for o in (out if isinstance(out, (list, tuple)) else [out])]

        out = None
        if any(None in t.shape[1:] for t in sources):  # e.g. Input(shape=(None,)): a sequence length
            try:  # output sizes that change with the unknown input sizes stay unknown (None), as Keras
                (out, first), (_, second) = output_shapes(12), output_shapes(24)  # 24//k != 12//k for k <= 12
                shapes = [tuple(n if n == m else None for n, m in zip(a, b)) for a, b in zip(first, second)]
            except Exception:  # noqa: BLE001 (sizes the layer refuses: the single-step probe below)
                out = None
        if out is None:
            out, shapes = output_shapes(1)
        if isinstance(out, (list, tuple)):  # several outputs, e.g. LSTM(return_state=True)
            object.__setattr__(self, "output_shape_", shapes)
            result: Any = [KerasTensor(shape, o.dtype, history=(self, sources, i), name=f"{self.name}:{i}")
                           for i, (shape, o) in enumerate(zip(shapes, out))]
        else:
            shape = shapes[0]
            object.__setattr__(self, "output_shape_", shape)
            result = KerasTensor(shape, out.dtype, history=(self, sources, None), name=self.name)
        object.__setattr__(self, "_symbolic", (inputs, result))
        return result

    @property
    def output_shape(self) -> tuple | None:
        return self.output_shape_

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's last call in a model (as Keras's ``layer.input``)."""
        return self._symbolic_part(0, "input")

    @property
    def output(self) -> Any:
        """The symbolic output of the layer's last call in a model: feature extraction with
        ``Model(model.inputs, model.layers[i].output)``."""
        return self._symbolic_part(1, "output")

    def _symbolic_part(self, index: int, what: str) -> Any:
        if self._symbolic is None:
            raise AttributeError(f"layer {self.name!r} has never been called on a symbolic input "
                                 f"(an Input, or a model built with an input shape), so it has no {what}")
        return self._symbolic[index]

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        last, shape = self._symbolic, self.output_shape_
        out = self._call_symbolic(KerasTensor(input_shape))
        object.__setattr__(self, "_symbolic", last)
        object.__setattr__(self, "output_shape_", shape)
        return out.shape

    # -- configuration ---------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self._trainable}
        if self.batch_input_shape is not None:
            config["input_shape"] = list(self.batch_input_shape[1:])
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


@functools.cache
def _takes_training(call: Any) -> bool:
    """Whether a ``call`` method accepts ``training=``: as Keras, pass it only then, so a
    subclass may write ``def call(self, x)``."""
    params = inspect.signature(call).parameters.values()
    return any(p.name == "training" or p.kind is p.VAR_KEYWORD for p in params)


def _is_symbolic(inputs: Any) -> bool:
    if isinstance(inputs, KerasTensor):
        return True
    return isinstance(inputs, (list, tuple)) and any(isinstance(t, KerasTensor) for t in inputs)


def _as_tensors(inputs: Any) -> Any:
    """A Tensor, or a list of Tensors for a list of arrays/Tensors (a merge layer's inputs);
    nested Python lists of numbers (``[[1, 2], [3, 4]]``) are one input's data."""
    if isinstance(inputs, (list, tuple)) and not all(isinstance(t, (list, tuple, int, float, bool, np.generic))
                                                     for t in inputs):
        return [_as_tensors(t) for t in inputs]
    if isinstance(inputs, Tensor):
        return inputs
    return Tensor(np.asarray(inputs))  # floating data becomes float32, as Keras layers compute


def _shape_of(inputs: Any) -> Any:
    if isinstance(inputs, (list, tuple)):
        return [(None, *t.shape[1:]) for t in inputs]
    return (None, *inputs.shape[1:])


def check_last_dim(layer: Layer, x: Tensor, expected: int) -> None:
    """The clear error every layer gives for input of the wrong width."""
    if x.ndim == 0 or x.shape[-1] != expected:
        raise ShapeError(
            f"{type(layer).__name__} layer {layer.name!r} expected input with last dimension "
            f"{expected}, got shape {x.shape}"
        )
