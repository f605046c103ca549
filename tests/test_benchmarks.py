"""The benchmarks package: its maths, its files, its worker protocol, and a minidl smoke run.

No peer framework is needed: the protocol is exercised with a fake worker, and
the smoke run uses minidl only (skipped while minidl's training stack is missing).
"""

from __future__ import annotations

import json
import statistics
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the repository, not installed

from benchmarks import cases as C  # noqa: E402
from benchmarks import report  # noqa: E402
from benchmarks.runner import Spec, Worker, WorkerError, repeat_order, rotated, worker_env  # noqa: E402


def _row(fw, variant, values, status="ok", **kw):
    return {"framework": fw, "variant": variant, "status": status, "values": values, **kw}


def _case(rows, **kw):
    return {"id": "cnn_train", "number": 1, "title": "t", "unit": "ms/step", "required": 1.0,
            "goal": 0.8, "rows": rows, **kw}


# ----------------------------------------------------------------------------- maths


@pytest.mark.parametrize("values", [[3.0], [1.0, 2.0], [4.0, 1.0, 9.0, 2.0], [5.0, 5.0, 5.0]])
def test_summarize_matches_statistics(values):
    s = report.summarize(values)
    med = float(np.median(values))
    assert s["median"] == pytest.approx(med)
    assert (s["min"], s["max"]) == (min(values), max(values))
    assert s["spread"] == pytest.approx((max(values) - min(values)) / med)


def test_ratios_are_minidl_over_peer_and_skip_failed_rows():
    case = report.add_stats(_case([
        _row("minidl", "keras fit", [10.0, 12.0, 11.0]),
        _row("minidl", "nn loop", [6.0, 5.0, 7.0]),
        _row("torch", "eager", [20.0, 22.0, 21.0]),
        _row("keras-jax", "fit", [8.0, 8.0, 9.0]),
        _row("keras-tensorflow", "fit", [], status="error", error="boom"),
    ]))
    assert case["fastest_peer"] == "keras-jax fit"
    keras_fit, nn_loop = case["rows"][:2]
    assert keras_fit["ratios"] == {"torch eager": pytest.approx(11 / 21),
                                   "keras-jax fit": pytest.approx(11 / 8)}
    assert keras_fit["vs_fastest"] == pytest.approx(11 / 8)
    assert nn_loop["vs_fastest"] == pytest.approx(6 / 8)
    assert "ratios" not in case["rows"][2]


def test_no_peer_gives_no_ratio():
    case = report.add_stats(_case([_row("minidl", "autograd", [1.0, 3.0])]))
    assert case["fastest_peer"] is None and case["rows"][0]["vs_fastest"] is None
    assert case["rows"][0]["median"] == statistics.median([1.0, 3.0])


def test_markdown_summary_verdicts_and_errors():
    results = {"mode": "quick", "duration_s": 1.0, "notes": ["keras-jax skipped: x"],
               "machine": {"cpu": "test cpu", "threads": {"torch": 2}},
               "cases": [report.add_stats(_case([
                   _row("minidl", "nn loop", [5.0, 5.0]),
                   _row("minidl", "keras fit", [9.0, 9.0]),
                   _row("torch", "eager", [8.0, 8.0], check="peer"),
                   _row("keras-tensorflow", "fit", [], status="error", error="it broke"),
               ]))]}
    md = report.to_markdown(results)
    assert "| 1 cnn_train | minidl nn loop | 5 ms/step | torch eager | 8 | 0.62x |" in md
    assert "| minidl nn loop | 5 ms/step | torch eager | 8 | 0.62x | <= 1.0x | <= 0.8x | yes |" in md
    assert "| minidl keras fit | 9 ms/step | torch eager | 8 | 1.12x | <= 1.0x | <= 0.8x | no |" in md
    assert "keras-tensorflow fit: it broke" in md and "keras-jax skipped: x" in md
    assert "- cpu: test cpu" in md


