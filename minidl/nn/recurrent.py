"""Recurrent layers: a simple (Elman) RNN, the LSTM and the GRU, batch-first (N, T, features).

The ``nn`` layers also take PyTorch's other layouts: ``batch_first=False`` (T, N, features)
and unbatched (T, features) input; they are transposed to batch-first around the same code.

Both unroll over time with ordinary ops, so autograd gives backpropagation through
time for free.  The input projection ``x W + b`` is computed for all steps at once
(one big matrix product); only ``h U`` has to wait for the previous step.

Weights use minidl's (in, out) layout: W (input, hidden·k), U (hidden, hidden·k),
one bias (hidden·k,) where k = 4 for the LSTM (gates in the order i, f, g, o, as
PyTorch and Keras).  PyTorch keeps two biases (b_ih + b_hh); minidl keeps their sum.
The GRU (k = 3, gates r, z, n as PyTorch) keeps both biases, bias_ih and bias_hh:
b_hn sits inside r ⊙ (h W_hn + b_hn), so it cannot be folded into the input bias.
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


def gru(x: Tensor, h: Tensor, W: Tensor, U: Tensor, b_input: Tensor | None,
        b_hidden: Tensor | None, gate_order: str = "rzn", reset_after: bool = True,
        activation: Callable[[Tensor], Tensor] = F.tanh,
        recurrent_activation: Callable[[Tensor], Tensor] = F.sigmoid) -> tuple[Tensor, Tensor]:
    """Gated recurrent unit (Cho et al. 2014), for each step t:

        r = σ(xₜ W_r + b_r + hₜ₋₁ U_r + c_r)          reset gate
        z = σ(xₜ W_z + b_z + hₜ₋₁ U_z + c_z)          update gate
        n = tanh(xₜ W_n + b_n + r ⊙ (hₜ₋₁ U_n + c_n))  candidate     (reset_after=True)
        n = tanh(xₜ W_n + b_n + (r ⊙ hₜ₋₁) U_n)        candidate     (reset_after=False, no c)
        hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁  =  n + z ⊙ (hₜ₋₁ − n)

    ``gate_order`` names the column blocks of W, U and the biases: "rzn" for PyTorch,
    "zrn" for Keras (which calls n "h").  The candidate block comes last in both, so r
    and z are the first 2H columns and one sigmoid computes both.  b_input is b, b_hidden
    is c (None with reset_after=False, where the recurrent product happens after r).
    Returns (all hₜ (N, T, H), last h).
    """
    if gate_order not in ("rzn", "zrn"):
        raise ValueError(f"GRU gate_order must be 'rzn' (PyTorch) or 'zrn' (Keras), got {gate_order!r}")
    H = h.shape[-1]
    reset, update = (slice(0, H), slice(H, 2 * H)) if gate_order == "rzn" else (slice(H, 2 * H), slice(0, H))
    projected = F.linear(x, W, b_input)
    if not reset_after:
        U_gates, U_candidate = U[:, :2 * H], U[:, 2 * H:]
    outputs = []
    for t in range(x.shape[1]):
        xt = projected[:, t]
        if reset_after:
            recurrent = h @ U if b_hidden is None else h @ U + b_hidden
            gates = recurrent_activation(xt[:, :2 * H] + recurrent[:, :2 * H])
            n = activation(xt[:, 2 * H:] + gates[:, reset] * recurrent[:, 2 * H:])
        else:
            gates = recurrent_activation(xt[:, :2 * H] + h @ U_gates)
            n = activation(xt[:, 2 * H:] + (gates[:, reset] * h) @ U_candidate)
        h = n + gates[:, update] * (h - n)
        outputs.append(h)
    return stack(outputs, axis=1), h


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
    split_bias = False  # the GRU keeps PyTorch's two biases (see the module docstring)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = True, dropout: float = 0.0, bidirectional: bool = False) -> None:
        # PyTorch's positional order: nn.GRU(10, 20, 2) asks for two layers, so it must
        # reach num_layers (and be refused), not bias.
        super().__init__()
        name = type(self).__name__
        if isinstance(num_layers, (bool, np.bool_)) or not isinstance(num_layers, (int, np.integer)):
            raise TypeError(f"{name} num_layers must be an int, got {num_layers!r}")
        if num_layers != 1:
            raise ValueError(f"minidl's recurrent layers have one layer (num_layers=1), got "
                             f"num_layers={num_layers!r}; stack layers in a Module instead")
        for flag_name, flag in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{name} {flag_name} must be True or False, got {flag!r}")
        # minidl's default is batch-first (PyTorch's is not): batch_first=False is kept as an option
        self.batch_first = bool(batch_first)
        if bidirectional:
            raise ValueError(f"{name}(bidirectional=True) is not supported; run a second layer over the "
                             "reversed sequence (x[:, ::-1]) and concatenate, or use keras.layers.Bidirectional")
        if isinstance(dropout, (bool, np.bool_)) or not isinstance(dropout, (int, float, np.integer, np.floating)) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{name} dropout must be a number in [0, 1], got {dropout!r}")
        # as PyTorch: dropout acts between stacked layers only, so with one layer it does nothing
        self.dropout = float(dropout)
        self.has_bias = bool(bias)
        self.input_size = _check_positive("input_size", input_size)
        self.hidden_size = _check_positive("hidden_size", hidden_size)
        k, bound = self.gates * hidden_size, 1 / math.sqrt(hidden_size)
        dtype = default_dtype()
        self.weight_ih = init.uniform_(Parameter(np.zeros((input_size, k), dtype)), -bound, bound)
        self.weight_hh = init.uniform_(Parameter(np.zeros((hidden_size, k), dtype)), -bound, bound)
        if self.split_bias:
            self.bias_ih = init.uniform_(Parameter(np.zeros(k, dtype)), -bound, bound) if bias else None
            self.bias_hh = init.uniform_(Parameter(np.zeros(k, dtype)), -bound, bound) if bias else None
        else:
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

    def _batch_first(self, x: Any) -> tuple[Tensor, bool]:
        """``x`` in the (N, T, F) layout the step functions use, and whether it was unbatched.

        PyTorch's layouts: (N, T, F) with batch_first=True, (T, N, F) without, and (T, F) for
        one unbatched sequence (either way), which becomes a batch of one."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim == 2 and x.shape[-1] == self.input_size:
            return x.reshape(1, *x.shape), True
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            layout = "(batch, time, " if self.batch_first else "(time, batch, "
            raise ShapeError(f"{type(self).__name__} expected input of shape {layout}{self.input_size}) with "
                             f"batch_first={self.batch_first}, or (time, {self.input_size}) for one "
                             f"sequence; got shape {x.shape}")
        return (x, False) if self.batch_first else (x.transpose(1, 0, 2), False)

    def _layout(self, out: Tensor, last: list[Tensor], unbatched: bool) -> tuple[Tensor, list[Tensor]]:
        """Back to the caller's layout: output (N, T, H), (T, N, H) or (T, H); each final
        state (1, N, H), or (1, H) for an unbatched sequence, as PyTorch."""
        if unbatched:
            return out[0], last  # a batch of one: each state is already (1, H)
        out = out if self.batch_first else out.transpose(1, 0, 2)
        return out, [s.reshape(1, *s.shape) for s in last]

    def _check_unbatched_state(self, state: Any, unbatched: bool) -> Any:
        """An unbatched sequence takes states of shape (1, H), as PyTorch."""
        if unbatched and state is not None:
            shape = tuple(getattr(state, "shape", np.shape(state)))
            if shape != (1, self.hidden_size):
                raise ShapeError(f"{type(self).__name__}: an unbatched input (time, features) takes an "
                                 f"initial state of shape (1, {self.hidden_size}), got {shape}")
        return state

    def extra_repr(self) -> str:
        bias = "" if self.has_bias else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{bias}, batch_first={self.batch_first}"


