"""Keras recurrent layers: SimpleRNN, LSTM and GRU on (batch, time, features) input.

The step maths lives in :mod:`minidl.nn.recurrent` (shared with ``nn.RNN``/``nn.LSTM``):

    SimpleRNN:  hₜ = act(xₜ·kernel + hₜ₋₁·recurrent_kernel + bias)
    LSTM:       i, f, c̃, o = split(xₜ·kernel + hₜ₋₁·recurrent_kernel + bias)   (Keras order i, f, c, o)
                cₜ = σ(f)⊙cₜ₋₁ + σ(i)⊙act(c̃),   hₜ = σ(o)⊙act(cₜ)
    GRU:        z, r, h̃ gates (Keras order);  hₜ = z⊙hₜ₋₁ + (1 − z)⊙h̃   (see nn.recurrent.gru)

Weights have Keras's names and layouts: kernel (features, k·units), recurrent_kernel
(units, k·units), bias (k·units,), with k = 1 (SimpleRNN), 4 (LSTM) or 3 (GRU).  PyTorch
keeps the transposes, (k·units, features), and two biases whose sum is Keras's one bias.
The GRU with ``reset_after=True`` (Keras 3's default) keeps both biases, as bias (2, 3·units):
row 0 for the input, row 1 for the recurrent product.

Masks (``Embedding(mask_zero=True)``, ``Masking``, or ``mask=`` (batch, time) bools; see
:mod:`minidl.keras.layers.masking`), as Keras 3: on a masked step every state is carried over
unchanged, sₜ = where(maskₜ, step(xₜ, sₜ₋₁), sₜ₋₁), and the output repeats the previous one
(zeros with ``zero_output_for_mask=True``, which Bidirectional sets when returning
sequences).  ``where`` sends the gradient to the branch it picked, so a masked step passes
dL/dsₜ straight to sₜ₋₁.  With ``go_backwards`` the mask is reversed with the steps, so
right padding comes first and leaves the zero state unchanged.  The masked path runs the step
maths one step at a time; the unmasked path is unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import functional as F
from ...autograd import Tensor
from ...errors import ShapeError
from ...nn.recurrent import check_sequence, gru, lstm, simple_rnn
from ...ops import ones, stack, where, zeros
from .. import activations, initializers, regularizers
from .base import Layer, check_rate
from .masking import as_mask, set_mask


class _RNN(Layer):
    """What SimpleRNN and LSTM share: arguments, weights, dropout and the output options."""

    gates = 1           # blocks of ``units`` columns in the kernels
    state_names = ("h",)
    supports_masking = True
    mask_aware = True   # reads its input's mask and sets its output's (masking.call_layer)

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        name = type(self).__name__
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"{name} units must be a positive int, got {units!r}")
        dropout = check_rate(name, "dropout", dropout)
        if recurrent_dropout != 0:
            raise ValueError(f"{name}: recurrent_dropout is not supported by minidl (got "
                             f"{recurrent_dropout!r}); expected 0.0. Use dropout= on the inputs instead")
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout = float(dropout)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.zero_output_for_mask = bool(zero_output_for_mask)

    def _bias_initial(self, shape: tuple, dtype: Any) -> Any:
        return self.bias_initializer(shape, dtype)

    def _bias_shape(self, k: int) -> tuple:
        return (k,)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ShapeError(f"{type(self).__name__} layer {self.name!r} expected 3-D input "
                             f"(batch, time, features) with known features, got shape {input_shape}")
        k = self.gates * self.units
        self.add_weight("kernel", (input_shape[-1], k), self.kernel_initializer, self.kernel_regularizer)
        self.add_weight("recurrent_kernel", (self.units, k), self.recurrent_initializer,
                        self.recurrent_regularizer)
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(k), self._bias_initial, self.bias_regularizer)

    def _inputs(self, x: Tensor, training: bool | None) -> Tensor:
        check_sequence(x, self.kernel.shape[0], f"{type(self).__name__} layer {self.name!r}")
        if training and self.dropout > 0:
            # One mask per sequence, the same at every time step (as Keras): drop features, not steps.
            mask = F.dropout(ones(x.shape[0], 1, x.shape[2], dtype=x.dtype, device=x.device),
                             self.dropout, training=True)
            x = x * mask
        return x[:, ::-1] if self.go_backwards else x

    def _initial_states(self, x: Tensor, initial_state: Any) -> list[Tensor]:
        """Zeros, or the user's ``initial_state`` (a list of (batch, units) arrays)."""
        n = len(self.state_names)
        if initial_state is None:
            return [zeros(x.shape[0], self.units, dtype=x.dtype, device=x.device) for _ in range(n)]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != n:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects {n} initial state(s) "
                             f"({', '.join(self.state_names)}), got {len(states)}")
        states = [s if isinstance(s, Tensor) else Tensor(np.asarray(s), dtype=x.dtype) for s in states]
        for s in states:
            if s.shape != (x.shape[0], self.units):
                raise ShapeError(f"{type(self).__name__} layer {self.name!r}: initial state must have "
                                 f"shape {(x.shape[0], self.units)}, got {s.shape}")
        return states

    def _mask(self, inputs: Tensor, mask: Any) -> Tensor | None:
        """The steps to use: ``mask=`` if given, else the mask attached to the input (or None)."""
        return as_mask(mask, inputs, f"{type(self).__name__} layer {self.name!r}")

    def _recur(self, x: Tensor, states: list[Tensor], run: Any, mask: Tensor | None) -> tuple:
        """``run(x, states) -> (sequence, last states)`` over the whole sequence; with a mask, one
        step at a time, keeping the previous states (and output) where the step is masked."""
        if mask is None:
            return run(x, states)
        keep = mask.data[:, ::-1] if self.go_backwards else mask.data  # in processing order
        outputs = []
        for t in range(x.shape[1]):
            _, new_states = run(x[:, t:t + 1], states)
            use = keep[:, t, None]
            states = [where(use, new, old) for new, old in zip(new_states, states)]
            outputs.append(where(use, states[0], 0.0) if self.zero_output_for_mask else states[0])
        return stack(outputs, axis=1), states

    def _outputs(self, sequence: Tensor, states: list[Tensor], mask: Tensor | None = None) -> Any:
        if self.return_sequences:
            output = set_mask(sequence, mask) if mask is not None else sequence
        elif mask is not None and self.zero_output_for_mask:
            output = sequence[:, -1]  # Keras's last output: zeros when the last step was masked
        else:
            output = states[0]
        return [output, *states] if self.return_state else output

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "dropout": self.dropout, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "zero_output_for_mask": self.zero_output_for_mask}