def test_write_outputs_is_atomic_and_complete(tmp_path):
    results = {"mode": "quick", "duration_s": 2.0, "notes": [], "machine": {},
               "cases": [report.add_stats(_case([_row("minidl", "nn loop", [1.0, 2.0]),
                                                 _row("torch", "eager", [2.0, 2.5])]))]}
    paths = report.write_outputs(results, tmp_path / "out", "quick")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        ["quick.json", "quick.md", "quick.png"]  # no temporary file left behind
    assert json.loads(paths[0].read_text())["cases"][0]["rows"][0]["median"] == 1.5
    assert paths[1].read_text().startswith("# minidl benchmarks (quick)")
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rotation_puts_every_row_in_every_position():
    rows = ["a", "b", "c"]
    firsts = [rotated(rows, r)[0] for r in range(3)]
    assert sorted(firsts) == rows and all(sorted(rotated(rows, r)) == rows for r in range(5))


def test_repeat_order_starts_with_each_row_and_varies_what_follows_what():
    rows = ["a", "b", "c", "d", "e"]
    orders = [repeat_order(rows, r) for r in range(10)]
    assert all(sorted(o) == rows for o in orders)
    assert sorted(o[0] for o in orders[:5]) == rows  # every row starts one of the first 5 repeats
    before_a = {o[o.index("a") - 1] for o in orders if o[0] != "a"}
    assert len(before_a) >= 2  # rotation alone would always put "e" before "a"
    assert orders == [repeat_order(rows, r) for r in range(10)]  # seeded: the same every run


def test_case_selection_by_number_and_id():
    assert [c.id for c in C.select("quick", "2")] == ["mlp_b64", "mlp_b1024"]
    assert [c.id for c in C.select("full", "1,cnn_predict")] == \
        ["cnn_train", "cnn_epoch", "cnn_predict"]
    assert "cnn_epoch" not in [c.id for c in C.select("quick")]
    with pytest.raises(ValueError, match="unknown case"):
        C.select("quick", "7")


# ----------------------------------------------------------------------------- references


