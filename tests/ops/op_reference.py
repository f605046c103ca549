"""Plain NumPy references for the op table, written independently of minidl's code.

Convolution and pooling are direct loops over output pixels (no im2col), so they
check minidl's im2col/Numba kernels against the definition.  "same" padding follows
TensorFlow: ``out = ceil(in / stride)``, total padding ``max((out-1)·s + k - in, 0)``,
with the odd extra row/column at the bottom/right.
"""

from __future__ import annotations

import math

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def tf_pads(size: int, k: int, s: int, padding) -> tuple[int, int]:
    """(before, after) padding of one spatial axis."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        return total // 2, total - total // 2
    return padding, padding


# ----------------------------------------------------------------- activations


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.log(1.0 + np.exp(x))


def gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1.0))


def leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    return np.log(softmax(x, axis))


def logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


# ----------------------------------------------------------------- conv and pool


def conv2d(x, w, b=None, stride=1, padding="valid"):
    """y[n,i,j,o] = Σ_{p,q,c} xpad[n, i·sh+p, j·sw+q, c] w[p,q,c,o] (+ b[o])."""
    sh, sw = pair(stride)
    kh, kw, _, cout = w.shape
    top, bottom = tf_pads(x.shape[1], kh, sh, padding)
    left, right = tf_pads(x.shape[2], kw, sw, padding)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    oh = (xp.shape[1] - kh) // sh + 1
    ow = (xp.shape[2] - kw) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, cout), dtype=np.result_type(x, w))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
            y[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return y if b is None else y + b


def pool2d(x, size, stride=None, padding="valid", reduce=np.max):
    """Reduce each window over the real pixels only (padding never counts)."""
    kh, kw = pair(size)
    sh, sw = pair(stride if stride is not None else size)
    n, h, w, c = x.shape
    top, bottom = tf_pads(h, kh, sh, padding)
    left, right = tf_pads(w, kw, sw, padding)
    oh = (h + top + bottom - kh) // sh + 1
    ow = (w + left + right - kw) // sw + 1
    y = np.zeros((n, oh, ow, c), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            r, q = i * sh - top, j * sw - left
            window = x[:, max(r, 0) : min(r + kh, h), max(q, 0) : min(q + kw, w), :]
            y[:, i, j, :] = reduce(window, axis=(1, 2))
    return y


# ----------------------------------------------------------------- losses


def cross_entropy(z, target):
    logp = log_softmax(z.reshape(-1, z.shape[-1]))
    if target.dtype.kind in "iu":
        return -np.mean(logp[np.arange(logp.shape[0]), target.reshape(-1)])
    return -np.mean(np.sum(target.reshape(logp.shape) * logp, axis=1))


def nll_loss(logp, labels):
    return -np.mean(logp[np.arange(len(labels)), labels])


def huber(p, y, delta=1.0):
    e = np.abs(p - y)
    return np.mean(np.where(e <= delta, 0.5 * e**2, delta * (e - 0.5 * delta)))


def bce(p, y):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def bce_with_logits(z, y):
    return bce(sigmoid(z), y)


# ----------------------------------------------------------------- PyTorch twins


def th_conv2d(t, x, w, b=None, stride=1, padding="valid"):
    """The same convolution with PyTorch: NHWC->NCHW, HWIO->OIHW, explicit TF padding."""
    sh, sw = pair(stride)
    kh, kw = w.shape[0], w.shape[1]
    top, bottom = tf_pads(x.shape[1], kh, sh, padding)
    left, right = tf_pads(x.shape[2], kw, sw, padding)
    xc = t.nn.functional.pad(x.permute(0, 3, 1, 2), (left, right, top, bottom))
    y = t.nn.functional.conv2d(xc.contiguous(), w.permute(3, 2, 0, 1).contiguous(), b, stride=(sh, sw))
    return y.permute(0, 2, 3, 1)


def th_pool2d(t, x, size, stride=None, padding="valid", kind="max"):
    """PyTorch pooling with TF padding; average pooling counts only real pixels."""
    kh, kw = pair(size)
    sh, sw = pair(stride if stride is not None else size)
    top, bottom = tf_pads(x.shape[1], kh, sh, padding)
    left, right = tf_pads(x.shape[2], kw, sw, padding)
    pads = (left, right, top, bottom)
    F = t.nn.functional
    xc = x.permute(0, 3, 1, 2)
    if kind == "max":
        y = F.max_pool2d(F.pad(xc, pads, value=-math.inf), (kh, kw), (sh, sw))
    else:
        total = F.avg_pool2d(F.pad(xc, pads), (kh, kw), (sh, sw))
        count = F.avg_pool2d(F.pad(t.ones_like(xc), pads), (kh, kw), (sh, sw))
        y = total / count
    return y.permute(0, 2, 3, 1)


# ----------------------------------------------------------------- sorting


def sort_order(x, axis=-1, descending=False):
    """Indices that sort ``x`` along ``axis``, stable (ties keep their order) both ways:
    descending sorts -x ascending (no nan in the table's inputs)."""
    return np.argsort(-x if descending else x, axis=axis, kind="stable")


def topk_order(x, k, axis=-1, largest=True):
    """The first ``k`` indices of the stable order: the k largest (smallest) values."""
    return np.take(sort_order(x, axis, descending=largest), np.arange(k), axis=axis)
