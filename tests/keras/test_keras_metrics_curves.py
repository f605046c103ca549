"""keras.metrics AUC, F1Score/FBetaScore and top-k accuracy: against values from Keras 3.15
and against independent NumPy computations.

The Keras values were computed once with real Keras 3.15 (``KERAS_BACKEND=jax``) on the
data below (the same ``default_rng(7)`` draws, in the same order) and are hard-coded:
CI does not install Keras.  Keras computes in float32, hence the tolerances.
"""

from __future__ import annotations

import numpy as np
import pytest

from minidl import keras
from minidl.keras import layers, metrics


def _data():
    rng = np.random.default_rng(7)
    binary = [rng.integers(0, 2, 12).astype("float32"), rng.random(12).astype("float32"),
              rng.integers(0, 2, 9).astype("float32"), rng.random(9).astype("float32"),
              rng.random(9).astype("float32")]
    y_true = np.eye(4, dtype="float32")[rng.integers(0, 4, 10)]
    y_true[2, 1] = 1.0  # one multi-label row
    multi = [y_true, rng.random((10, 4)).astype("float32"), rng.random(10).astype("float32")]
    labels, scores = rng.integers(0, 6, 15), rng.random((15, 6)).astype("float32")
    scores[3] = 0.5  # a row of ties: the label counts as in the top k
    return binary, multi, (labels, scores)


BINARY, MULTI, TOPK = _data()

# (AUC arguments, result after batch 1, result after batch 2 with sample weights), Keras 3.15
AUC_CASES = [
    ({}, 0.3125, 0.2989242374897003),
    ({"curve": "PR"}, 0.5661740899085999, 0.5334666967391968),
    ({"num_thresholds": 7}, 0.296875, 0.28872209787368774),
    ({"num_thresholds": 7, "curve": "PR"}, 0.5614806413650513, 0.5313591361045837),
    ({"summation_method": "minoring"}, 0.3125, 0.29313379526138306),
    ({"curve": "PR", "summation_method": "majoring"}, 0.6183351278305054, 0.574650764465332),
    ({"from_logits": True}, 0.3125, 0.2989242374897003),
    ({"thresholds": [0.2, 0.5, 0.7]}, 0.390625, 0.3681659996509552),
]


@pytest.mark.parametrize("kwargs, first, second", AUC_CASES)
def test_auc_matches_keras(kwargs, first, second):
    yt1, yp1, yt2, yp2, sw2 = BINARY
    if kwargs.get("from_logits"):
        yp1, yp2 = yp1 * 6 - 3, yp2 * 6 - 3
    m = metrics.AUC(**kwargs)
    m.update_state(yt1, yp1)
    assert m.result() == pytest.approx(first, abs=2e-6)
    m.update_state(yt2, yp2, sample_weight=sw2)
    assert m.result() == pytest.approx(second, abs=2e-6)
    m.reset_state()
    assert m.result() == 0.0


def test_auc_of_a_small_case_by_hand():
    # ROC points (FPR, TPR) at decreasing thresholds: (0,0) (0,.5) (.5,.5) (.5,1) (1,1)
    # -> area 0.5·0.5 + 0.5·1 = 0.75
    y, p = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    m = metrics.AUC()
    m.update_state(y, p)
    assert m.result() == pytest.approx(0.75, abs=1e-12)
    # PR points (recall, precision) at increasing thresholds: (1, 1/2) (1, 2/3) (1/2, 1/2)
    # (1/2, 1) (0, 0) -- no positive prediction counts as precision 0, as Keras.  Segments
    # of non-zero width: 1 -> 1/2 with heights 2/3, 1/2 and 1/2 -> 0 with heights 1, 0
    for method, area in (("majoring", 0.5 * 2 / 3 + 0.5 * 1), ("minoring", 0.5 * 0.5 + 0.5 * 0)):
        pr = metrics.AUC(curve="PR", summation_method=method)
        pr.update_state(y, p)
        assert pr.result() == pytest.approx(area, abs=1e-12)


