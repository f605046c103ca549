"""Bad input to minidl.metrics raises a clear ValueError/TypeError naming the problem."""

import numpy as np
import pytest

from minidl import metrics as M

ALL_PAIRWISE = [
    M.mae, M.mse, M.rmse, M.r2, M.accuracy, M.precision, M.recall, M.f1,
    M.confusion_matrix, M.classification_report,
]


@pytest.mark.parametrize("fn", ALL_PAIRWISE + [M.roc_auc, M.roc_curve, M.log_loss])
def test_mismatched_lengths_name_both(fn):
    with pytest.raises(ValueError, match=r"has 5 samples but y_\w+ has 4"):
        fn([0, 1, 0, 1, 1], [0.5, 0.5, 0.5, 0.5] if fn is M.roc_auc else [0, 1, 0, 1])


@pytest.mark.parametrize("fn", ALL_PAIRWISE + [M.roc_auc, M.roc_curve, M.log_loss])
def test_empty_input(fn):
    with pytest.raises(ValueError, match="empty"):
        fn([], [])


@pytest.mark.parametrize("fn", [M.mae, M.mse, M.rmse, M.r2, M.roc_auc, M.roc_curve, M.log_loss])
def test_nan_in_scores(fn):
    with pytest.raises(ValueError, match=r"y_\w+ contains NaN \(first at index 1"):
        fn([0, 1, 1], [0.2, np.nan, 0.7])


def test_nan_and_inf_in_labels_or_targets():
    with pytest.raises(ValueError, match="y_true contains NaN"):
        M.accuracy([0.0, np.nan], [0, 1])
    with pytest.raises(ValueError, match="y_true contains infinity"):
        M.mse([0.0, np.inf], [0, 1])


def test_probabilities_given_to_accuracy_suggest_argmax():
    prob = np.array([[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*y_pred.argmax\(axis=1\)"):
        M.accuracy([0, 1], prob)
    with pytest.raises(ValueError, match=r"non-integer values.*argmax"):
        M.accuracy([0, 1], [0.9, 0.2])


def test_binary_average_on_multiclass():
    with pytest.raises(ValueError, match=r"Target is multiclass \(3 labels.*average='binary'"):
        M.f1([0, 1, 2], [0, 1, 1])


def test_invalid_pos_label_and_average():
    with pytest.raises(ValueError, match=r"pos_label=1 is not a valid label.*\['ham', 'spam'\]"):
        M.precision(["ham", "spam"], ["spam", "spam"])
    with pytest.raises(ValueError, match="average must be one of"):
        M.recall([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match="zero_division"):
        M.precision([0, 1], [0, 1], zero_division=5)


def test_labels_argument_checks():
    with pytest.raises(ValueError, match=r"none of labels=\[5, 6\] occur in y_true"):
        M.confusion_matrix([0, 1], [0, 1], labels=[5, 6])
    with pytest.raises(ValueError, match="labels is empty"):
        M.confusion_matrix([0, 1], [0, 1], labels=[])
    with pytest.raises(ValueError, match="must not repeat"):
        M.precision([0, 1], [0, 1], labels=[0, 0], average="macro")
    with pytest.raises(ValueError, match="same type"):
        M.recall([0, 1], [0, 1], labels=["a"], average=None)
    with pytest.raises(ValueError, match="mix string and numeric"):
        M.accuracy(["a", "b"], [0, 1])


def test_labels_outside_range_for_probabilities():
    prob = [[0.5, 0.5], [0.4, 0.6], [0.3, 0.7]]
    with pytest.raises(ValueError, match=r"y_true contains labels \[2\] that are not in labels=\[0, 1\]"):
        M.log_loss([0, 1, 2], prob, labels=[0, 1])
    with pytest.raises(ValueError, match="y_prob has 2 columns but there are 3 classes"):
        M.log_loss([0, 1, 2], prob)
    p3 = [[0.2, 0.3, 0.5]] * 3
    with pytest.raises(ValueError, match=r"y_true contains labels \[7\]"):
        M.roc_auc([0, 1, 7], p3, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="3 classes but y_score has 4 columns"):
        M.roc_auc([0, 1, 2], [[0.25] * 4] * 3)


def test_y_score_of_wrong_shape():
    with pytest.raises(ValueError, match=r"y_score must be 1-D.*y_score\[:, 1\]"):
        M.roc_curve([0, 1], [[0.3, 0.7], [0.6, 0.4]])
    with pytest.raises(ValueError, match=r"2 columns for a binary problem.*y_score\[:, 1\]"):
        M.roc_auc([0, 1], [[0.3, 0.7], [0.6, 0.4]])
    with pytest.raises(ValueError, match="3 classes but y_score is 1-D"):
        M.roc_auc([0, 1, 2], [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match="must sum to 1"):
        M.roc_auc([0, 1, 2], [[1.0, 2.0, 3.0]] * 3)
    with pytest.raises(ValueError, match=r"3-D|1-D or 2-D"):
        M.mse(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="y_true has 2 outputs per sample but y_pred has 3"):
        M.mse(np.zeros((4, 2)), np.zeros((4, 3)))


def test_roc_curve_needs_binary_and_known_positive():
    with pytest.raises(ValueError, match="needs binary y_true, got 3 classes"):
        M.roc_curve([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="pass pos_label="):
        M.roc_curve([1, 2], [0.1, 0.2])


def test_log_loss_bad_probabilities():
    with pytest.raises(ValueError, match=r"outside \[0, 1\].*logits"):
        M.log_loss([0, 1], [-0.2, 0.7])
    with pytest.raises(ValueError, match=r"only one label \(1\)"):
        M.log_loss([1, 1], [0.2, 0.7])
    with pytest.raises(ValueError, match="eps must be"):
        M.log_loss([0, 1], [0.2, 0.7], eps=2)


def test_report_and_multioutput_arguments():
    with pytest.raises(ValueError, match="target_names has 3 names but there are 2 labels"):
        M.classification_report([0, 1], [0, 1], target_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="multioutput must be one of"):
        M.mae([1.0, 2.0], [1.0, 2.0], multioutput="mean")
    with pytest.raises(ValueError, match="normalize must be"):
        M.confusion_matrix([0, 1], [0, 1], normalize="rows")


def test_non_numeric_and_ragged_input():
    with pytest.raises(TypeError, match="y_true must hold numbers"):
        M.mse(["a", "b"], [1.0, 2.0])
    with pytest.raises(TypeError, match="could not be converted"):
        M.mse([[1.0, 2.0], [3.0]], [1.0, 2.0])


def test_recall_does_not_warn_about_precision():
    import warnings

    from minidl import metrics

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.recall([0, 1, 1], [0, 0, 0]) == 0.0
