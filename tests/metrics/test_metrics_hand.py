"""minidl.metrics on small cases whose answers were worked out by hand."""

import math
import warnings

import numpy as np
import pytest

from minidl import metrics as M
from minidl.metrics import UndefinedMetricWarning


class FakeTensor:
    """Stands in for a minidl Tensor: metrics only need ``.numpy()``."""

    def __init__(self, data):
        self._data = np.asarray(data)

    def numpy(self):
        return self._data


# ---------------------------------------------------------------- regression

Y = [3.0, -0.5, 2.0, 7.0]
P = [2.5, 0.0, 2.0, 8.0]
# residuals 0.5, -0.5, 0, -1;  mean(y) = 2.875, Σ(y - ȳ)² = 29.1875


@pytest.mark.parametrize(
    "fn, expected",
    [
        (M.mae, 0.5),
        (M.mean_absolute_error, 0.5),
        (M.mse, 0.375),
        (M.mean_squared_error, 0.375),
        (M.rmse, math.sqrt(0.375)),
        (M.root_mean_squared_error, math.sqrt(0.375)),
        (M.r2, 1 - 1.5 / 29.1875),
        (M.r2_score, 1 - 1.5 / 29.1875),
    ],
)
def test_regression_hand(fn, expected):
    assert fn(Y, P) == pytest.approx(expected, rel=1e-12)
    assert fn(np.array(Y), FakeTensor(P)) == pytest.approx(expected, rel=1e-12)
    assert isinstance(fn(Y, P), float)


def test_regression_multioutput():
    t = [[0.5, 1.0], [-1.0, 1.0], [7.0, -6.0]]
    p = [[0.0, 2.0], [-1.0, 2.0], [8.0, -5.0]]
    # per output |errors|: (0.5, 0, 1) and (1, 1, 1)
    np.testing.assert_allclose(M.mae(t, p, multioutput="raw_values"), [0.5, 1.0])
    assert M.mae(t, p) == pytest.approx(0.75)
    np.testing.assert_allclose(M.mse(t, p, multioutput="raw_values"), [1.25 / 3, 1.0])
    assert M.rmse(t, p) == pytest.approx((math.sqrt(1.25 / 3) + 1.0) / 2)


def test_column_vector_does_not_broadcast():
    # (3,) against (3, 1) is the same data, not a 3×3 difference matrix
    assert M.mse([1.0, 2.0, 3.0], [[1.0], [2.0], [4.0]]) == pytest.approx(1 / 3)


def test_r2_constant_target_and_tiny_input():
    assert M.r2([1.0, 1.0, 1.0], [1.0, 1.0, 1.0]) == 1.0
    assert M.r2([1.0, 1.0, 1.0], [1.0, 2.0, 1.0]) == 0.0
    assert M.r2([1, 2, 3], [1, 2, 3]) == 1.0
    assert M.r2([1, 2, 3], [2, 2, 2]) == pytest.approx(0.0)  # the mean predictor
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(M.r2([1.0], [2.0]))


# ---------------------------------------------------------------- classification

def test_binary_counts_hand():
    t = [0, 1, 1, 0, 1, 1]
    p = [0, 1, 0, 0, 1, 1]  # TP=3, FP=0, FN=1, TN=2
    assert M.accuracy(t, p) == pytest.approx(5 / 6)
    assert M.accuracy(t, p, normalize=False) == 5
    assert M.precision(t, p) == 1.0
    assert M.recall(t, p) == 0.75
    assert M.f1(t, p) == pytest.approx(2 * 3 / (2 * 3 + 0 + 1))
    assert M.fbeta_score(t, p, beta=2) == pytest.approx(5 * 3 / (5 * 3 + 4 * 1 + 0))
    # the other class as positive: TP=2, FP=1, FN=0
    assert M.precision(t, p, pos_label=0) == pytest.approx(2 / 3)
    assert M.recall(t, p, pos_label=0) == 1.0
    np.testing.assert_array_equal(M.confusion_matrix(t, p), [[2, 0], [1, 3]])


T3 = [0, 1, 2, 2, 2]
P3 = [0, 0, 2, 2, 1]
# class 0: TP 1, predicted 2, true 1 -> P .5, R 1, F 2/3
# class 1: TP 0, predicted 1, true 1 -> P 0, R 0, F 0
# class 2: TP 2, predicted 2, true 3 -> P 1, R 2/3, F .8


@pytest.mark.parametrize(
    "average, p, r, f",
    [
        ("macro", 0.5, (1 + 0 + 2 / 3) / 3, (2 / 3 + 0 + 0.8) / 3),
        ("weighted", (0.5 + 0 + 3) / 5, (1 + 0 + 2) / 5, (2 / 3 + 0 + 2.4) / 5),
        ("micro", 0.6, 0.6, 0.6),
    ],
)
def test_multiclass_averages_hand(average, p, r, f):
    assert M.precision(T3, P3, average=average) == pytest.approx(p)
    assert M.recall(T3, P3, average=average) == pytest.approx(r)
    assert M.f1(T3, P3, average=average) == pytest.approx(f)


