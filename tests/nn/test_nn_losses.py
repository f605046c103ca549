"""Loss modules (``nn.CrossEntropyLoss`` and friends): values against plain NumPy float64,
gradients by finite differences, every reduction, PyTorch's values where it is installed,
and clear errors for bad arguments.  (The functional maths behind them is in the op table,
``tests/ops/op_cases_layers.py``, which also compares it with PyTorch.)"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import ShapeError, nn

RNG = np.random.default_rng(3)
LOGITS = RNG.standard_normal((6, 4))
LABELS = np.array([0, 3, 1, 2, 3, 1])
PRED = RNG.standard_normal((6, 3)) * 2
TARGET = RNG.standard_normal((6, 3))
PROBS = RNG.uniform(0.05, 0.95, (6, 3))
BITS = (RNG.uniform(size=(6, 3)) > 0.5).astype(np.float64)
CLASS_W = np.array([1.0, 0.5, 2.0, 3.0])


def _log_softmax(z):
    shifted = z - z.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def _reduce(per, reduction):
    return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]


def _elementwise(name):
    """(module, prediction, target, NumPy per-element loss) for the regression and BCE losses."""
    e = PRED - TARGET
    sig = 1 / (1 + np.exp(-PRED))
    return {
        "MSELoss": (nn.MSELoss, PRED, TARGET, e**2),
        "L1Loss": (nn.L1Loss, PRED, TARGET, np.abs(e)),
        "HuberLoss": (nn.HuberLoss, PRED, TARGET, np.where(np.abs(e) <= 1, 0.5 * e**2, np.abs(e) - 0.5)),
        "SmoothL1Loss": (nn.SmoothL1Loss, PRED, TARGET, np.where(np.abs(e) < 1, 0.5 * e**2, np.abs(e) - 0.5)),
        "BCELoss": (nn.BCELoss, PROBS, BITS, -(BITS * np.log(PROBS) + (1 - BITS) * np.log(1 - PROBS))),
        "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, PRED, BITS, -(BITS * np.log(sig) + (1 - BITS) * np.log(1 - sig))),
    }[name]


ELEMENTWISE = ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss"]
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_losses_match_numpy_and_gradcheck(name, reduction):
    cls, pred, target, per = _elementwise(name)
    criterion = cls(reduction=reduction)
    x = mdl.tensor(pred, dtype="float64", requires_grad=True)
    out = criterion(x, target)
    np.testing.assert_allclose(out.numpy(), _reduce(per, reduction), rtol=1e-12, atol=1e-12)
    assert out.shape == (() if reduction != "none" else pred.shape)
    assert list(criterion.parameters()) == []
    assert mdl.gradcheck(lambda p: criterion(p, target).sum(), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_and_nll_modules_match_numpy(reduction):
    z = mdl.tensor(LOGITS, dtype="float64", requires_grad=True)
    expected = _reduce(-_log_softmax(LOGITS)[np.arange(6), LABELS], reduction)
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction=reduction)(z, LABELS).numpy(), expected, rtol=1e-12)
    nll = nn.NLLLoss(reduction=reduction)(nn.LogSoftmax(dim=-1)(z), LABELS)
    np.testing.assert_allclose(nll.numpy(), expected, rtol=1e-12)
    assert mdl.gradcheck(lambda x: nn.CrossEntropyLoss(reduction=reduction)(x, LABELS).sum(), z)


def test_cross_entropy_options_match_numpy_and_gradcheck():
    """Weighted mean over the labels kept; smoothing mixes in ε/K of every class."""
    labels = np.array([0, -1, 1, 2, 3, -1])
    criterion = nn.CrossEntropyLoss(weight=CLASS_W, ignore_index=-1, label_smoothing=0.2)
    z = mdl.tensor(LOGITS, dtype="float64", requires_grad=True)
    lp = _log_softmax(LOGITS)
    keep = labels != -1
    safe = np.where(keep, labels, 0)
    per = keep * (0.8 * CLASS_W[safe] * -lp[np.arange(6), safe] + 0.2 / 4 * -(lp * CLASS_W).sum(-1))
    np.testing.assert_allclose(criterion(z, labels).numpy(), per.sum() / (keep * CLASS_W[safe]).sum(), rtol=1e-12)
    assert mdl.gradcheck(lambda x: criterion(x, labels), z)
    ignored = mdl.tensor(LOGITS, dtype="float64", requires_grad=True)
    criterion(ignored, labels).backward()
    np.testing.assert_array_equal(ignored.grad.numpy()[~keep], 0)  # ignored rows learn nothing


def test_default_ignore_index_is_minus_100_as_pytorch():
    labels = np.array([0, -100, 1, 2, 3, 1])
    out = nn.CrossEntropyLoss()(mdl.tensor(LOGITS, dtype="float64"), labels)
    keep = labels != -100
    expected = -_log_softmax(LOGITS)[np.arange(6)[keep], labels[keep]].mean()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_every_label_ignored_gives_nan_as_pytorch():
    out = F.cross_entropy(mdl.tensor(LOGITS[:2], dtype="float64"), np.array([-100, -100]))
    assert np.isnan(out.item())


def test_bce_with_logits_pos_weight_and_weight():
    pos_weight, weight = np.array([0.5, 1.0, 3.0]), np.array([2.0, 1.0, 0.25])
    criterion = nn.BCEWithLogitsLoss(weight=weight, pos_weight=pos_weight, reduction="sum")
    x = mdl.tensor(PRED, dtype="float64", requires_grad=True)
    sig = 1 / (1 + np.exp(-PRED))
    expected = np.sum(-weight * (pos_weight * BITS * np.log(sig) + (1 - BITS) * np.log(1 - sig)))
    np.testing.assert_allclose(criterion(x, BITS).numpy(), expected, rtol=1e-12)
    assert mdl.gradcheck(lambda p: criterion(p, BITS), x)
    assert sorted(criterion.state_dict()) == ["pos_weight", "weight"]  # buffers, as PyTorch


def test_float32_stays_float32():
    z = mdl.tensor(LOGITS, dtype="float32")
    for out in (nn.CrossEntropyLoss(weight=CLASS_W)(z, LABELS), nn.CrossEntropyLoss(reduction="none")(z, LABELS),
                nn.CrossEntropyLoss(label_smoothing=0.1)(z, _log_softmax(LOGITS) * 0 + 0.25),
                nn.MSELoss(reduction="sum")(mdl.tensor(PRED, dtype="float32"), TARGET)):
        assert out.dtype == np.float32


def test_repr_shows_the_options():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss(reduction='mean')"
    assert repr(nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1, reduction="sum")) == \
        "CrossEntropyLoss(reduction='sum', ignore_index=0, label_smoothing=0.1)"
    assert repr(nn.HuberLoss(delta=2)) == "HuberLoss(reduction='mean', delta=2.0)"
    assert repr(nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss(reduction='mean', beta=0.5)"


@pytest.mark.parametrize("cls", [nn.CrossEntropyLoss, nn.NLLLoss, nn.MSELoss, nn.L1Loss, nn.HuberLoss,
                                 nn.SmoothL1Loss, nn.BCELoss, nn.BCEWithLogitsLoss])
def test_unknown_reduction_raises_at_construction(cls):
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        cls(reduction="avg")


@pytest.mark.parametrize("make, message", [
    (lambda: nn.HuberLoss(delta=0), "delta must be a positive number"),
    (lambda: nn.SmoothL1Loss(beta=-1), "beta must be a non-negative number"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=1.5), r"label_smoothing must be a number in \[0, 1\]"),
    (lambda: nn.CrossEntropyLoss(weight=np.ones((2, 2))), "one value per class"),
    (lambda: nn.CrossEntropyLoss(ignore_index=1.5), "ignore_index must be an int"),
    (lambda: nn.BCELoss(weight=["a"]), "must be numbers"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_inputs_name_the_problem():
    z = mdl.tensor(LOGITS)
    with pytest.raises(ShapeError, match=r"integer labels must have shape \(6,\)"):
        nn.CrossEntropyLoss()(z, LABELS[:4])
    with pytest.raises(ValueError, match=r"label 7 is out of range: expected labels in \[0, 4\)"):
        nn.CrossEntropyLoss(weight=CLASS_W)(z, np.array([0, 1, 7, 2, 3, 1]))
    with pytest.raises(ShapeError, match=r"class weight must have one value per class, shape \(4,\)"):
        nn.CrossEntropyLoss(weight=[1.0, 2.0])(z, LABELS)
    with pytest.raises(TypeError, match="nll_loss expects integer class labels"):
        nn.NLLLoss()(z, LABELS.astype(np.float64))
    with pytest.raises(ShapeError, match="target shape"):
        nn.MSELoss()(mdl.tensor(PRED), TARGET[:, :2])
    with pytest.raises(ShapeError, match="pos_weight of shape"):
        nn.BCEWithLogitsLoss(pos_weight=[1.0, 2.0])(mdl.tensor(PRED), BITS)
    with pytest.raises(TypeError, match="targets must be numbers"):
        nn.L1Loss()(mdl.tensor(PRED), np.full((6, 3), "x"))


def test_matches_pytorch(torch):
    """The modules against torch.nn's, float64, same inputs (channels-last logits are (N, K))."""
    tz, tl = torch.tensor(LOGITS), torch.tensor(LABELS)
    z = mdl.tensor(LOGITS, dtype="float64")
    pairs = [
        (nn.CrossEntropyLoss(weight=CLASS_W, label_smoothing=0.1)(z, LABELS),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(CLASS_W), label_smoothing=0.1)(tz, tl)),
        (nn.NLLLoss(weight=CLASS_W, ignore_index=3, reduction="none")(z, LABELS),
         torch.nn.NLLLoss(weight=torch.tensor(CLASS_W), ignore_index=3, reduction="none")(tz, tl)),
        (nn.SmoothL1Loss(beta=0.7, reduction="sum")(mdl.tensor(PRED, dtype="float64"), TARGET),
         torch.nn.SmoothL1Loss(beta=0.7, reduction="sum")(torch.tensor(PRED), torch.tensor(TARGET))),
        (nn.HuberLoss(delta=0.7, reduction="none")(mdl.tensor(PRED, dtype="float64"), TARGET),
         torch.nn.HuberLoss(delta=0.7, reduction="none")(torch.tensor(PRED), torch.tensor(TARGET))),
        (nn.BCELoss(weight=np.array([1.0, 2.0, 0.5]))(mdl.tensor(PROBS, dtype="float64"), BITS),
         torch.nn.BCELoss(weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))(torch.tensor(PROBS),
                                                                                   torch.tensor(BITS))),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_ignored_labels_on_every_path():
    """-100 labels are skipped by the kernel path, the composed path (sample_weight, "none")
    and with a class weight alike; a label that is neither in range nor ignored still raises."""
    labels = np.array([2, -100, 0, 1, -100, 3])
    keep = labels != -100
    z = mdl.tensor(LOGITS, dtype="float64")
    per = -_log_softmax(LOGITS)[np.arange(6)[keep], labels[keep]]
    np.testing.assert_allclose(F.cross_entropy(z, labels).numpy(), per.mean(), rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(z, labels, reduction="none").numpy()[keep], per, rtol=1e-12)
    weights = np.arange(1.0, 7.0)
    np.testing.assert_allclose(F.cross_entropy(z, labels, sample_weight=weights).numpy(),
                               (weights[keep] * per).sum() / keep.sum(), rtol=1e-12)
    with pytest.raises(ValueError, match="label -5 is out of range"):
        F.cross_entropy(z, np.array([2, -100, 0, 1, -5, 3]))
    with pytest.raises(TypeError, match="ignore_index must be an int, got None"):
        F.cross_entropy(z, labels, ignore_index=None)
