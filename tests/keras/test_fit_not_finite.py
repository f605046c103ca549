"""NaN and infinities in the data of fit, evaluate and predict: found in the batch whose loss
(or output) is not finite, reported with their index in the whole data; in fit, before that
batch changes the weights."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl.keras import Model, layers, models

RNG = np.random.default_rng(0)
X = RNG.standard_normal((40, 3)).astype(np.float32)
LABELS = RNG.integers(0, 2, 40)
ONE_HOT = np.eye(2, dtype=np.float32)[LABELS]


def compiled(model=None):
    model = model or models.Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="relu"),
                                        layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def weights_after_batches(batches: int) -> list[np.ndarray]:
    """The weights after training on the first ``batches`` batches of 8 (same seed)."""
    mdl.manual_seed(1)
    model = compiled()
    if batches:
        model.fit(X[: 8 * batches], ONE_HOT[: 8 * batches], batch_size=8, shuffle=False, verbose=0)
    return model.get_weights()


# NumPy warns when BLAS meets an infinity (inf - inf): the data's fault, reported by the error
@pytest.mark.filterwarnings("ignore:invalid value encountered in matmul:RuntimeWarning")
@pytest.mark.parametrize("value, word", [(np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")])
def test_bad_input_in_a_later_batch_names_its_index_and_leaves_that_batch_out(value, word):
    bad = X.copy()
    bad[27, 1] = value  # batch 3 (rows 24-31) of batch size 8
    mdl.manual_seed(1)
    model = compiled()
    with pytest.raises(ValueError, match=rf"x contains {word}.* \(first at index \(27, 1\)\)"):
        model.fit(bad, ONE_HOT, batch_size=8, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), weights_after_batches(3), strict=True):
        np.testing.assert_array_equal(got, want)  # batches 0-2 trained, batch 3 did not


def test_index_is_the_row_of_the_data_when_shuffled():
    bad = X.copy()
    bad[13, 0] = np.nan
    with pytest.raises(ValueError, match=r"first at index \(13, 0\)"):
        compiled().fit(bad, ONE_HOT, batch_size=8, shuffle=True, verbose=0)


def test_bad_targets_and_sample_weights_are_named():
    y = ONE_HOT.copy()
    y[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"^y contains NaN \(first at index \(5, 1\)\)"):
        compiled().fit(X, y, batch_size=8, verbose=0)
    sw = np.ones(40, np.float32)
    sw[33] = np.inf
    with pytest.raises(ValueError, match=r"^sample_weight contains infinite values \(first at index \(33,\)\)"):
        compiled().fit(X, ONE_HOT, batch_size=8, sample_weight=sw, verbose=0)


def test_validation_part_is_checked_before_training():
    bad = X.copy()
    bad[-1, 0] = np.nan  # in the last 25%: the validation part
    mdl.manual_seed(1)
    model = compiled()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"x \(validation part\) contains NaN"):
        model.fit(bad, ONE_HOT, validation_split=0.25, verbose=0)
    for got, want in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_model_that_replaces_nan_itself_trains():
    class Cleaning(Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2, activation="softmax")

        def call(self, x, training=None):
            return self.dense(mdl.where(x == x, x, 0.0))  # NaN != NaN: NaN becomes 0

    bad = X.copy()
    bad[::5, 2] = np.nan
    history = compiled(Cleaning()).fit(bad, ONE_HOT, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_evaluate_and_predict_name_the_bad_sample():
    bad = X.copy()
    bad[29, 0] = np.nan
    model = compiled()
    with pytest.raises(ValueError, match=r"x contains NaN \(first at index \(29, 0\)\)"):
        model.evaluate(bad, ONE_HOT, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"x contains NaN \(first at index \(29, 0\)\)"):
        model.predict(bad, batch_size=8, verbose=0)
    y = ONE_HOT.copy()
    y[3, 0] = np.inf
    with pytest.raises(ValueError, match=r"y contains infinite values \(first at index \(3, 0\)\)"):
        model.evaluate(X, y, batch_size=8, verbose=0)
