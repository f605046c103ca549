"""Fixtures shared by the Keras tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def onnx_matches_predict():
    """``check(model, path, shapes)``: export ``model`` to ``path``, run the file with
    onnxruntime (an independent implementation) on random inputs of each shape, and compare
    with ``model.predict``.  Skips when onnx or onnxruntime is missing."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")

    def check(model, path, shapes, seed: int = 1) -> None:
        model.export(str(path))
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        rng = np.random.default_rng(seed)
        for shape in shapes:
            x = rng.normal(size=shape).astype(np.float32)
            expected = model.predict(x, verbose=0)
            got = session.run(None, {"input": x})[0]
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)

    return check
