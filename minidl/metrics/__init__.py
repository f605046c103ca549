"""Model evaluation metrics with scikit-learn's signatures: ``metric(y_true, y_pred)``.

Pure NumPy, so they work on anything: Python lists, NumPy arrays, or minidl
Tensors (anything with a ``.numpy()`` method is converted first). Each metric
has scikit-learn's long name and a short one::

    from minidl import metrics
    metrics.accuracy(y_test, model.predict(x_test).argmax(axis=1))
    metrics.f1(y_true, y_pred, average="macro")
    metrics.roc_auc(y_true, p_positive)          # 1-D scores for binary problems
    print(metrics.classification_report(y_true, y_pred, target_names=names))

=====================  ==========================  ===========================
short name             scikit-learn name           module
=====================  ==========================  ===========================
``mae``                ``mean_absolute_error``     :mod:`.regression`
``mse``                ``mean_squared_error``      :mod:`.regression`
``rmse``               ``root_mean_squared_error`` :mod:`.regression`
``r2``                 ``r2_score``                :mod:`.regression`
``accuracy``           ``accuracy_score``          :mod:`.classification`
``precision``          ``precision_score``         :mod:`.classification`
``recall``             ``recall_score``            :mod:`.classification`
``f1``                 ``f1_score``                :mod:`.classification`
``confusion_matrix``   ``confusion_matrix``        :mod:`.classification`
``roc_curve``          ``roc_curve``               :mod:`.ranking`
``roc_auc``            ``roc_auc_score``           :mod:`.ranking`
``log_loss``           ``log_loss``                :mod:`.probabilistic`
``classification_report``                          :mod:`.report`
=====================  ==========================  ===========================

Bad input (different lengths, empty arrays, NaN, probabilities where labels are
expected, labels that do not fit, a binary average on a multiclass problem)
raises ``ValueError`` or ``TypeError`` with a message saying what was expected.
Differences from scikit-learn: no ``sample_weight``; no multilabel (2-D
indicator) targets; ROC AUC supports one-vs-rest only.
"""

from ._checks import UndefinedMetricWarning
from .classification import (
    accuracy,
    accuracy_score,
    confusion_matrix,
    f1,
    f1_score,
    fbeta_score,
    precision,
    precision_recall_fscore_support,
    precision_score,
    recall,
    recall_score,
)
from .probabilistic import log_loss
from .ranking import auc, roc_auc, roc_auc_score, roc_curve
from .regression import (
    mae,
    mean_absolute_error,
    mean_squared_error,
    mse,
    r2,
    r2_score,
    rmse,
    root_mean_squared_error,
)
from .report import classification_report

__all__ = [
    "UndefinedMetricWarning",
    "accuracy",
    "accuracy_score",
    "auc",
    "classification_report",
    "confusion_matrix",
    "f1",
    "f1_score",
    "fbeta_score",
    "log_loss",
    "mae",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
    "precision",
    "precision_recall_fscore_support",
    "precision_score",
    "r2",
    "r2_score",
    "recall",
    "recall_score",
    "rmse",
    "roc_auc",
    "roc_auc_score",
    "roc_curve",
    "root_mean_squared_error",
]