def _mann_whitney(y: np.ndarray, s: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties counting one half."""
    pos, neg = s[y == 1][:, None], s[y == 0][None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def test_auc_equals_the_rank_statistic_when_thresholds_separate_the_scores():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    s = rng.integers(0, 50, 300) / 50 + 0.001  # many ties, on a grid thresholds separate
    m = metrics.AUC(num_thresholds=1001)
    for part in np.array_split(np.arange(300), 4):  # over several batches
        m.update_state(y[part], s[part])
    assert m.result() == pytest.approx(_mann_whitney(y, s), abs=1e-12)


def test_auc_sample_weight_equals_repeating_samples():
    rng = np.random.default_rng(4)
    y, s = rng.integers(0, 2, 40), rng.random(40)
    counts = rng.integers(1, 4, 40)
    weighted, repeated = metrics.AUC(curve="PR"), metrics.AUC(curve="PR")
    weighted.update_state(y, s, sample_weight=counts)
    repeated.update_state(np.repeat(y, counts), np.repeat(s, counts))
    assert weighted.result() == pytest.approx(repeated.result(), abs=1e-12)


def test_auc_bad_arguments():
    with pytest.raises(ValueError, match="unknown curve 'XYZ'"):
        metrics.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="summation_method"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_thresholds must be an integer > 1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="thresholds must be values in"):
        metrics.AUC(thresholds=[0.5, 2.0])
    with pytest.raises(ValueError, match="multi_label"):
        metrics.AUC(multi_label=True)
    with pytest.raises(ValueError, match=r"does not fit y_pred of shape \(3,\)"):
        metrics.AUC().update_state([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="sample_weight of shape"):
        metrics.AUC().update_state([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[1, 2])


# (average, threshold, two batches, one batch with sample weights), Keras 3.15
F1_CASES = [
    (None, None, [0.4999999403953552, 0.0, 0.2222221940755844, 0.0],
     [0.3776357173919678, 0.0, 0.2417059987783432, 0.0]),
    (None, 0.5, [0.5714285373687744, 0.0, 0.3636363446712494, 0.19999995827674866],
     [0.7053112983703613, 0.0, 0.41842854022979736, 0.18600468337535858]),
    ("micro", None, 0.1904761642217636, 0.16381239891052246),
    ("micro", 0.5, 0.3030302822589874, 0.3361998200416565),
    ("macro", None, 0.1805555373430252, 0.15483543276786804),
    ("macro", 0.5, 0.2837662100791931, 0.3274361193180084),
    ("weighted", None, 0.17171716690063477, 0.14595305919647217),
    ("weighted", 0.5, 0.30885475873947144, 0.3419797122478485),
]


@pytest.mark.parametrize("average, threshold, batches, weighted", F1_CASES)
def test_f1_score_matches_keras(average, threshold, batches, weighted):
    y_true, y_pred, sw = MULTI
    m = metrics.F1Score(average=average, threshold=threshold)
    m.update_state(y_true[:6], y_pred[:6])
    m.update_state(y_true[6:], y_pred[6:])
    np.testing.assert_allclose(m.result(), batches, atol=2e-6)
    w = metrics.F1Score(average=average, threshold=threshold)
    w.update_state(y_true, y_pred, sample_weight=sw)
    np.testing.assert_allclose(w.result(), weighted, atol=2e-6)


def test_fbeta_matches_keras_and_f1_matches_the_textbook_formula():
    y_true, y_pred, _ = MULTI
    m = metrics.FBetaScore(average="macro", beta=2.0, threshold=0.4)
    m.update_state(y_true, y_pred)
    assert m.result() == pytest.approx(0.3916395902633667, abs=2e-6)
    # independent: per class F1 = 2·TP / (2·TP + FP + FN)
    predicted, truth = y_pred > 0.5, y_true > 0.5
    tp = (predicted & truth).sum(0)
    fp, fn = (predicted & ~truth).sum(0), (~predicted & truth).sum(0)
    f1 = metrics.F1Score(threshold=0.5)
    f1.update_state(y_true, y_pred)
    np.testing.assert_allclose(f1.result(), 2 * tp / np.maximum(2 * tp + fp + fn, 1), atol=1e-6)


def test_f1_score_bad_arguments():
    with pytest.raises(ValueError, match="unknown average 'binary'"):
        metrics.F1Score(average="binary")
    with pytest.raises(ValueError, match="threshold must be None or a number in"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="beta must be a number > 0"):
        metrics.FBetaScore(beta=0.0)
    with pytest.raises(ValueError, match="expected 2-D inputs"):
        metrics.F1Score().update_state(np.zeros(3), np.zeros(3))


@pytest.mark.parametrize("k, expected", [(1, 0.2), (2, 0.3333333432674408), (5, 0.9333333373069763)])
def test_top_k_matches_keras(k, expected):
    labels, scores = TOPK
    dense = metrics.TopKCategoricalAccuracy(k=k)
    dense.update_state(np.eye(6)[labels], scores)
    sparse = metrics.SparseTopKCategoricalAccuracy(k=k)
    sparse.update_state(labels[:, None], scores)  # a trailing axis of 1 works too
    assert dense.result() == pytest.approx(expected, abs=1e-7)
    assert sparse.result() == pytest.approx(expected, abs=1e-7)


def test_top_k_against_sorting():
    rng = np.random.default_rng(5)
    labels, scores = rng.integers(0, 10, 200), rng.random((200, 10))  # no ties
    for k in (1, 3, 10):
        top = np.argsort(-scores, axis=1)[:, :k]
        expected = np.mean([label in row for label, row in zip(labels, top)])
        assert metrics.sparse_top_k_categorical_accuracy(labels, scores, k).mean() == pytest.approx(expected)
    with pytest.raises(ValueError, match="k must be an integer >= 1, got 0"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 10\)"):
        metrics.sparse_top_k_categorical_accuracy(np.array([10]), scores[:1])


def test_names_in_compile_give_keras_history_keys():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x[:, :1] + 0.3 * rng.normal(size=(40, 1)) > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["auc", metrics.F1Score(average="micro",
                                                                                 threshold=0.5)])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25)
    assert list(history.history) == ["auc", "f1_score", "loss", "val_auc", "val_f1_score", "val_loss"]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    reference = metrics.AUC()
    reference.update_state(y, model.predict(x, verbose=0))
    assert logs["auc"] == pytest.approx(reference.result(), abs=1e-12)


def test_top_k_names_in_compile():
    rng = np.random.default_rng(1)
    x, labels = rng.normal(size=(30, 4)).astype("float32"), rng.integers(0, 6, 30)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(6, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy",
                  metrics=["sparse_top_k_categorical_accuracy",
                           metrics.SparseTopKCategoricalAccuracy(k=1, name="top_1")])
    loss, top5, top1 = model.evaluate(x, labels, verbose=0)
    probs = model.predict(x, verbose=0)
    assert top1 == pytest.approx(np.mean(probs.argmax(1) == labels))
    ranks = (probs > probs[np.arange(30), labels][:, None]).sum(1)
    assert top5 == pytest.approx(np.mean(ranks < 5))


@pytest.mark.parametrize("name, cls", [("auc", metrics.AUC), ("AUC", metrics.AUC), ("f1_score", metrics.F1Score),
                                       ("F1Score", metrics.F1Score),
                                       ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
                                       ("SparseTopKCategoricalAccuracy", metrics.SparseTopKCategoricalAccuracy)])
def test_get_by_name(name, cls):
    tracker = metrics.get(name, "loss", (None, 3))
    assert type(tracker) is cls and tracker.name == name  # Keras 3.15: "AUC" logs as "AUC"
