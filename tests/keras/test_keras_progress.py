"""The fit progress bar: exact text of the final lines, throttled redraws, quiet in pipes."""

from __future__ import annotations

import io

import pytest

from minidl.keras.progress import ProgressBar, format_duration, format_per_step

LOGS = {"loss": 0.15234, "accuracy": 0.95411}


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_final_line_verbose_1_and_epoch_header(capsys):
    bar = ProgressBar(844, verbose=1, epoch=0, epochs=5)
    bar.update(1, LOGS)  # stdout is captured (not a terminal): no redraw
    bar.finish(LOGS, elapsed=12.2)
    assert capsys.readouterr().out == (
        "Epoch 1/5\n844/844 [==============================] - 12s 14ms/step - loss: 0.1523 - accuracy: 0.9541\n"
    )


def test_final_line_verbose_2_with_validation_and_metric_order(capsys):
    bar = ProgressBar(50, verbose=2, metric_names=["accuracy", "loss"], epoch=0, epochs=1)
    bar.update(50, LOGS)
    bar.finish({**LOGS, "val_loss": 0.00001}, elapsed=0.02)
    assert capsys.readouterr().out == (
        "50/50 - 0s - 400us/step - accuracy: 0.9541 - loss: 0.1523 - val_loss: 1.0000e-05\n"
    )


def test_verbose_0_prints_nothing(capsys):
    bar = ProgressBar(3, verbose=0, epoch=0, epochs=3)
    bar.update(1, LOGS)
    bar.finish(LOGS)
    assert capsys.readouterr().out == ""


def test_live_bar_in_a_terminal_is_throttled():
    out = Terminal()
    bar = ProgressBar(1000, verbose=1, file=out, interval=60.0)
    for step in range(1, 1001):
        bar.update(step, LOGS)
    first = out.getvalue()
    assert first.count("\r") == 1  # only the first update was drawn within the interval
    assert first.startswith("\r   1/1000 [..............................] - ETA: ") and "loss: 0.1523" in first
    bar.finish(LOGS, elapsed=2.0)
    final = out.getvalue()[len(first):]
    assert final.startswith("\r1000/1000 [==============================] - 2s 2ms/step - loss: 0.1523")
    assert final.endswith("\n") and final.count("\n") == 1


def test_bar_fills_and_unknown_target():
    out = Terminal()
    bar = ProgressBar(10, verbose=1, file=out, interval=0.0)
    bar.update(5, None)
    assert "\r 5/10 [==============>...............]" in out.getvalue()
    out = Terminal()
    unknown = ProgressBar(None, verbose=1, file=out, interval=0.0)
    unknown.update(7, {"loss": 1.0})
    unknown.finish({"loss": 1.0}, elapsed=7.0)
    assert "7/Unknown" in out.getvalue() and out.getvalue().endswith("7/7 - 7s 1s/step - loss: 1.0000\n")


@pytest.mark.parametrize("seconds, text", [(0.4, "0s"), (7, "7s"), (62, "1:02"), (3723, "1:02:03")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds, text", [(2.0, "2s/step"), (0.0142, "14ms/step"), (0.00083, "830us/step")])
def test_format_per_step(seconds, text):
    assert format_per_step(seconds) == text