def test_per_class_scores_and_support():
    p, r, f, s = M.precision_recall_fscore_support(T3, P3)
    np.testing.assert_allclose(p, [0.5, 0, 1])
    np.testing.assert_allclose(r, [1, 0, 2 / 3])
    np.testing.assert_allclose(f, [2 / 3, 0, 0.8])
    np.testing.assert_array_equal(s, [1, 1, 3])
    # labels= picks and orders classes; a label absent from the data scores 0
    with pytest.warns(UndefinedMetricWarning):
        np.testing.assert_allclose(M.recall(T3, P3, labels=[2, 0, 9], average=None), [2 / 3, 1, 0])


def test_string_labels_and_pos_label():
    t = ["spam", "ham", "spam", "spam"]
    p = ["spam", "spam", "ham", "spam"]  # positive spam: TP 2, FP 1, FN 1
    assert M.precision(t, p, pos_label="spam") == pytest.approx(2 / 3)
    assert M.f1(t, p, pos_label="spam") == pytest.approx(2 / 3)
    np.testing.assert_array_equal(M.confusion_matrix(t, p), [[0, 1], [1, 2]])  # ham, spam


def test_zero_division():
    t, p = [0, 1, 1], [0, 0, 0]  # nothing predicted positive: precision is 0/0
    with pytest.warns(UndefinedMetricWarning):
        assert M.precision(t, p) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert M.precision(t, p, zero_division=1) == 1.0
        assert math.isnan(M.precision(t, p, zero_division=np.nan))
        assert M.recall(t, p, zero_division=1) == 0.0  # recall is defined: 0/2
        # NaN classes are left out of the macro mean: class 0 precision 1/3
        assert M.precision(t, p, average="macro", zero_division=np.nan) == pytest.approx(1 / 3)


def test_confusion_matrix_labels_and_normalize():
    t = [2, 0, 2, 2, 0, 1]
    p = [0, 0, 2, 2, 0, 2]
    cm = M.confusion_matrix(t, p)
    np.testing.assert_array_equal(cm, [[2, 0, 0], [0, 0, 1], [1, 0, 2]])
    assert cm.sum(axis=1).tolist() == [2, 1, 3]  # rows are true labels
    np.testing.assert_array_equal(M.confusion_matrix(t, p, labels=[2, 0]), [[2, 1], [0, 2]])
    np.testing.assert_allclose(
        M.confusion_matrix(t, p, normalize="true"), [[1, 0, 0], [0, 0, 1], [1 / 3, 0, 2 / 3]]
    )
    np.testing.assert_allclose(
        M.confusion_matrix(t, p, normalize="pred"), [[2 / 3, 0, 0], [0, 0, 1 / 3], [1 / 3, 0, 2 / 3]]
    )
    assert M.confusion_matrix(t, p, normalize="all").sum() == pytest.approx(1.0)


# ---------------------------------------------------------------- ROC, AUC, log loss

def test_roc_curve_hand():
    fpr, tpr, thr = M.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    np.testing.assert_allclose(fpr, [0, 0, 0.5, 0.5, 1])
    np.testing.assert_allclose(tpr, [0, 0.5, 0.5, 1, 1])
    np.testing.assert_allclose(thr, [np.inf, 0.8, 0.4, 0.35, 0.1])
    assert M.auc(fpr, tpr) == pytest.approx(0.75)
    assert M.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_roc_curve_drops_collinear_points_and_ties():
    t = [1, 1, 1, 0, 0]
    s = [0.9, 0.8, 0.7, 0.2, 0.1]
    # all points: tps 1,2,3,3,3 and fps 0,0,0,1,2; 0.8 and 0.2 sit on straight segments
    fpr, tpr, thr = M.roc_curve(t, s)
    np.testing.assert_allclose(fpr, [0, 0, 0, 1])
    np.testing.assert_allclose(tpr, [0, 1 / 3, 1, 1])
    np.testing.assert_allclose(thr, [np.inf, 0.9, 0.7, 0.1])
    fpr_all, _, thr_all = M.roc_curve(t, s, drop_intermediate=False)
    assert len(fpr_all) == 6 and thr_all[1:].tolist() == sorted(s, reverse=True)
    # tied scores form one threshold, a diagonal step: AUC counts the tie as 1/2
    assert M.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)


def _pairwise_auc(t, s):
    """P(score of a positive > score of a negative), ties 1/2: the Mann–Whitney form."""
    pos, neg = s[t == 1], s[t == 0]
    diff = pos[:, None] - neg[None, :]
    return (np.sum(diff > 0) + 0.5 * np.sum(diff == 0)) / diff.size


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_pairwise_probability(seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, 40)
    s = np.round(rng.normal(size=40) + t, 1)  # rounding makes ties
    assert M.roc_auc(t, s) == pytest.approx(_pairwise_auc(t, s))
    assert M.roc_auc(t * 2 - 1, s) == pytest.approx(_pairwise_auc(t, s))  # {-1, 1} labels


