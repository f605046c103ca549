"""A small HTTP inference server on the standard library (``http.server``).

Endpoints (JSON in, JSON out):

* ``POST /predict`` with ``{"inputs": [[...], ...]}`` (a batch of examples, or one
  example) answers ``{"predictions": [[...], ...]}``, one row per example;
* ``GET /health`` answers ``{"status": "ok", ...}`` with the model's name and shapes;
* ``GET /metrics`` answers request and error counts and latency percentiles.

Bad requests get a 4xx answer ``{"error": "..."}`` naming the problem (400 invalid
input or JSON, 404 unknown path, 405 wrong method, 411 no Content-Length, 413 body
over ``max_body_bytes``) and the server keeps serving.  One thread per connection
(``ThreadingHTTPServer``); predictions run one at a time behind a lock, because a
model's layers are not written to be called from several threads at once (NumPy's
BLAS still uses every core for each prediction).

There is no authentication or TLS: the server binds to 127.0.0.1 (this machine only)
unless told otherwise.  Put a reverse proxy in front of it before exposing it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from .validation import InputError, example_shape, parse_payload

MAX_BODY_BYTES = 10 * 2**20  # 10 MiB: about 1,500 MNIST images as JSON


class Stats:
    """POST /predict counts (requests, failed ones, examples predicted) and the latencies
    of the last ``window`` requests, from reading the request to sending the answer."""

    def __init__(self, window: int = 10_000) -> None:
        self.lock = threading.Lock()
        self.started = time.time()
        self.requests = self.errors = self.examples = 0
        self.latencies: deque[float] = deque(maxlen=window)

    def record(self, seconds: float, ok: bool, examples: int = 0) -> None:
        with self.lock:
            self.requests += 1
            self.errors += not ok
            self.examples += examples
            self.latencies.append(seconds)

    def snapshot(self) -> dict:
        with self.lock:
            latencies = np.array(self.latencies) * 1000.0
            counts = {"requests": self.requests, "errors": self.errors, "examples": self.examples}
        percentiles = {f"p{q}": round(float(np.percentile(latencies, q)), 3) if len(latencies) else None
                       for q in (50, 95, 99)}
        return {**counts, "latency_ms": percentiles, "uptime_s": round(time.time() - self.started, 1)}


class ModelServer(ThreadingHTTPServer):
    """Serves ``model`` (a Keras-style minidl model) on ``host:port`` (port 0: any free port)."""

    daemon_threads = True  # a hung client never keeps the process alive
    request_queue_size = 128  # many clients may connect at once

    def __init__(self, model: Any, host: str = "127.0.0.1", port: int = 8000,
                 max_body_bytes: int = MAX_BODY_BYTES, verbose: bool = False, name: str | None = None) -> None:
        self.model = model
        self.model_name = name or model.name
        self.example_shape = example_shape(model)
        self.max_body_bytes = int(max_body_bytes)
        self.verbose = verbose
        self.stats = Stats()
        self.predict_lock = threading.Lock()
        super().__init__((host, port), PredictHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def predict(self, batch: np.ndarray) -> np.ndarray:
        with self.predict_lock:
            return self.model.predict(batch, batch_size=len(batch), verbose=0)

    def health(self) -> dict:
        output = getattr(self.model, "output_shape", None)
        return {"status": "ok", "model": self.model_name,
                "input_shape": [None, *self.example_shape],
                "output_shape": None if output is None else list(output)}


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class PredictHandler(BaseHTTPRequestHandler):
    """Routes one request; every answer is JSON with a Content-Length (keep-alive works)."""

    protocol_version = "HTTP/1.1"
    server: ModelServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        routes = {"/health": self.server.health, "/metrics": self.server.stats.snapshot}
        path = self.path.split("?")[0]
        if path in routes:
            self._send(200, routes[path]())
        elif path == "/predict":
            self._send(405, {"error": "use POST /predict with a JSON body {\"inputs\": [[...], ...]}"})
        else:
            self._send(404, {"error": f"unknown path {path!r}; endpoints: POST /predict, GET /health, GET /metrics"})

    def do_POST(self) -> None:  # noqa: N802
        if self.path.split("?")[0] != "/predict":
            try:
                self._discard(int(self.headers.get("Content-Length") or 0))
            except ValueError:
                self.close_connection = True
            self._send(404, {"error": f"unknown path {self.path!r}; POST to /predict"})
            return
        started = time.perf_counter()
        examples = 0
        try:
            batch = parse_payload(self._read_json(), self.server.example_shape)
            examples = len(batch)
            try:
                predictions = self.server.predict(batch)
            except Exception as error:  # the model failed: report it, keep serving
                raise _HTTPError(500, f"prediction failed: {type(error).__name__}: {error}") from None
            status, body = 200, {"predictions": predictions.tolist()}
        except InputError as error:
            status, body = 400, {"error": str(error)}
        except _HTTPError as error:
            status, body = error.status, {"error": str(error)}
        self._send(status, body)
        self.server.stats.record(time.perf_counter() - started, status == 200, examples if status == 200 else 0)

    def _read_json(self) -> Any:
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            raise _HTTPError(411, "a Content-Length header is required")
        try:
            length = int(length)
        except ValueError:
            raise _HTTPError(400, f"invalid Content-Length {length!r}") from None
        if length > self.server.max_body_bytes:
            self._discard(length)
            raise _HTTPError(413, f"request body of {length} bytes is over the limit of "
                                  f"{self.server.max_body_bytes} bytes; send fewer examples per request")
        raw = self.rfile.read(length)
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _HTTPError(400, f"malformed JSON: {error}") from None

    def _discard(self, length: int) -> None:
        """Read and drop a body we will not use, so the client receives our answer (closing
        a socket with unread data makes TCP reset the connection); beyond 8× the body
        limit, just close instead."""
        if length > 8 * self.server.max_body_bytes:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                break
            length -= len(chunk)

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)


def load_model_file(path: str | os.PathLike) -> Any:
    """Load a model saved with ``model.save``; a clear error when the file is missing."""
    from ..keras.models import load_model

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file {path!r} does not exist (save one with model.save(path))")
    return load_model(path, compile=False)


def make_server(model_or_path: Any, host: str = "127.0.0.1", port: int = 8000,
                max_body_bytes: int = MAX_BODY_BYTES, verbose: bool = False) -> ModelServer:
    """A ready :class:`ModelServer` (bound, not yet serving) for a model or a saved model file.

    Run it with ``server.serve_forever()`` (blocking) or in a thread::

        server = make_server("model.keras", port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print(server.url)       # ... then server.shutdown()
    """
    if isinstance(model_or_path, (str, os.PathLike)):
        name = os.path.basename(os.fspath(model_or_path))
        return ModelServer(load_model_file(model_or_path), host, port, max_body_bytes, verbose, name)
    return ModelServer(model_or_path, host, port, max_body_bytes, verbose)
