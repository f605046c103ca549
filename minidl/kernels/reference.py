"""Plain NumPy versions of the hot-path kernels: the readable definition of each.

Every function here works on raw arrays (no Tensors, no autograd) and is written
with the array module of its input (``xp``), so it runs on NumPy and on CuPy.
The Numba kernels in :mod:`minidl.kernels.cpu_numba` compute the same results
faster and are tested against these.

Layout conventions (as Keras): activations are NHWC ``(N, H, W, C)``,
convolution kernels are HWIO ``(kh, kw, C_in, C_out)``.  ``pads`` is always
``(top, bottom, left, right)``, the zero (or ``-inf``) rows and columns added
around each image; :func:`pad_amounts` turns ``"valid"``/``"same"``/``int``
into these numbers.

Why im2col?  A convolution is a sum over a small window for every output pixel.
Copying every window into one row of a matrix (``cols``) turns the whole layer
into a single matrix product ``cols @ W``, which BLAS runs near peak speed:

    y[n, oh, ow, o] = sum_{i, j, c} xpad[n, oh*sh + i, ow*sw + j, c] * w[i, j, c, o]
                    = (cols @ w.reshape(kh*kw*C, O))[(n, oh, ow), o]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minidl.backend import get_array_module

# the dense-layer kernels (softmax, cross-entropy, ReLU, bias) are in reference_dense.py;
# they are re-exported here, where kernels are looked up by name
from .reference_dense import (  # noqa: F401
    bias_act,
    check_target,
    linear_forward,
    relu_backward,
    relu_backward_bias,
    relu_forward,
    softmax,
    softmax_cross_entropy,
)

Pads = tuple[int, int, int, int]


# ----------------------------------------------------------------------------- padding
def pad_amounts(in_size: int, k: int, stride: int, padding: Any) -> tuple[int, int, int]:
    """Padding before/after one spatial axis and the output size along it.

    - ``"valid"``: no padding, ``out = floor((in - k) / stride) + 1``.
    - ``"same"`` (TensorFlow's rule): ``out = ceil(in / stride)``; the total padding
      ``max((out - 1)*stride + k - in, 0)`` is split with the extra row at the end
      (bottom/right), ``before = total // 2``.
    - an int ``p``: ``p`` zeros on both sides, ``out = floor((in + 2p - k) / stride) + 1``.
    """
    if stride < 1 or k < 1:
        raise ValueError(f"window size and stride must be >= 1, got size {k} and stride {stride}")
    if isinstance(padding, str) and padding.lower() == "valid":
        before = after = 0
    elif isinstance(padding, str) and padding.lower() == "same":
        out = -(-in_size // stride)
        total = max((out - 1) * stride + k - in_size, 0)
        before, after = total // 2, total - total // 2
    elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        before = after = int(padding)
    else:
        raise ValueError(
            f"padding must be 'valid', 'same' or a non-negative int, got {padding!r}"
        )
    out = (in_size + before + after - k) // stride + 1
    if out < 1:
        raise ValueError(
            f"window of size {k} does not fit an input of size {in_size} with padding "
            f"{padding!r}: the output size would be {out}, expected at least 1"
        )
    return before, after, out


def _out_size(in_size: int, k: int, s: int, before: int, after: int) -> int:
    """Output length of a window of size ``k``, stride ``s`` on a padded axis."""
    out = (in_size + before + after - k) // s + 1
    if out < 1:
        raise ValueError(f"window {k} does not fit input {in_size} padded by ({before}, {after})")
    return out


def _check_pool_pads(ph: int, pw: int, pads: Pads) -> None:
    """Every pooling window must hold at least one real (unpadded) element."""
    top, bottom, left, right = pads
    if max(top, bottom) >= ph or max(left, right) >= pw:
        raise ValueError(
            f"pooling padding {pads} must be smaller than the pool size {(ph, pw)}, "
            "otherwise some windows hold only padding"
        )


def _window(a: Any, i: int, j: int, oh: int, ow: int, sh: int, sw: int) -> Any:
    """The view ``a[:, i + sh*r, j + sw*q, :]`` for r < oh, q < ow (one window offset)."""
    return a[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]


# ----------------------------------------------------------------------------- matmul
def matmul(a: Any, b: Any) -> Any:
    """``a @ b`` (the Numba module spreads a large 2-D product over the cores)."""
    return a @ b


# ----------------------------------------------------------------------------- im2col
def im2col(x: Any, kh: int, kw: int, sh: int, sw: int, pads: Pads) -> Any:
    """Copy every ``kh x kw`` window of ``x`` (N, H, W, C) into one row of ``cols``.

    ``cols[(n, oh, ow), (i, j, c)] = xpad[n, oh*sh + i, ow*sw + j, c]``, shape
    ``(N*OH*OW, kh*kw*C)``.  The loop runs over the ``kh*kw`` window offsets only;
    each step copies a strided view of the whole batch.
    """
    xp = get_array_module(x)
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, kh, sh, top, bottom), _out_size(w, kw, sw, left, right)
    xpad = xp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    cols = xp.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = _window(xpad, i, j, oh, ow, sh, sw)
    return cols.reshape(n * oh * ow, kh * kw * c)


def col2im(dcols: Any, x_shape: tuple, kh: int, kw: int, sh: int, sw: int, pads: Pads) -> Any:
    """Adjoint of :func:`im2col`: add every row of ``dcols`` back onto its window.

    ``dx[n, h, w, c] = sum over (oh, ow, i, j) with oh*sh + i = h + top and
    ow*sw + j = w + left of dcols[(n, oh, ow), (i, j, c)]``; overlapping windows add up.
    """
    xp = get_array_module(dcols)
    n, h, w, c = x_shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, kh, sh, top, bottom), _out_size(w, kw, sw, left, right)
    d = dcols.reshape(n, oh, ow, kh, kw, c)
    dxpad = xp.zeros((n, h + top + bottom, w + left + right, c), dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            _window(dxpad, i, j, oh, ow, sh, sw)[...] += d[:, :, :, i, j, :]
    return xp.ascontiguousarray(dxpad[:, top : top + h, left : left + w, :])


# ----------------------------------------------------------------------------- conv2d
def _check_conv(x_shape: tuple, w: Any) -> None:
    if len(x_shape) != 4 or w.ndim != 4:
        raise ValueError(
            f"conv2d expects x as (N, H, W, C) and w as (kh, kw, C, O), got x {tuple(x_shape)} "
            f"and w {tuple(w.shape)}"
        )
    if w.shape[2] != x_shape[3]:
        raise ValueError(
            f"conv2d kernel expects {w.shape[2]} input channels (w is HWIO {tuple(w.shape)}), "
            f"got input with {x_shape[3]} channels"
        )


def conv2d_forward(x: Any, w: Any, b: Any, sh: int, sw: int, pads: Pads, relu: bool = False) -> Any:
    """``y = im2col(x) @ w.reshape(kh*kw*C, O) + b``, shape (N, OH, OW, O).

    With ``relu=True`` the activation is applied too: ``y = max(y, 0)`` (one
    pass less over ``y`` than a separate ReLU; the Numba version does it while
    each chunk of ``y`` is still in cache).
    """
    _check_conv(x.shape, w)
    kh, kw, c, o = w.shape
    n, h, wd, _ = x.shape
    oh = _out_size(h, kh, sh, pads[0], pads[1])
    ow = _out_size(wd, kw, sw, pads[2], pads[3])
    y = im2col(x, kh, kw, sh, sw, pads) @ w.reshape(kh * kw * c, o)
    if b is not None:
        y += b
    if relu:
        y = relu_forward(y)
    return y.reshape(n, oh, ow, o)


def conv2d_backward(
    dy: Any,
    x: Any,
    w: Any,
    sh: int,
    sw: int,
    pads: Pads,
    need_dx: bool,
    need_dw: bool,
    need_db: bool,
) -> tuple[Any, Any, Any]:
    """Gradients of ``y = cols @ W2d + b``, with ``cols = im2col(x)`` and ``dY2d = dy.reshape(-1, O)``:

    ``dW = cols^T @ dY2d`` (reshaped to HWIO), ``db = sum_rows dY2d`` and
    ``dx = col2im(dY2d @ W2d^T)``.  Each is computed only when asked (``None`` otherwise).
    The columns are rebuilt from ``x`` rather than kept from the forward pass: a
    copy costs little next to the matrix products, and keeping them would hold
    ``kh*kw`` times the input's memory until the backward pass.
    """
    _check_conv(x.shape, w)
    kh, kw, c, o = w.shape
    w2d = w.reshape(kh * kw * c, o)
    dy2d = dy.reshape(-1, o)
    dx = dw = db = None
    if need_dw:
        dw = (im2col(x, kh, kw, sh, sw, pads).T @ dy2d).reshape(w.shape)
    if need_db:
        db = bias_grad(dy2d)
    if need_dx:
        dx = col2im(dy2d @ w2d.T, x.shape, kh, kw, sh, sw, pads)
    return dx, dw, db


def conv2d_maxpool_forward(
    x: Any, w: Any, b: Any, sh: int, sw: int, pads: Pads, relu: bool,
    ph: int, pw: int, psh: int, psw: int,
) -> Any:  # fmt: skip
    """``maxpool(act(conv2d(x) + b))`` with valid pooling, for inference (no argmax kept).

    The definition is just the composition; the Numba version computes only the conv
    pixels the pooling reads and pools each chunk while it is in cache.
    """
    y = conv2d_forward(x, w, b, sh, sw, pads, relu)
    return maxpool2d_forward(y, ph, pw, psh, psw, (0, 0, 0, 0), want_argmax=False)[0]


def bias_grad(dy2d: Any) -> Any:
    """``db[o] = sum_r dy2d[r, o]``: the bias gradient is the column sum."""
    return dy2d.sum(axis=0)


# ----------------------------------------------------------------------------- pooling
def maxpool2d_forward(
    x: Any, ph: int, pw: int, sh: int, sw: int, pads: Pads, want_argmax: bool = True
) -> tuple[Any, Any]:
    """``y[n, oh, ow, c] = max of the window``; padding counts as ``-inf``.

    Also returns ``argmax`` (int64, same shape as ``y``): the flat index into ``x``
    of the first maximum of each window (row-major order inside the window), which
    is where the backward pass sends the gradient; ``None`` when ``want_argmax``
    is false (inference needs no backward pass).
    """
    _check_pool_pads(ph, pw, pads)
    xp = get_array_module(x)
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, ph, sh, top, bottom), _out_size(w, pw, sw, left, right)
    kind = x.dtype.kind  # padding is the lowest value of the dtype: -inf, or an integer type's minimum
    low = -np.inf if kind == "f" else np.iinfo(x.dtype).min if kind in "iu" else False
    xpad = xp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=low)
    win = xp.empty((ph * pw, n, oh, ow, c), dtype=x.dtype)
    for i in range(ph):
        for j in range(pw):
            win[i * pw + j] = _window(xpad, i, j, oh, ow, sh, sw)
    k = win.argmax(axis=0)  # first maximum: argmax returns the first index of ties
    y = xp.take_along_axis(win, k[None], axis=0)[0]
    if not want_argmax:
        return y, None
    # window offset k = i*pw + j  ->  position (h, w) in the unpadded image
    rows = xp.arange(oh).reshape(1, oh, 1, 1) * sh - top + k // pw
    colm = xp.arange(ow).reshape(1, 1, ow, 1) * sw - left + k % pw
    # a padded position wins only when the whole window is -inf (it then is the window's
    # top-left corner); the first real element, one clamp away, is the right answer
    rows, colm = xp.maximum(rows, 0), xp.maximum(colm, 0)
    nn = xp.arange(n).reshape(n, 1, 1, 1)
    cc = xp.arange(c).reshape(1, 1, 1, c)
    argmax = ((nn * h + rows) * w + colm) * c + cc
    return y, argmax.astype(np.int64)


def maxpool2d_backward(dy: Any, argmax: Any, x_shape: tuple) -> Any:
    """``dx[argmax[k]] += dy[k]`` for every output element ``k`` (windows may share a max)."""
    xp = get_array_module(dy)
    size = int(np.prod(x_shape))
    dx = xp.bincount(argmax.ravel(), weights=dy.ravel(), minlength=size)
    return dx.astype(dy.dtype, copy=False).reshape(x_shape)


def _pool_counts(xp: Any, h: int, w: int, ph: int, pw: int, sh: int, sw: int, pads: Pads) -> Any:
    """Number of real (unpadded) elements in each pooling window, shape (OH, OW, 1)."""
    top, bottom, left, right = pads
    oh, ow = _out_size(h, ph, sh, top, bottom), _out_size(w, pw, sw, left, right)
    r0 = xp.arange(oh) * sh - top
    c0 = xp.arange(ow) * sw - left
    nr = xp.minimum(r0 + ph, h) - xp.maximum(r0, 0)
    nc = xp.minimum(c0 + pw, w) - xp.maximum(c0, 0)
    return (nr[:, None] * nc[None, :])[:, :, None]


def avgpool2d_forward(x: Any, ph: int, pw: int, sh: int, sw: int, pads: Pads) -> Any:
    """``y = (sum of the window's real elements) / (their number)``.

    Padding is left out of the average (Keras ``"same"``; PyTorch's
    ``count_include_pad=False``).
    """
    _check_pool_pads(ph, pw, pads)
    xp = get_array_module(x)
    n, h, w, c = x.shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, ph, sh, top, bottom), _out_size(w, pw, sw, left, right)
    xpad = xp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    total = xp.zeros((n, oh, ow, c), dtype=x.dtype)
    for i in range(ph):
        for j in range(pw):
            total += _window(xpad, i, j, oh, ow, sh, sw)
    return total / _pool_counts(xp, h, w, ph, pw, sh, sw, pads).astype(x.dtype)


def avgpool2d_backward(
    dy: Any, x_shape: tuple, ph: int, pw: int, sh: int, sw: int, pads: Pads
) -> Any:
    """Each window hands ``dy / count`` to every real element it covers."""
    _check_pool_pads(ph, pw, pads)
    xp = get_array_module(dy)
    n, h, w, c = x_shape
    top, bottom, left, right = pads
    oh, ow = _out_size(h, ph, sh, top, bottom), _out_size(w, pw, sw, left, right)
    share = dy / _pool_counts(xp, h, w, ph, pw, sh, sw, pads).astype(dy.dtype)
    dxpad = xp.zeros((n, h + top + bottom, w + left + right, c), dtype=dy.dtype)
    for i in range(ph):
        for j in range(pw):
            _window(dxpad, i, j, oh, ow, sh, sw)[...] += share
    return xp.ascontiguousarray(dxpad[:, top : top + h, left : left + w, :])