def test_roc_auc_multiclass_ovr_hand():
    t = np.array([0, 1, 2, 2])
    s = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]])
    per = [_pairwise_auc((t == c).astype(int), s[:, c]) for c in range(3)]
    assert M.roc_auc(t, s) == pytest.approx(np.mean(per))
    assert M.roc_auc(t, s, average="weighted") == pytest.approx(np.average(per, weights=[1, 1, 2]))
    np.testing.assert_allclose(M.roc_auc(t, s, average=None), per)


def test_roc_auc_single_class_is_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(M.roc_auc([1, 1, 1], [0.2, 0.5, 0.9]))


def test_log_loss_hand():
    expected = -(math.log(0.8) + math.log(0.7)) / 2
    assert M.log_loss([1, 0], [0.8, 0.3]) == pytest.approx(expected)
    assert M.log_loss([1, 0], [[0.2, 0.8], [0.7, 0.3]]) == pytest.approx(expected)
    assert M.log_loss([1, 0], [0.8, 0.3], normalize=False) == pytest.approx(2 * expected)
    three = -(math.log(0.5) + math.log(0.25) + math.log(0.6)) / 3
    y_prob = [[0.5, 0.3, 0.2], [0.25, 0.25, 0.5], [0.1, 0.3, 0.6]]
    assert M.log_loss(["a", "b", "c"], y_prob) == pytest.approx(three)
    # labels= names classes missing from y_true; its column still counts
    assert M.log_loss([0, 0], [[0.5, 0.5], [0.25, 0.75]], labels=[0, 1]) == pytest.approx(
        -(math.log(0.5) + math.log(0.25)) / 2
    )


def test_log_loss_clips_certain_mistakes():
    eps = np.finfo(np.float64).eps
    assert M.log_loss([1, 0], [0.0, 0.0]) == pytest.approx(-math.log(eps) / 2)
    assert M.log_loss([1, 0], [0.0, 0.0], eps=1e-7) == pytest.approx(-math.log(1e-7) / 2)
    eps32 = float(np.finfo(np.float32).eps)
    assert M.log_loss([1], np.array([[1.0, 0.0]], np.float32), labels=[0, 1]) == pytest.approx(
        -math.log(eps32), rel=1e-6
    )


def test_log_loss_warns_when_rows_do_not_sum_to_one():
    with pytest.warns(UserWarning, match="sum to 1"):
        M.log_loss([0, 1], [[0.5, 0.2], [0.1, 0.6]])


# ---------------------------------------------------------------- report

def test_classification_report_text_hand():
    expected = (
        "              precision    recall  f1-score   support\n"
        "\n"
        "         cat       1.00      0.67      0.80         3\n"
        "         dog       0.50      1.00      0.67         1\n"
        "\n"
        "    accuracy                           0.75         4\n"
        "   macro avg       0.75      0.83      0.73         4\n"
        "weighted avg       0.88      0.75      0.77         4\n"
    )
    got = M.classification_report([0, 0, 0, 1], [0, 0, 1, 1], target_names=["cat", "dog"])
    assert got == expected


def test_classification_report_dict_and_digits():
    d = M.classification_report(T3, P3, output_dict=True)
    assert d["2"] == {"precision": 1.0, "recall": pytest.approx(2 / 3), "f1-score": 0.8, "support": 3}
    assert d["accuracy"] == pytest.approx(0.6)
    assert d["macro avg"]["support"] == 5
    text = M.classification_report(T3, P3, digits=4)
    assert "0.6667" in text and "0.4889" in text
    # leaving out a present class turns the accuracy row into "micro avg"
    assert "micro avg" in M.classification_report(T3, P3, labels=[0, 2])


def test_minidl_tensors_are_accepted():
    import minidl as mdl

    t = mdl.tensor([0, 1, 1, 0])
    s = mdl.tensor([0.1, 0.8, 0.4, 0.5])
    assert M.roc_auc(t, s) == pytest.approx(0.75)
    assert M.mse(mdl.tensor([1.0, 2.0]), mdl.tensor([1.0, 4.0])) == pytest.approx(2.0)
    np.testing.assert_array_equal(M.confusion_matrix(t, t), [[2, 0], [0, 2]])


def test_whole_number_float_labels_are_class_ids():
    t = np.array([0.0, 1.0, 2.0], dtype=np.float32)  # e.g. labels from a float32 tensor
    p = [0, 1, 1]
    assert M.accuracy(t, p) == pytest.approx(2 / 3)
    report = M.classification_report(t, p, zero_division=0)
    assert "           2       0.00" in report and "2.0" not in report
