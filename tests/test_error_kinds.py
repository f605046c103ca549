"""Errors that PyTorch raises as RuntimeError are also minidl.MinidlError subclasses, so one
``except minidl.MinidlError`` catches every refusal of minidl's."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import nn


@pytest.mark.skipif(mdl.cuda.is_available(), reason="a GPU is present: cuda is available")
def test_cuda_without_a_gpu_is_a_minidl_error_and_a_runtime_error():
    with pytest.raises(mdl.DeviceUnavailableError, match="cuda.*not available.*'cpu'") as info:
        mdl.tensor([1.0], device="cuda")
    assert isinstance(info.value, mdl.MinidlError) and isinstance(info.value, RuntimeError)


def test_clip_grad_norm_of_nan_gradients_refused_when_asked():
    layer = nn.Linear(2, 2)
    layer.weight.grad = mdl.tensor(np.full((2, 2), np.nan, dtype="float32"))
    layer.bias.grad = mdl.tensor(np.zeros(2, dtype="float32"))
    with pytest.raises(mdl.NotFiniteError, match="total norm of the gradients is nan") as info:
        nn.utils.clip_grad_norm_(layer.parameters(), 1.0, error_if_nonfinite=True)
    assert isinstance(info.value, RuntimeError)  # as torch.nn.utils.clip_grad_norm_


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(factor="0.5"), TypeError, "factor must be a number"),
    (dict(factor=1.0), ValueError, "factor must be"),
    (dict(patience="a"), TypeError, "patience must be a non-negative int"),
    (dict(cooldown=-1), ValueError, "cooldown must be a non-negative int"),
    (dict(threshold=None), TypeError, "threshold must be a number"),
    (dict(min_lr="x"), TypeError, "min_lr must be a number"),
    (dict(min_lr=[-0.1]), ValueError, "min_lr must be >= 0"),
])
def test_reduce_lr_on_plateau_checks_its_arguments(kwargs, error, message):
    optimizer = mdl.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(error, match=message):
        mdl.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)


def test_normalization_before_adapt_is_a_minidl_error():
    layer = mdl.keras.layers.Normalization()
    with pytest.raises(mdl.NotReadyError, match="adapt") as info:
        layer(np.ones((2, 3), dtype="float32"))
    assert isinstance(info.value, RuntimeError)
