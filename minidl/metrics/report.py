"""A text (or dict) summary of per-class precision, recall, F1 and support."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_labels_arg
from .classification import check_targets, precision_recall_fscore_support

_HEADERS = ("precision", "recall", "f1-score", "support")


def classification_report(
    y_true: Any,
    y_pred: Any,
    labels: Any = None,
    target_names: Any = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: str | float = "warn",
) -> str | dict:
    """Per-class precision, recall, F1 and support, then the averages, as a table.

    The layout matches scikit-learn's, so the course's printed outputs read the
    same::

                      precision    recall  f1-score   support

                 cat       1.00      0.67      0.80         3
                 dog       0.50      1.00      0.67         1

            accuracy                           0.75         4
           macro avg       0.75      0.83      0.73         4
        weighted avg       0.88      0.75      0.77         4

    The "accuracy" row is the micro average; it is shown as "micro avg" instead
    when ``labels=`` leaves out some classes present in the data (then micro
    F1 is no longer the accuracy). ``target_names`` renames the rows (one name
    per label); ``digits`` sets the number of decimals. ``output_dict=True``
    returns ``{row name: {"precision": ..., "recall": ..., "f1-score": ...,
    "support": ...}}`` instead (with ``"accuracy"`` a plain float).
    """
    _, _, present = check_targets(y_true, y_pred)
    if labels is None:
        labels = present
        micro_is_accuracy = True
    else:
        labels = check_labels_arg(labels, present)
        micro_is_accuracy = set(labels.tolist()) >= set(present.tolist())
    if target_names is None:
        names = [str(label) for label in labels.tolist()]
    else:
        names = [str(name) for name in target_names]
        if len(names) != len(labels):
            raise ValueError(
                f"target_names has {len(names)} names but there are {len(labels)} labels "
                f"{labels.tolist()}; expected one name per label (or pass labels=)"
            )
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be an integer >= 0, got {digits!r}")

    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=zero_division
    )
    total = int(np.sum(support))
    averages = {}
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        ap, ar, af, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=zero_division
        )
        averages[heading] = (ap, ar, af)

    if output_dict:
        out: dict = {}
        for name, *row in zip(names, p, r, f, support):
            out[name] = dict(zip(_HEADERS, [float(v) for v in row[:3]] + [int(row[3])]))
        for heading, (ap, ar, af) in averages.items():
            if heading == "accuracy":
                out[heading] = af
            else:
                out[heading] = dict(zip(_HEADERS, (ap, ar, af, total)))
        return out

    width = max(len("weighted avg"), digits, *(len(n) for n in names))
    lines = [f"{'':>{width}} " + "".join(f" {h:>9}" for h in _HEADERS), ""]
    for name, pi, ri, fi, si in zip(names, p, r, f, support):
        lines.append(_row(name, (pi, ri, fi), int(si), width, digits))
    lines.append("")
    for heading, (ap, ar, af) in averages.items():
        if heading == "accuracy":
            # only the F1 column and the support: accuracy is one number
            lines.append(f"{heading:>{width}} " + " " * 20 + f" {af:>9.{digits}f} {total:>9}")
        else:
            lines.append(_row(heading, (ap, ar, af), total, width, digits))
    return "\n".join(lines) + "\n"


def _row(name: str, scores: tuple, support: int, width: int, digits: int) -> str:
    cells = "".join(f" {v:>9.{digits}f}" for v in scores)
    return f"{name:>{width}} {cells} {support:>9}"
