"""Keras learning-rate schedules against their formulas (Keras 3 semantics)."""

from __future__ import annotations

import json
import math

import pytest
from minidl.keras.optimizers.schedules import CosineDecay, ExponentialDecay  # the Keras import path

from minidl.keras.optimizers import schedules

STEPS = [0, 1, 2, 5, 9, 10, 11, 25, 100]


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=staircase)
    for step in STEPS:
        p = step // 10 if staircase else step / 10
        assert s(step) == pytest.approx(0.1 * 0.5**p, rel=1e-12)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = schedules.InverseTimeDecay(0.2, decay_steps=4, decay_rate=0.5, staircase=staircase)
    for step in STEPS:
        p = step // 4 if staircase else step / 4
        assert s(step) == pytest.approx(0.2 / (1 + 0.5 * p), rel=1e-12)


def test_piecewise_constant_boundaries_are_inclusive_on_the_left_piece():
    s = schedules.PiecewiseConstantDecay(boundaries=[10, 20], values=[1.0, 0.5, 0.1])
    assert [s(k) for k in (0, 10, 11, 20, 21, 1000)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="one more element"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])


def test_cosine_decay_without_and_with_warmup():
    s = CosineDecay(0.1, decay_steps=10, alpha=0.2)
    for step in STEPS:
        t = min(step, 10)
        cosine = 0.5 * (1 + math.cos(math.pi * t / 10))
        assert s(step) == pytest.approx(0.1 * ((1 - 0.2) * cosine + 0.2), rel=1e-12)
    w = CosineDecay(0.0, decay_steps=10, warmup_target=0.1, warmup_steps=5)
    assert [w(k) for k in (0, 1, 5)] == pytest.approx([0.0, 0.02, 0.1])
    assert w(10) == pytest.approx(0.1 * 0.5 * (1 + math.cos(math.pi * 5 / 10)))
    assert w(15) == pytest.approx(0.0, abs=1e-15) and w(99) == pytest.approx(0.0, abs=1e-15)


def test_polynomial_decay():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0)
    for step in STEPS:
        t = min(step, 10)
        assert s(step) == pytest.approx((0.1 - 0.01) * (1 - t / 10) ** 2 + 0.01, rel=1e-12)


def test_serialize_round_trip_and_errors():
    for s in (ExponentialDecay(0.1, 3, 0.9, staircase=True), CosineDecay(0.1, 7, warmup_target=0.2, warmup_steps=2),
              schedules.PiecewiseConstantDecay([3], [0.1, 0.01]), schedules.InverseTimeDecay(0.1, 2, 0.5)):
        again = schedules.deserialize(json.loads(json.dumps(schedules.serialize(s))))
        assert type(again) is type(s) and [again(k) for k in range(12)] == [s(k) for k in range(12)]
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="decay_steps must be a number > 0"):
        ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)
