"""1-D convolution and pooling over sequences laid out NLC (batch, length, channels).

Channels last, as the NHWC images of the rest of minidl (and as Keras's Conv1D); PyTorch's
``conv1d`` takes NCL.  Kernels are (k, in_channels, out_channels), the 1-D analogue of HWIO.

No new arithmetic lives here: a sequence (N, L, C) *is* an image (N, 1, L, C) of height 1,
and a kernel (k, Cin, Cout) is a (1, k, Cin, Cout) one, so each function reshapes, calls
the 2-D op (the fast kernels of :mod:`minidl.kernels`) and reshapes back.  Reshapes pass
the gradient through unchanged, so the derivatives are exactly those of the 2-D ops.

Dilation d spreads the k taps d steps apart.  It is the same as an ordinary kernel of
length (k - 1)·d + 1 with d - 1 zeros between the taps; the zeros come from ``pad``, whose
gradient simply drops them, so dL/dw is the 2-D kernel gradient read at the taps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd import Tensor
from .errors import ShapeError
from .ops.common import as_tensor
from .ops.conv import conv2d
from .ops.elementwise import astype
from .ops.pool import avg_pool2d, max_pool2d
from .ops.shape import pad

PADDINGS_1D = ("valid", "same", "causal")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def single(value: Any, name: str, owner: str = "conv1d") -> int:
    """An int or a 1-tuple of ints (Keras's ``(3,)``) as one positive int."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not _is_int(value) or value < 1:
        raise ValueError(f"{owner} {name} must be a positive int (or a 1-tuple of one), got {value!r}")
    return int(value)


def check_padding_1d(padding: Any, owner: str, allow_int: bool = True, allow_causal: bool = True) -> Any:
    """"valid", "same", "causal" (lower-cased) or a non-negative int, else a clear ValueError."""
    if isinstance(padding, str) and padding.lower() in PADDINGS_1D[:2 + allow_causal]:
        return padding.lower()
    if allow_int and isinstance(padding, (tuple, list)) and len(padding) == 1:
        padding = padding[0]
    if allow_int and _is_int(padding) and padding >= 0:
        return int(padding)
    names = [repr(p) for p in PADDINGS_1D[:2 + allow_causal]] + (["a non-negative int"] if allow_int else [])
    expected = ", ".join(names[:-1]) + " or " + names[-1]
    raise ValueError(f"{owner} padding must be {expected}, got {padding!r}")


def _as_sequence(x: Any, like: Tensor | None, owner: str) -> Tensor:
    x = as_tensor(x) if like is None else as_tensor(x, like)
    if x.ndim != 3:
        raise ShapeError(f"{owner} expects NLC input (batch, length, channels) with 3 dimensions, "
                         f"got shape {x.shape}")
    return x


def dilate_kernel(w: Tensor, dilation: int) -> Tensor:
    """(k, Cin, Cout) -> ((k - 1)·d + 1, Cin, Cout) with d - 1 zero taps between the taps."""
    if dilation == 1:
        return w
    k, cin, cout = w.shape
    spread = pad(w.reshape(k, 1, cin, cout), ((0, 0), (0, dilation - 1), (0, 0), (0, 0)))
    return spread.reshape(k * dilation, cin, cout)[: (k - 1) * dilation + 1]


def conv1d(
    x: Any, w: Tensor, b: Tensor | None = None, stride: Any = 1, padding: Any = "valid", dilation: Any = 1
) -> Tensor:
    """Convolve NLC ``x`` (batch, length, in_channels) with a kernel ``w`` (k, in_channels, out_channels).

    y[n, t, o] = Σ_{i,c} x_pad[n, t·stride + i·dilation, c] · w[i, c, o] + b[o]

    ``padding``: "valid" (none), "same" (TensorFlow's split, the extra zero at the end when
    stride > 1), "causal" ((k - 1)·dilation zeros at the start only, so y[t] sees no x after t,
    as Keras's Conv1D) or an int p (p zeros at both ends, as PyTorch).  PyTorch's conv1d takes
    NCL input and an (out, in, k) weight: ``x.transpose(0, 2, 1)`` and ``w.transpose(2, 1, 0)``.
    """
    if not isinstance(w, Tensor):
        raise TypeError(f"conv1d expects the kernel as a Tensor, got {type(w).__name__}; "
                        "wrap arrays with minidl.tensor(...)")
    x = _as_sequence(x, w, "conv1d")
    if x.dtype.kind != "f":  # integer sequences take the kernel's float dtype, as conv2d does
        x = astype(x, w.dtype)
    if w.ndim != 3:
        raise ShapeError(f"conv1d expects a kernel (k, in_channels, out_channels) with 3 dimensions, "
                         f"got shape {w.shape}")
    if w.shape[0] == 0:
        raise ShapeError(f"conv1d kernel has no taps (shape {w.shape}); expected k >= 1")
    if x.shape[2] != w.shape[1]:
        hint = "; this looks like NCL (PyTorch's layout): use x.transpose(0, 2, 1)" if x.shape[1] == w.shape[1] else ""
        raise ShapeError(f"conv1d expected input with {w.shape[1]} channels (last axis, NLC), "
                         f"got shape {x.shape}{hint}")
    stride, dilation = single(stride, "stride"), single(dilation, "dilation")
    padding = check_padding_1d(padding, "conv1d")
    kernel = dilate_kernel(w, dilation)
    span = kernel.shape[0]
    if padding == "causal":
        x, padding = pad(x, ((0, 0), (span - 1, 0), (0, 0))), "valid"
    pads_2d = (0, padding) if _is_int(padding) else padding  # an int pads the length only
    if padding == "valid" or _is_int(padding):
        padded = x.shape[1] + 2 * (padding if _is_int(padding) else 0)
        if padded < span:
            raise ShapeError(f"conv1d kernel spans {span} steps (k={w.shape[0]}, dilation={dilation}) but "
                             f"the input has only {padded} after padding {padding!r} (shape {x.shape})")
    n, length, cin = x.shape
    y = conv2d(x.reshape(n, 1, length, cin), kernel.reshape(1, span, cin, w.shape[2]), b, (1, stride), pads_2d)
    return y.reshape(n, y.shape[2], y.shape[3])


def _pool1d(pool2d: Any, x: Any, pool_size: Any, stride: Any, padding: Any, name: str) -> Tensor:
    x = _as_sequence(x, None, name)
    size = single(pool_size, "pool_size", name)
    step = size if stride is None else single(stride, "stride", name)
    if type(padding) is int and padding == 0:  # PyTorch's padding=0: no padding
        padding = "valid"
    padding = check_padding_1d(padding, name, allow_int=False, allow_causal=False)
    if padding == "valid" and x.shape[1] < size:
        raise ShapeError(f"{name} window of {size} steps does not fit an input of length {x.shape[1]} "
                         f"(shape {x.shape}) with 'valid' padding")
    n, length, c = x.shape
    y = pool2d(x.reshape(n, 1, length, c), (1, size), (1, step), padding)
    return y.reshape(n, y.shape[2], c)


def max_pool1d(x: Any, pool_size: Any = 2, stride: Any = None, padding: Any = "valid") -> Tensor:
    """Maximum over windows of ``pool_size`` steps of NLC ``x``; ``stride=None`` means the pool size.

    The gradient goes to the first maximum of each window.  PyTorch's max_pool1d takes NCL.
    """
    return _pool1d(max_pool2d, x, pool_size, stride, padding, "max_pool1d")


def avg_pool1d(x: Any, pool_size: Any = 2, stride: Any = None, padding: Any = "valid") -> Tensor:
    """Mean over windows of ``pool_size`` steps of NLC ``x``; with "same" padding the border
    windows average only real steps (as Keras).  dL/dx = G / count spread over each window."""
    return _pool1d(avg_pool2d, x, pool_size, stride, padding, "avg_pool1d")
