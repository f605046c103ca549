"""Serve a saved model over HTTP, and predict whole files.

Command line (binds to 127.0.0.1 unless ``--host`` says otherwise)::

    python -m minidl.serve model.keras --port 8000
    curl -X POST localhost:8000/predict -d '{"inputs": [[0.1, 0.2, 0.3, 0.4]]}'
    # {"predictions": [[0.02, 0.97, 0.01]]}

From Python: :func:`make_server` (see :mod:`.server`) and :func:`predict_file`.
"""

from .batch import predict_file
from .server import MAX_BODY_BYTES, ModelServer, Stats, load_model_file, make_server
from .validation import InputError

__all__ = ["MAX_BODY_BYTES", "InputError", "ModelServer", "Stats", "load_model_file", "make_server",
           "predict_file"]