class RNN(_Recurrent):
    """Elman RNN, ``nonlinearity`` "tanh" (default) or "relu": returns (output (N, T, H),
    h_n (1, N, H)) as PyTorch."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = True, dropout: float = 0.0,
                 bidirectional: bool = False) -> None:  # fmt: skip
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, h0: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._batch_first(x)
        x = check_sequence(x, self.input_size, "RNN", self.weight_ih)
        act = F.tanh if self.nonlinearity == "tanh" else F.relu
        h0 = self._check_unbatched_state(h0, unbatched)
        out, h = simple_rnn(x, self._initial(x, h0), self.weight_ih, self.weight_hh, self.bias, act)
        out, (h,) = self._layout(out, [h], unbatched)
        return out, h


class LSTM(_Recurrent):
    """LSTM: returns (output (N, T, H), (h_n, c_n)) with h_n, c_n of shape (1, N, H)."""

    gates = 4

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x, unbatched = self._batch_first(x)
        x = check_sequence(x, self.input_size, "LSTM", self.weight_ih)
        if state is not None and (not isinstance(state, (tuple, list)) or len(state) != 2):
            raise TypeError("LSTM initial state must be a pair (h0, c0), each of shape "
                            f"(1, batch, {self.hidden_size}); got {type(state).__name__}")
        h0, c0 = (None, None) if state is None else state
        h0, c0 = self._check_unbatched_state(h0, unbatched), self._check_unbatched_state(c0, unbatched)
        out, h, c = lstm(x, self._initial(x, h0), self._initial(x, c0), self.weight_ih,
                         self.weight_hh, self.bias)
        out, (h, c) = self._layout(out, [h, c], unbatched)
        return out, (h, c)


class GRU(_Recurrent):
    """Gated recurrent unit with PyTorch's equations (see :func:`gru`): returns
    (output (N, T, H), h_n (1, N, H)) as ``torch.nn.GRU``.

    Parameters: weight_ih (input, 3H), weight_hh (H, 3H), bias_ih (3H,), bias_hh (3H,),
    gate blocks r, z, n.  PyTorch stores the weights transposed, (3H, input) and (3H, H),
    and names them weight_ih_l0 ...; the biases are the same.
    """

    gates = 3
    split_bias = True

    def forward(self, x: Tensor, h0: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._batch_first(x)
        x = check_sequence(x, self.input_size, "GRU", self.weight_ih)
        h0 = self._check_unbatched_state(h0, unbatched)
        out, h = gru(x, self._initial(x, h0), self.weight_ih, self.weight_hh, self.bias_ih,
                     self.bias_hh, gate_order="rzn")
        out, (h,) = self._layout(out, [h], unbatched)
        return out, h
