"""Recurrent layers: a simple (Elman) RNN and the LSTM, batch-first (N, T, features).

Both unroll over time with ordinary ops, so autograd gives backpropagation through
time for free.  The input projection ``x W + b`` is computed for all steps at once
(one big matrix product); only ``h U`` has to wait for the previous step.

Weights use minidl's (in, out) layout: W (input, hidden·k), U (hidden, hidden·k),
one bias (hidden·k,) where k = 4 for the LSTM (gates in the order i, f, g, o, as
PyTorch and Keras).  PyTorch keeps two biases (b_ih + b_hh); minidl keeps their sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from ..backend import default_dtype
from ..errors import ShapeError
from ..ops import stack, zeros
from . import init
from .layers import _check_positive
from .module import Module
from .parameter import Parameter


def simple_rnn(x: Tensor, h: Tensor, W: Tensor, U: Tensor, b: Tensor | None,
               activation: Callable[[Tensor], Tensor] = F.tanh) -> tuple[Tensor, Tensor]:
    """hₜ = act(xₜ W + hₜ₋₁ U + b).  Returns (all hₜ stacked (N, T, H), last h)."""
    projected = F.linear(x, W, b)
    outputs = []
    for t in range(x.shape[1]):
        h = activation(projected[:, t] + h @ U)
        outputs.append(h)
    return stack(outputs, axis=1), h


def lstm(x: Tensor, h: Tensor, c: Tensor, W: Tensor, U: Tensor, b: Tensor | None,
         activation: Callable[[Tensor], Tensor] = F.tanh,
         recurrent_activation: Callable[[Tensor], Tensor] = F.sigmoid,
         ) -> tuple[Tensor, Tensor, Tensor]:
    """Long short-term memory, for each step t:

        i, f, g, o = split(xₜ W + hₜ₋₁ U + b)
        cₜ = σ(f) ⊙ cₜ₋₁ + σ(i) ⊙ tanh(g)      (forget some memory, write some new)
        hₜ = σ(o) ⊙ tanh(cₜ)

    Returns (all hₜ (N, T, H), last h, last c).
    """
    H = h.shape[-1]
    projected = F.linear(x, W, b)
    outputs = []
    for t in range(x.shape[1]):
        z = projected[:, t] + h @ U
        i = recurrent_activation(z[:, :H])
        f = recurrent_activation(z[:, H:2 * H])
        g = activation(z[:, 2 * H:3 * H])
        o = recurrent_activation(z[:, 3 * H:])
        c = f * c + i * g
        h = o * activation(c)
        outputs.append(h)
    return stack(outputs, axis=1), h, c


def check_sequence(x: Any, features: int, name: str, like: Tensor | None = None) -> Tensor:
    """``x`` as a floating Tensor of shape (batch, time, features), or a clear error."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if x.dtype.kind != "f":  # integer features take the weights' dtype
        x = x.astype(like.dtype if like is not None else default_dtype())
    if x.ndim != 3 or x.shape[-1] != features:
        raise ShapeError(
            f"{name} expected input of shape (batch, time, {features}), got shape {x.shape}"
        )
    if x.shape[1] == 0:
        raise ShapeError(f"{name} got a sequence with no time steps (shape {x.shape})")
    return x


class _Recurrent(Module):
    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 batch_first: bool = True, num_layers: int = 1) -> None:
        super().__init__()
        if num_layers != 1:
            raise ValueError(f"minidl's recurrent layers have one layer (num_layers=1), got "
                             f"num_layers={num_layers!r}; stack layers in a Module instead")
        if not batch_first:
            raise ValueError("minidl's recurrent layers are batch-first: (batch, time, features)")
        self.input_size = _check_positive("input_size", input_size)
        self.hidden_size = _check_positive("hidden_size", hidden_size)
        k, bound = self.gates * hidden_size, 1 / math.sqrt(hidden_size)
        dtype = default_dtype()
        self.weight_ih = init.uniform_(Parameter(np.zeros((input_size, k), dtype)), -bound, bound)
        self.weight_hh = init.uniform_(Parameter(np.zeros((hidden_size, k), dtype)), -bound, bound)
        self.bias = init.uniform_(Parameter(np.zeros(k, dtype)), -bound, bound) if bias else None

    def _initial(self, x: Tensor, state: Any) -> Tensor:
        if state is None:
            return zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        state = state if isinstance(state, Tensor) else Tensor(state, dtype=x.dtype)
        if state.ndim == 3 and state.shape[0] == 1:  # PyTorch's (layers, N, H)
            state = state[0]
        if state.shape != (x.shape[0], self.hidden_size):
            raise ShapeError(f"initial state must have shape (1, {x.shape[0]}, {self.hidden_size}) "
                             f"or {(x.shape[0], self.hidden_size)}, got {state.shape}")
        return state

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, batch_first=True"


class RNN(_Recurrent):
    """Elman RNN, ``nonlinearity`` "tanh" (default) or "relu": returns (output (N, T, H),
    h_n (1, N, H)) as PyTorch."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, batch_first: bool = True,
                 num_layers: int = 1, nonlinearity: str = "tanh") -> None:  # fmt: skip
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, batch_first, num_layers)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, h0: Any = None) -> tuple[Tensor, Tensor]:
        x = check_sequence(x, self.input_size, "RNN", self.weight_ih)
        act = F.tanh if self.nonlinearity == "tanh" else F.relu
        out, h = simple_rnn(x, self._initial(x, h0), self.weight_ih, self.weight_hh, self.bias, act)
        return out, h.reshape(1, *h.shape)


class LSTM(_Recurrent):
    """LSTM: returns (output (N, T, H), (h_n, c_n)) with h_n, c_n of shape (1, N, H)."""

    gates = 4

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x = check_sequence(x, self.input_size, "LSTM", self.weight_ih)
        if state is not None and (not isinstance(state, (tuple, list)) or len(state) != 2):
            raise TypeError("LSTM initial state must be a pair (h0, c0), each of shape "
                            f"(1, batch, {self.hidden_size}); got {type(state).__name__}")
        h0, c0 = (None, None) if state is None else state
        out, h, c = lstm(x, self._initial(x, h0), self._initial(x, c0), self.weight_ih,
                         self.weight_hh, self.bias)
        return out, (h.reshape(1, *h.shape), c.reshape(1, *c.shape))