def test_reference_cnn_matches_explicit_loops():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 28, 28, 1))
    w = [rng.standard_normal(s) * 0.3 for s in C.WEIGHT_SHAPES["cnn"]]

    def conv(h, k, b):  # out[n,i,j,o] = b[o] + sum_{p,q,c} h[n,i+p,j+q,c] k[p,q,c,o]
        n, hh, ww, _ = h.shape
        out = np.zeros((n, hh - 2, ww - 2, k.shape[3]))
        for i in range(hh - 2):
            for j in range(ww - 2):
                out[:, i, j] = np.tensordot(h[:, i:i + 3, j:j + 3], k, axes=3) + b
        return out

    def pool(h):
        n, hh, ww, c = h.shape
        return np.array([[[[h[m, 2 * i:2 * i + 2, 2 * j:2 * j + 2, ch].max() for ch in range(c)]
                           for j in range(ww // 2)] for i in range(hh // 2)] for m in range(n)])

    h = pool(np.maximum(conv(x, w[0], w[1]), 0))
    h = pool(np.maximum(conv(h, w[2], w[3]), 0)).reshape(2, -1)
    want = np.maximum(h @ w[4] + w[5], 0) @ w[6] + w[7]
    np.testing.assert_allclose(C.reference_logits("cnn", w, x), want, rtol=1e-10, atol=1e-10)


# ----------------------------------------------------------------------------- protocol

FAKE_WORKER = """
import os, sys, time
from benchmarks.peers import protocol as P

proto = P.claim_stdout()
print("a framework banner on stdout")            # must not reach the protocol
os.write(1, b"and one written to fd 1\\n")

class Sleep(P.Bench):
    def check(self):
        if self.variant == "broken":
            raise ValueError("wrong answer")
        return "fake ok"
    def run(self, units):
        if self.variant == "crash":
            os._exit(3)
        time.sleep(0.002 * units)

ready = {"framework": "fake", "versions": {}, "threads": {},
         "variants": {"mlp_b64": ["sleep", "broken", "crash"]}}
P.serve(proto, lambda case, variant, units: Sleep(case, variant, units), ready, "quick")
"""


@pytest.fixture
def fake_worker(tmp_path):
    (tmp_path / "fake_worker.py").write_text(textwrap.dedent(FAKE_WORKER))
    spec = Spec("fake", "fake_worker", env={"PYTHONPATH": f"{tmp_path}:{ROOT}"})
    worker = Worker(spec, "quick", worker_env(1), tmp_path)
    yield worker
    worker.close()


def test_worker_protocol_times_checks_and_reports_errors(fake_worker):
    case = C.BY_ID["mlp_b64"].to_dict()
    ready = fake_worker.wait_ready(timeout=60)
    assert ready["event"] == "ready" and ready["rss_after_import_mb"] > 0
    memory = fake_worker.request({"cmd": "memory", "case": C.BY_ID["cnn_memory"].to_dict(),
                                  "variant": "sleep"}, timeout=60)
    assert memory["ok"] and memory["steps"] == C.MEMORY_STEPS
    assert memory["delta_mb"] >= 0 and memory["peak_rss_mb"] >= memory["rss_after_import_mb"]
    setup = fake_worker.request({"cmd": "setup", "case": case, "variant": "sleep"}, timeout=60)
    assert setup["ok"] and setup["check"] == "fake ok" and setup["units"] == 150  # 0.3 s < the 1 s cap
    run = fake_worker.request({"cmd": "run", "case_id": "mlp_b64", "variant": "sleep"})
    assert run["units"] == 150 and 0.3 <= run["seconds"] < 5
    bad = fake_worker.request({"cmd": "setup", "case": case, "variant": "broken"})
    assert not bad["ok"] and bad["error"] == "ValueError: wrong answer"
    assert not fake_worker.request({"cmd": "nonsense"})["ok"]
    with pytest.raises(WorkerError, match="exited with code 3(.|\n)*a framework banner"):
        fake_worker.request({"cmd": "setup", "case": case, "variant": "crash"})  # warm-up exits
    with pytest.raises(WorkerError, match="exited"):  # and says so again, without waiting
        fake_worker.request({"cmd": "run", "case_id": "mlp_b64", "variant": "sleep"}, timeout=5)


# ----------------------------------------------------------------------------- minidl


def _minidl_stack():
    try:
        import minidl.functional  # noqa: F401
        import minidl.keras.models  # noqa: F401
        import minidl.nn  # noqa: F401
        import minidl.optim  # noqa: F401
    except Exception as exc:  # the training stack may still be under construction
        pytest.skip(f"minidl's training stack is not importable yet: {exc!r}")
    import minidl

    return minidl


def test_minidl_check_catches_wrong_outputs(monkeypatch):
    mdl = _minidl_stack()
    from benchmarks.peers import minidl_worker as W

    monkeypatch.setattr(W, "mdl", mdl)
    bench = W.Train(C.BY_ID["mlp_b64"], "nn loop", 2)
    assert bench.check().startswith("ok")
    right = bench.weights()
    monkeypatch.setattr(bench, "weights", lambda: [w * 1.01 for w in right])
    with pytest.raises(W.CheckFailed, match="differs from the NumPy reference"):
        bench.check_forward(bench.x[:8])
    with pytest.raises(W.CheckFailed, match="loss should fall"):
        W._expect_decrease([2.0, 2.1], "mlp")


def test_minidl_worker_smoke_run(tmp_path):
    _minidl_stack()
    from benchmarks.__main__ import main

    results = main(["--peers", "minidl", "--cases", "mlp_b64,autograd_chain", "--repeats", "2",
                    "--units", "3", "--threads", "1", "--out", str(tmp_path), "--quiet"])
    rows = {(r["framework"], r["variant"]): r for c in results["cases"] for r in c["rows"]}
    assert set(rows) == {("minidl", "keras fit"), ("minidl", "nn loop"), ("minidl", "autograd")}
    for row in rows.values():
        assert row["status"] == "ok", row.get("error")
        assert row["check"].startswith("ok") and len(row["values"]) == 2
        assert all(v > 0 for v in row["values"])
    assert (tmp_path / "quick-partial.json").exists()
