"""keras.utils.normalize and keras.utils.Progbar, pinned to Keras 3.15.

Reference values were computed once with real Keras 3.15 (``KERAS_BACKEND=jax``) and are
hard-coded here: CI does not install Keras.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import minidl as mdl
from minidl import keras
from minidl.keras.utils import Progbar, normalize

A = np.array([[3.0, 4.0, 0.0], [1.0, -2.0, 2.0]])


def test_normalize_as_keras():
    np.testing.assert_allclose(normalize(A), [[0.6, 0.8, 0.0], [1 / 3, -2 / 3, 2 / 3]], rtol=1e-15)
    np.testing.assert_allclose(normalize(A, order=1), [[3 / 7, 4 / 7, 0.0], [0.2, -0.4, 0.4]], rtol=1e-15)
    keras_3d = [[[0.0, 0.1690309], [0.4472136, 0.5070926], [0.8944272, 0.8451543]],
                [[0.4242641, 0.4418361], [0.5656854, 0.568075], [0.7071068, 0.6943138]]]
    np.testing.assert_allclose(normalize(np.arange(12.0).reshape(2, 3, 2), axis=1), keras_3d, atol=1e-7)
    assert normalize(A.astype("float32")).dtype == np.float32  # Keras keeps float32
    assert keras.utils.normalize is normalize


def test_normalize_axis_0_and_zero_vectors():
    # Keras 3.15's NumPy path turns axis=0 into -1 (`axis or -1`) and then fails to broadcast;
    # minidl normalizes the columns, checked against the definition.
    columns = normalize(A, axis=0)
    np.testing.assert_allclose(columns, A / np.sqrt((A**2).sum(axis=0)), rtol=1e-15)
    np.testing.assert_array_equal(normalize(np.zeros((2, 3))), np.zeros((2, 3)))
    np.testing.assert_allclose(np.linalg.norm(normalize([[1, 2], [3, 4]]), axis=-1), [1, 1])


@pytest.mark.parametrize("order", [1, 2])
def test_normalize_tensor_keeps_gradients(order):
    x = mdl.tensor(np.vstack([A, np.zeros((1, 3))]), dtype=np.float64, requires_grad=True)
    y = normalize(x, order=order)
    assert isinstance(y, mdl.Tensor)
    np.testing.assert_allclose(y.numpy()[:2], normalize(A, order=order), rtol=1e-15)
    weights = mdl.tensor(np.arange(1.0, 4.0), dtype=np.float64)
    assert mdl.gradcheck(lambda t: normalize(t, order=order) * weights, mdl.tensor(A, dtype=np.float64,
                                                                                   requires_grad=True))
    (y * weights).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()  # the zero row divides by 1, no 0/0


@pytest.mark.parametrize("call,message", [
    (lambda: normalize(A, axis=2), "axis must be an int in"),
    (lambda: normalize(A, axis=None), "axis must be an int in"),
    (lambda: normalize(A, order="fro"), "invalid order"),
    (lambda: normalize(mdl.tensor(A), order=3), "order 1 or 2"),
])
def test_normalize_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _shown(text: str) -> list[dict[str, str]]:
    """The name: value pairs of each line drawn (lines separated by \\r or \\n), without the ETA."""
    lines = [line for line in re.split(r"[\r\n]", text) if ": " in line]
    return [{k: v for k, v in re.findall(r"(\w+): ([-\d.e]+)", line) if k != "ETA"} for line in lines]


def test_progbar_averages_as_keras(capsys):
    # Keras 3.15 drew loss 1.0000, 1.5000, 2.7500 (steps weighted: (1 + 2 + 4·2) / 4), then at
    # the final step 5.0000 (the value given, as is); acc (stateful) as given each time.
    bar = Progbar(5, interval=0, stateful_metrics=["acc"])
    for step, loss, acc in [(1, 1.0, 0.2), (2, 2.0, 0.4), (4, 4.0, 0.8), (5, 5.0, 1.0)]:
        bar.update(step, [("loss", loss), ("acc", acc)])
    out = capsys.readouterr().out
    assert _shown(out) == [{"loss": "1.0000", "acc": "0.2000"}, {"loss": "1.5000", "acc": "0.4000"},
                           {"loss": "2.7500", "acc": "0.8000"}, {"loss": "5.0000", "acc": "1.0000"}]
    assert out.endswith("\n") and "5/5 [" in out


def test_progbar_add_unknown_target_and_verbose_2(capsys):
    bar = Progbar(None, interval=0)
    bar.add(2, [("mae", 0.5)])
    bar.add(1, [("mae", 2.0)])
    assert _shown(capsys.readouterr().out)[-1] == {"mae": "1.0000"}  # Keras 3.15: (0.5·2 + 2·1) / 3
    assert bar._seen_so_far == 3
    # verbose=2: only the final line, "4/4 - 0s - ...us/step - loss: 0.5000 - lr: 1.0000e-03" in Keras 3.15
    quiet = Progbar(4, verbose=2, stateless_metrics=["loss"])
    quiet.update(2, [("loss", 1.0), ("lr", 0.1)])
    quiet.update(3, [("loss", 3.0), ("lr", 0.01)])
    assert capsys.readouterr().out == ""
    quiet.update(4, [("loss", 0.5), ("lr", 0.001)])
    out = capsys.readouterr().out
    assert out.startswith("4/4 - ") and out.endswith(" - loss: 0.5000 - lr: 1.0000e-03\n")
    silent = Progbar(3, verbose=0)
    silent.update(3, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("make,message", [
    (lambda: Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"]), "not both"),
    (lambda: Progbar(-1), "target must be"),
    (lambda: Progbar(3, verbose=3), "verbose must be"),
])
def test_progbar_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
