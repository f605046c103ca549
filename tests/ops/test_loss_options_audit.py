"""Audit of the loss options (ignore_index, weight, label_smoothing) against PyTorch 2.13,
and of the training fast path of ``F.cross_entropy``.

PyTorch's values were read off torch 2.13 (CPU) once and are written here; no torch needed.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn

LOGITS = np.random.default_rng(3).normal(size=(3, 4))
ALL_IGNORED = np.array([-100, -100, -100])


@pytest.mark.parametrize("loss", [
    lambda z: F.cross_entropy(z, ALL_IGNORED),
    lambda z: F.cross_entropy(z, ALL_IGNORED, label_smoothing=0.2),
    lambda z: F.cross_entropy(z, ALL_IGNORED, weight=mdl.tensor([1.0, 2.0, 3.0, 4.0], dtype="float64")),
    lambda z: F.nll_loss(F.log_softmax(z), ALL_IGNORED),
    lambda z: F.nll_loss(z, np.array([1, 1, 1]), ignore_index=1),
    lambda z: nn.CrossEntropyLoss(ignore_index=2)(z, np.array([2, 2, 2])),
], ids=["ce", "ce-smoothing", "ce-weight", "nll", "nll-ignore-1", "module"])
def test_every_label_ignored_gives_nan_loss_and_zero_gradient(loss):
    # torch 2.13: F.cross_entropy(z, [-100] * 3) is nan and z.grad is all 0 (a batch of
    # padding must not turn every weight into NaN); minidl's gradient was NaN
    z = mdl.tensor(LOGITS, requires_grad=True, dtype="float64")
    value = loss(z)
    value.backward()
    assert np.isnan(value.item())
    np.testing.assert_array_equal(z.grad.numpy(), np.zeros((3, 4)))


def test_some_labels_ignored_unchanged():
    # torch 2.13, F.cross_entropy(z, [0, -100, 3]) on these logits (float64)
    z = mdl.tensor(LOGITS, requires_grad=True, dtype="float64")
    y = np.array([0, -100, 3])
    loss = F.cross_entropy(z, y)
    logp = LOGITS - np.log(np.exp(LOGITS).sum(-1, keepdims=True))
    np.testing.assert_allclose(loss.item(), -(logp[0, 0] + logp[2, 3]) / 2, rtol=1e-12)
    loss.backward()
    expected = np.exp(logp) / 2
    expected[1] = 0
    expected[0, 0] -= 0.5
    expected[2, 3] -= 0.5
    np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_fast_path_reaches_the_fused_kernel(dtype):
    # plain integer labels and the default options: one SoftmaxCrossEntropy node, nothing else
    z = mdl.tensor(LOGITS, requires_grad=True, dtype=dtype)
    for labels in (np.array([0, 1, 3]), mdl.tensor(np.array([0, 1, 3]))):
        assert type(F.cross_entropy(z, labels).creator).__name__ == "SoftmaxCrossEntropy"
        assert type(nn.CrossEntropyLoss()(z, labels).creator).__name__ == "SoftmaxCrossEntropy"


@pytest.mark.parametrize("target", [np.zeros(0, dtype=np.int64), np.zeros((0, 4))], ids=["labels", "probs"])
def test_cross_entropy_of_an_empty_batch_as_pytorch(target):
    # torch 2.13: the mean over no sample is nan, the sum 0, "none" an empty vector
    z = mdl.tensor(np.zeros((0, 4)), requires_grad=True)
    mean = F.cross_entropy(z, target)
    assert np.isnan(mean.item())  # the fused kernel returned 0
    mean.backward()
    assert z.grad.shape == (0, 4)
    assert F.cross_entropy(z, target, reduction="sum").item() == 0.0
    assert F.cross_entropy(z, target, reduction="none").shape == (0,)


def test_third_positional_argument_is_the_class_weight_as_pytorch():
    # torch.nn.functional.cross_entropy(input, target, weight) and
    # binary_cross_entropy_with_logits(input, target, weight): minidl took the third
    # positional argument as sample_weight, silently so when N equals K
    z = mdl.tensor(np.random.default_rng(0).normal(size=(4, 4)), dtype="float64")
    y = np.array([0, 1, 2, 3])
    w = mdl.tensor([1.0, 2.0, 3.0, 4.0], dtype="float64")
    np.testing.assert_allclose(F.cross_entropy(z, y, w).item(), F.cross_entropy(z, y, weight=w).item())
    assert F.cross_entropy(z, y, w).item() != pytest.approx(F.cross_entropy(z, y, sample_weight=w).item())
    t = (z.numpy() > 0).astype(float)
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(z, t, w).item(),
                               F.binary_cross_entropy_with_logits(z, t, weight=w).item())
