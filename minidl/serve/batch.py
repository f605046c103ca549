"""Batch inference on files: predictions for every row of a .npy or .csv file."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from .validation import InputError, check_examples, example_shape


def _read_csv(path: str) -> np.ndarray:
    """Numbers separated by commas, one example per row; a header line is skipped."""
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    try:
        [float(v) for v in first.strip().split(",")]
        skip = 0
    except ValueError:
        skip = 1  # the first line holds column names
    try:
        return np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2, dtype=np.float64)
    except ValueError as error:
        raise InputError(f"{path!r} is not a CSV of numbers: {error}") from None


def read_inputs(path: str | os.PathLike, shape: tuple) -> np.ndarray:
    """The examples in ``path`` (.npy: any shape; .csv: flat rows reshaped to ``shape``)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"input file {path!r} does not exist")
    if path.endswith(".npy"):
        array = np.load(path, allow_pickle=False)
    elif path.endswith(".csv"):
        array = _read_csv(path)
        size = int(np.prod([n for n in shape if n is not None]))
        if None not in shape and array.shape[1] == size:
            array = array.reshape(len(array), *shape)
    else:
        raise ValueError(f"input file {path!r} must end in .npy or .csv")
    return check_examples(array, shape, what=f"input file {path!r}")


def write_outputs(path: str, predictions: np.ndarray) -> None:
    """Write .npy or .csv (one row per example), atomically: temporary file, then rename."""
    if not path.endswith((".npy", ".csv")):
        raise ValueError(f"output file {path!r} must end in .npy or .csv")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".minidl-predictions-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            if path.endswith(".npy"):
                np.save(f, predictions)
            else:
                np.savetxt(f, predictions.reshape(len(predictions), -1), delimiter=",", fmt="%.8g")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def predict_file(model_or_path: Any, input_path: str | os.PathLike, output_path: str | os.PathLike,
                 batch_size: int = 256) -> np.ndarray:
    """Predict every example of ``input_path`` and write the predictions to ``output_path``.

    ``model_or_path``: a model or a file saved with ``model.save``.  Inputs: a ``.npy``
    array of examples (n, *input shape), or a ``.csv`` with one flattened example per
    row (an optional header line is skipped).  Output: ``.npy`` or ``.csv``.  The data
    is checked as the server checks it (shape, numbers, no NaN).  Returns the predictions.
    """
    from .server import load_model_file

    model = load_model_file(model_or_path) if isinstance(model_or_path, (str, os.PathLike)) else model_or_path
    batch = read_inputs(input_path, example_shape(model))
    predictions = model.predict(batch, batch_size=batch_size, verbose=0)
    write_outputs(os.fspath(output_path), predictions)
    return predictions
