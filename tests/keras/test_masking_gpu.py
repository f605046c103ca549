"""Masked Keras models on ``"cuda"`` against the CPU: the masks (from Embedding(mask_zero=True),
Masking, and a NumPy ``mask=``) are moved to the input's device, and fit/predict give the
same numbers.  Marked ``gpu``: runs on real CuPy, or in CI on the CPU stand-in (``tests/fake_cupy``)."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl.keras import layers as L
from minidl.keras import models, optimizers

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(5)
IDS = RNG.integers(1, 9, (8, 6))
for row, length in enumerate((6, 2, 3, 4, 5, 1, 6, 3)):
    IDS[row, length:] = 0
X_SEQ = RNG.standard_normal((8, 5, 3)).astype(np.float32)
X_SEQ[1, 3:] = 0.0
X_SEQ[4, :2] = 0.0
Y = RNG.integers(0, 2, (8, 1)).astype(np.float32)


def _embedding_model():
    return models.Sequential([L.Input(shape=(6,), dtype="int32"), L.Embedding(9, 4, mask_zero=True),
                              L.Bidirectional(L.LSTM(3, return_sequences=True)), L.Dense(3),
                              L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])


def _masking_model():
    return models.Sequential([L.Input(shape=(5, 3)), L.Masking(0.0), L.Dense(4, activation="tanh"),
                              L.GRU(3, go_backwards=True), L.Dense(1, activation="sigmoid")])


CASES = {"embedding": (_embedding_model, IDS), "masking": (_masking_model, X_SEQ)}


def _fit(device, monkeypatch, name):
    build, x = CASES[name]
    monkeypatch.setenv("MINIDL_DEVICE", device)
    mdl.manual_seed(0)
    model = build()
    model.compile(optimizer=optimizers.SGD(0.3), loss="binary_crossentropy")
    history = model.fit(x, Y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    return history.history["loss"], model.predict(x, verbose=0), model.get_weights()


@pytest.mark.parametrize("name", sorted(CASES))
def test_masked_models_on_cuda_match_cpu(monkeypatch, name):
    gpu, cpu = _fit("cuda", monkeypatch, name), _fit("cpu", monkeypatch, name)
    np.testing.assert_allclose(gpu[0], cpu[0], rtol=2e-4, atol=1e-6)
    assert type(gpu[1]) is np.ndarray
    np.testing.assert_allclose(gpu[1], cpu[1], rtol=1e-4, atol=1e-5)
    for g, c in zip(gpu[2], cpu[2]):
        np.testing.assert_allclose(g, c, rtol=1e-3, atol=1e-5)


def test_a_numpy_mask_goes_to_the_device(monkeypatch):
    monkeypatch.setenv("MINIDL_DEVICE", "cuda")
    layer = L.LSTM(2, return_sequences=True)
    x = mdl.tensor(X_SEQ, device="cuda")
    mask = np.any(X_SEQ != 0, axis=-1)
    out = layer(x, mask=mask)
    assert out.device == "cuda"
    np.testing.assert_array_equal(out.numpy()[1, 3:], np.repeat(out.numpy()[1, 2:3], 2, axis=0))
