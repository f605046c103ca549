"""minidl.serve: the HTTP server on an ephemeral localhost port, its input checks, a
bounded load test, the command line and batch prediction on files.

Answers are compared with ``model.predict`` on the same data (the reference).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

import minidl
from minidl.keras import layers, models
from minidl.serve import InputError, make_server, predict_file

LIMIT = 50_000  # body size limit of the test server (bytes)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    minidl.manual_seed(0)
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(8, activation="relu"),
                               layers.Dense(3, activation="softmax")])
    path = tmp_path_factory.mktemp("serve") / "model.keras"
    model.save(str(path))
    return path


@pytest.fixture(scope="module")
def reference(model_path):
    return models.load_model(str(model_path))


@pytest.fixture(scope="module")
def server(model_path):
    srv = make_server(model_path, port=0, max_body_bytes=LIMIT)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _request(url: str, body: bytes | None = None, method: str | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _predict(server, payload) -> tuple[int, dict]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return _request(server.url + "/predict", body)


def test_binds_localhost_by_default(server):
    assert server.server_address[0] == "127.0.0.1"


def test_predict_many_rows_and_one_row(server, reference):
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    status, body = _predict(server, {"inputs": x.tolist()})
    assert status == 200
    np.testing.assert_allclose(body["predictions"], reference.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    status, body = _predict(server, {"inputs": x[0].tolist()})  # a single example
    assert status == 200 and np.shape(body["predictions"]) == (1, 3)
    np.testing.assert_allclose(body["predictions"][0], reference.predict(x[:1], verbose=0)[0], rtol=1e-6)


def test_health_and_metrics(server):
    status, health = _request(server.url + "/health")
    assert status == 200 and health["status"] == "ok"
    assert health["input_shape"] == [None, 4] and health["output_shape"] == [None, 3]
    before = _request(server.url + "/metrics")[1]
    _predict(server, {"inputs": [[1, 2, 3, 4], [0, 0, 0, 0]]})
    _predict(server, {"inputs": [[1, 2, 3]]})
    after = _request(server.url + "/metrics")[1]
    assert after["requests"] - before["requests"] == 2
    assert after["errors"] - before["errors"] == 1
    assert after["examples"] - before["examples"] == 2
    assert set(after["latency_ms"]) == {"p50", "p95", "p99"}
    assert 0 < after["latency_ms"]["p50"] <= after["latency_ms"]["p95"] <= after["latency_ms"]["p99"]


@pytest.mark.parametrize("payload, message", [
    (b'{"inputs": [[1, 2, 3, 4]', "malformed JSON"),
    (b"\xff\xfe", "malformed JSON"),
    ({"data": [[1, 2, 3, 4]]}, 'missing "inputs"'),
    ([[1, 2, 3, 4]], "JSON object"),
    ({"inputs": [[1, 2, 3]]}, "wrong shape"),
    ({"inputs": [[[1, 2, 3, 4]]]}, "wrong shape"),
    ({"inputs": [[1, 2], [3, 4, 5]]}, "ragged"),
    ({"inputs": [[1, "a", 3, 4]]}, "numbers"),
    ({"inputs": [[1, None, 3, 4]]}, "numbers"),
    ({"inputs": [[True, False, True, False]]}, "numbers"),
    (b'{"inputs": [[1, NaN, 3, 4]]}', "NaN"),
    (b'{"inputs": [[1, 2, Infinity, 4]]}', "NaN or infinity"),
    ({"inputs": []}, "empty"),
])
def test_bad_input_gets_400_and_server_keeps_serving(server, payload, message):
    status, body = _predict(server, payload)
    assert status == 400 and message in body["error"]
    assert _predict(server, {"inputs": [[1, 2, 3, 4]]})[0] == 200


def test_body_over_the_limit_gets_413(server):
    rows = [[1.0, 2.0, 3.0, 4.0]] * 3000  # about 60 kB of JSON
    status, body = _predict(server, {"inputs": rows})
    assert status == 413 and str(LIMIT) in body["error"]
    assert _predict(server, {"inputs": rows[:10]})[0] == 200


def test_unknown_paths_and_methods(server):
    assert _request(server.url + "/nope")[0] == 404
    assert _request(server.url + "/predict")[0] == 405
    assert _request(server.url + "/health", b"{}")[0] == 404


def test_load_50_concurrent_clients(server, reference):
    """50 client threads post single examples for 3 seconds: no errors, latency reported."""
    x = np.random.default_rng(1).normal(size=(50, 4)).astype(np.float32)
    expected = reference.predict(x, verbose=0)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + 3.0

    def client(i: int) -> None:
        body = json.dumps({"inputs": [x[i].tolist()]}).encode()
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                status, answer = _predict(server, body)
                ok = status == 200 and np.allclose(answer["predictions"][0], expected[i], rtol=1e-5, atol=1e-6)
                problem = None if ok else f"status {status}: {answer}"
            except Exception as error:  # connection refused, timeout, ...
                problem = repr(error)
            with lock:
                latencies.append(time.perf_counter() - started)
                if problem:
                    failures.append(problem)

    before = _request(server.url + "/metrics")[1]["requests"]
    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    ms = np.array(latencies) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    print(f"\nload test: {len(ms)} requests from 50 clients in 3 s ({len(ms) / 3:.0f}/s), "
          f"{len(failures)} errors, client latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")
    server_metrics = _request(server.url + "/metrics")[1]
    print(f"server-side latency (last requests): {server_metrics['latency_ms']}")
    assert not failures, failures[:3]
    assert len(ms) >= 50
    assert server_metrics["requests"] - before == len(ms)


def _env() -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(minidl.__file__)))
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_cli_missing_model_file_exits_with_error(tmp_path):
    missing = tmp_path / "nope.keras"
    result = subprocess.run([sys.executable, "-m", "minidl.serve", str(missing), "--port", "0"],
                            capture_output=True, text=True, timeout=120, env=_env())
    assert result.returncode != 0
    assert "does not exist" in result.stderr and str(missing) in result.stderr


def test_cli_serves_a_model(model_path, reference):
    process = subprocess.Popen([sys.executable, "-m", "minidl.serve", str(model_path), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        line = process.stdout.readline()  # "serving ... on http://127.0.0.1:PORT ..."
        assert "http://127.0.0.1:" in line, process.stderr.read() if process.poll() is not None else line
        url = line.split(" on ")[1].split(" ")[0]
        status, body = _request(url + "/predict", json.dumps({"inputs": [[0.5, -1, 2, 0]]}).encode())
        assert status == 200
        np.testing.assert_allclose(body["predictions"], reference.predict(np.array([[0.5, -1, 2, 0]]), verbose=0),
                                   rtol=1e-6)
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()


def test_predict_file_npy_and_csv(model_path, reference, tmp_path):
    x = np.random.default_rng(2).normal(size=(23, 4)).astype(np.float32)
    expected = reference.predict(x, verbose=0)
    np.save(tmp_path / "x.npy", x)
    got = predict_file(model_path, tmp_path / "x.npy", tmp_path / "y.npy", batch_size=5)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-6)
    np.testing.assert_array_equal(got, np.load(tmp_path / "y.npy"))
    with open(tmp_path / "x.csv", "w") as f:
        f.write("a,b,c,d\n")
        np.savetxt(f, x, delimiter=",", fmt="%.9g")
    predict_file(reference, tmp_path / "x.csv", tmp_path / "y.csv")
    np.testing.assert_allclose(np.loadtxt(tmp_path / "y.csv", delimiter=","), expected, rtol=1e-6, atol=1e-7)


def test_predict_file_bad_input(model_path, tmp_path):
    np.save(tmp_path / "wide.npy", np.zeros((3, 5)))
    with pytest.raises(InputError, match="wrong shape"):
        predict_file(model_path, tmp_path / "wide.npy", tmp_path / "out.npy")
    (tmp_path / "nan.csv").write_text("1,2,3,4\n1,nan,3,4\n")
    with pytest.raises(InputError, match="NaN"):
        predict_file(model_path, tmp_path / "nan.csv", tmp_path / "out.npy")
    np.save(tmp_path / "ok.npy", np.zeros((3, 4)))
    with pytest.raises(ValueError, match=".npy or .csv"):
        predict_file(model_path, tmp_path / "ok.npy", tmp_path / "out.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        predict_file(tmp_path / "missing.keras", tmp_path / "ok.npy", tmp_path / "out.npy")
    assert not (tmp_path / "out.npy").exists() and not (tmp_path / "out.txt").exists()
