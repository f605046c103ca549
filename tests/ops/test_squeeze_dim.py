"""squeeze as NumPy and as PyTorch: ``axis=`` (or a positional axis) refuses an axis whose
size is not 1, as NumPy does; ``dim=`` leaves it alone, as ``torch.squeeze`` does."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl


def t64(data, requires_grad=False):
    return mdl.tensor(np.asarray(data, dtype=np.float64), dtype="float64", requires_grad=requires_grad)


def test_squeeze_dim_leaves_axes_that_are_not_size_one_alone():
    x = mdl.ones(2, 1, 3)
    assert x.squeeze(dim=0).shape == (2, 1, 3)  # torch: x.squeeze(0) is x unchanged
    assert x.squeeze(dim=(0, 1)).shape == (2, 3)
    assert mdl.squeeze(x, dim=-2).shape == (2, 3)
    assert x.squeeze().shape == (2, 3)


def test_squeeze_axis_still_refuses_an_axis_that_is_not_size_one():
    x = mdl.ones(2, 1, 3)
    for call in (lambda: x.squeeze(0), lambda: x.squeeze(axis=0), lambda: mdl.squeeze(x, (0, 1))):
        with pytest.raises(ValueError, match=r"axis 0 .*\(2, 1, 3\).*not 1.*dim=0"):
            call()
    with pytest.raises(TypeError, match="both axis"):
        x.squeeze(1, dim=1)


def test_squeeze_dim_gradient():
    x = t64(np.arange(6.0).reshape(2, 1, 3), requires_grad=True)
    (x.squeeze(dim=1) * t64([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.broadcast_to([1.0, 2.0, 3.0], (2, 1, 3)))