class SimpleRNN(_RNN):
    """Fully connected RNN: hₜ = act(xₜ·kernel + hₜ₋₁·recurrent_kernel + bias).

    Returns the last h (batch, units), or every hₜ (batch, time, units) with
    ``return_sequences=True``; ``return_state=True`` adds the last h: [output, h].
    """

    def call(self, x: Tensor, training: bool | None = None, initial_state: Any = None,
             mask: Any = None) -> Any:
        inputs, x = x, self._inputs(x, training)
        mask = self._mask(inputs, mask)
        (h0,) = self._initial_states(x, initial_state)
        bias = self.bias if self.use_bias else None

        def run(x: Tensor, states: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
            sequence, h = simple_rnn(x, states[0], self.kernel, self.recurrent_kernel, bias, self.activation)
            return sequence, [h]

        return self._outputs(*self._recur(x, [h0], run, mask), mask)


class LSTM(_RNN):
    """Long short-term memory (gates i, f, c, o in Keras's column order).

    ``unit_forget_bias=True`` (Keras's default) starts the forget-gate bias at 1, so the
    cell remembers by default early in training.  ``return_state=True`` gives [output, h, c].
    """

    gates = 4
    state_names = ("h", "c")

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initial(self, shape: tuple, dtype: Any) -> Any:
        bias = self.bias_initializer(shape, dtype).copy()
        if self.unit_forget_bias:
            bias[self.units:2 * self.units] = 1.0
        return bias

    def call(self, x: Tensor, training: bool | None = None, initial_state: Any = None,
             mask: Any = None) -> Any:
        inputs, x = x, self._inputs(x, training)
        mask = self._mask(inputs, mask)
        h0, c0 = self._initial_states(x, initial_state)
        bias = self.bias if self.use_bias else None

        def run(x: Tensor, states: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
            sequence, h, c = lstm(x, states[0], states[1], self.kernel, self.recurrent_kernel, bias,
                                  self.activation, self.recurrent_activation)
            return sequence, [h, c]

        return self._outputs(*self._recur(x, [h0, c0], run, mask), mask)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRU(_RNN):
    """Gated recurrent unit with Keras 3's weights: gates z, r, h in the kernels' column order.

    ``reset_after=True`` (the default, as Keras 3 and cuDNN) applies the reset gate after the
    recurrent product, r ⊙ (hₜ₋₁·U_h + c_h), and keeps a second bias c for it: bias has
    shape (2, 3·units), row 0 added to the inputs' product, row 1 to the recurrent one.
    ``reset_after=False`` is the original formulation, (r ⊙ hₜ₋₁)·U_h, with one bias (3·units,).
    ``return_state=True`` gives [output, h].
    """

    gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self, k: int) -> tuple:
        return (2, k) if self.reset_after else (k,)

    def call(self, x: Tensor, training: bool | None = None, initial_state: Any = None,
             mask: Any = None) -> Any:
        inputs, x = x, self._inputs(x, training)
        mask = self._mask(inputs, mask)
        (h0,) = self._initial_states(x, initial_state)
        b_input = b_hidden = None
        if self.use_bias:
            b_input, b_hidden = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)

        def run(x: Tensor, states: list[Tensor]) -> tuple[Tensor, list[Tensor]]:
            sequence, h = gru(x, states[0], self.kernel, self.recurrent_kernel, b_input, b_hidden,
                              gate_order="zrn", reset_after=self.reset_after, activation=self.activation,
                              recurrent_activation=self.recurrent_activation)
            return sequence, [h]

        return self._outputs(*self._recur(x, [h0], run, mask), mask)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}
