"""Keras callbacks on scripted training runs, with a small fake model (Keras 3 semantics)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from minidl.keras import callbacks as cbs
from minidl.keras import optimizers


class FakeModel:
    """What callbacks may touch: stop_training, optimizer.learning_rate, weights, save."""

    def __init__(self, lr: float = 0.1) -> None:
        self.stop_training = False
        self.optimizer = optimizers.SGD(learning_rate=lr)
        self.weights = [np.zeros(2)]
        self.saved: list[tuple[str, str]] = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, path):
        self.saved.append(("model", path))

    def save_weights(self, path):
        self.saved.append(("weights", path))


def fit(model, callbacks, epoch_logs, batches=2):
    """The fit loop's calls, in order; "training" epoch e sets the weights to e."""
    history = cbs.History()
    cl = cbs.CallbackList(callbacks, model=model)
    cl.append(history)
    cl.set_params({"epochs": len(epoch_logs), "steps": batches, "verbose": 0})
    model.stop_training = False
    cl.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        cl.on_epoch_begin(epoch)
        for b in range(batches):
            cl.on_train_batch_begin(b)
            cl.on_train_batch_end(b, {"loss": logs.get("loss", 1.0)})
            if model.stop_training:
                break
        model.weights = [np.full(2, float(epoch))]
        cl.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    cl.on_train_end()
    return history


def val(*values, key="val_loss"):
    return [{"loss": 1.0, key: v} for v in values]


# ----------------------------------------------------------------------------- EarlyStopping
def test_early_stopping_patience_and_restore_best_weights():
    model = FakeModel()
    es = cbs.EarlyStopping(patience=2, restore_best_weights=True)
    history = fit(model, [es], val(1.0, 0.8, 0.9, 0.85, 0.95, 0.7))
    assert history.epoch == [0, 1, 2, 3]  # two epochs without beating 0.8, then stop
    assert es.stopped_epoch == 3 and es.best == 0.8 and es.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # the weights of epoch 1
    assert history.history["val_loss"] == [1.0, 0.8, 0.9, 0.85]


def test_early_stopping_patience_zero_and_no_restore():
    model = FakeModel()
    history = fit(model, [cbs.EarlyStopping(patience=0)], val(1.0, 0.9, 0.95, 0.5))
    assert history.epoch == [0, 1, 2]
    np.testing.assert_array_equal(model.weights[0], [2.0, 2.0])  # last weights kept


def test_early_stopping_min_delta_and_max_mode():
    history = fit(FakeModel(), [cbs.EarlyStopping(min_delta=0.1, patience=1)], val(1.0, 0.95, 0.5))
    assert history.epoch == [0, 1]  # 0.95 is not better than 1.0 by more than 0.1
    es = cbs.EarlyStopping(monitor="val_accuracy", patience=1)  # auto mode: maximize accuracy
    history = fit(FakeModel(), [es], val(0.5, 0.6, 0.55, 0.9, key="val_accuracy"))
    assert history.epoch == [0, 1, 2] and es.best == 0.6


def test_early_stopping_baseline_and_start_from_epoch():
    # improving, but never below the baseline 0.5: the wait is not reset
    with_baseline = fit(FakeModel(), [cbs.EarlyStopping(patience=2, baseline=0.5)], val(0.9, 0.95, 0.97, 0.99))
    without = fit(FakeModel(), [cbs.EarlyStopping(patience=2)], val(0.9, 0.95, 0.97, 0.99))
    assert with_baseline.epoch == [0, 1] and without.epoch == [0, 1, 2]
    late = fit(FakeModel(), [cbs.EarlyStopping(patience=0, start_from_epoch=2)], val(1.0, 2.0, 3.0, 4.0, 5.0))
    assert late.epoch == [0, 1, 2, 3]  # epochs 0 and 1 are ignored


def test_early_stopping_missing_monitor_warns_and_continues():
    with pytest.warns(UserWarning, match="val_loss.*not available. Available metrics are: loss"):
        history = fit(FakeModel(), [cbs.EarlyStopping(patience=0)], [{"loss": 1.0}, {"loss": 2.0}])
    assert history.epoch == [0, 1]


def test_monitor_direction():
    with pytest.raises(ValueError, match="mode='min' or mode='max'"):
        cbs.EarlyStopping(monitor="val_thing")
    assert cbs.EarlyStopping(monitor="val_thing", mode="max").mode == "max"
    assert cbs.ModelCheckpoint("x", monitor="val_mae").mode == "min"
    with pytest.warns(UserWarning, match="unknown, fallback to auto"):
        assert cbs.EarlyStopping(mode="sideways").mode == "min"


# ----------------------------------------------------------------------------- learning rate
def test_reduce_lr_on_plateau_scripted():
    model = FakeModel(lr=0.1)
    rlr = cbs.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    history = fit(model, [rlr], val(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    # logs["learning_rate"] is the lr the epoch ran with (recorded before reducing)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02])
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        cbs.ReduceLROnPlateau(factor=2.0)


def test_reduce_lr_on_plateau_improvement_resets_wait():
    model = FakeModel(lr=1.0)
    fit(model, [cbs.ReduceLROnPlateau(patience=2, factor=0.1)], val(1.0, 1.1, 0.9, 1.0, 1.0))
    assert model.optimizer.learning_rate == pytest.approx(0.1)  # reduced once, at the last epoch


def test_learning_rate_scheduler():
    model = FakeModel(lr=0.1)
    seen = []
    history = fit(model, [cbs.LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5),
                          cbs.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(
                              float(model.optimizer.learning_rate)))], val(1, 1, 1))
    assert seen == pytest.approx([0.1, 0.05, 0.025])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    fit(model, [cbs.LearningRateScheduler(lambda epoch: 0.3)], val(1))  # one-argument form
    assert model.optimizer.learning_rate == pytest.approx(0.3)
    with pytest.raises(ValueError, match="must return a float"):
        fit(model, [cbs.LearningRateScheduler(lambda epoch, lr: "fast")], val(1))


# ----------------------------------------------------------------------------- files
def test_csv_logger_content(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 0.5, "val_loss": 0.25}, {"loss": 0.125, "val_loss": 0.0625}]
    fit(FakeModel(), [cbs.CSVLogger(path)], logs)
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,0.5,0.25\r\n1,0.125,0.0625\r\n"
    fit(FakeModel(), [cbs.CSVLogger(path, append=True)], logs[:1])  # no second header
    assert path.read_bytes().count(b"epoch") == 1 and path.read_bytes().endswith(b"0,0.5,0.25\r\n")


def test_csv_logger_separator_and_missing_validation(tmp_path):
    path = tmp_path / "log.csv"
    fit(FakeModel(), [cbs.CSVLogger(path, separator=";")], [{"loss": 2.0, "accuracy": 0.5}])
    assert path.read_text().splitlines() == ["epoch;accuracy;loss;val_accuracy;val_loss", "0;0.5;2.0;NA;NA"]


def test_model_checkpoint_save_best_only(tmp_path):
    model = FakeModel()
    pattern = str(tmp_path / "ckpt" / "m-{epoch:02d}-{val_loss:.2f}.keras")
    fit(model, [cbs.ModelCheckpoint(pattern, save_best_only=True)], val(0.5, 0.6, 0.4, 0.45))
    names = [(kind, p.rsplit("/", 1)[-1]) for kind, p in model.saved]
    assert names == [("model", "m-01-0.50.keras"), ("model", "m-03-0.40.keras")]
    assert (tmp_path / "ckpt").is_dir()  # the folder is created


def test_model_checkpoint_every_epoch_weights_and_max_mode(tmp_path):
    model = FakeModel()
    fit(model, [cbs.ModelCheckpoint(str(tmp_path / "w{epoch}.weights.h5"), save_weights_only=True)], val(3, 2, 1))
    assert [k for k, _ in model.saved] == ["weights"] * 3 and model.saved[-1][1].endswith("w3.weights.h5")
    model = FakeModel()
    fit(model, [cbs.ModelCheckpoint(str(tmp_path / "a.keras"), monitor="val_accuracy", save_best_only=True)],
        val(0.5, 0.4, 0.7, key="val_accuracy"))
    assert len(model.saved) == 2
    model = FakeModel()
    fit(model, [cbs.ModelCheckpoint(str(tmp_path / "b.keras"), save_freq=3)], val(1, 1, 1), batches=2)
    assert len(model.saved) == 2  # after batches 3 and 6


def test_model_checkpoint_errors(tmp_path):
    with pytest.raises(KeyError, match="cannot fill the filepath"):
        fit(FakeModel(), [cbs.ModelCheckpoint(str(tmp_path / "{val_acc}.keras"))], val(1.0))
    with pytest.raises(ValueError, match="save_freq"):
        cbs.ModelCheckpoint("x.keras", save_freq="batch")
    model = FakeModel()
    with pytest.warns(UserWarning, match="val_loss"):  # monitor missing: saves anyway, as Keras
        fit(model, [cbs.ModelCheckpoint(str(tmp_path / "c.keras"), save_best_only=True)], [{"loss": 1.0}])
    assert len(model.saved) == 1


# ----------------------------------------------------------------------------- others
def test_terminate_on_nan():
    model = FakeModel()
    history = fit(model, [cbs.TerminateOnNaN()], [{"loss": 1.0}, {"loss": math.nan}, {"loss": 1.0}])
    assert history.epoch == [0, 1] and model.stop_training
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        fit(FakeModel(), [cbs.TerminateOnNaN(raise_error=True)], [{"loss": math.inf}])


def test_lambda_callback_history_and_callback_list():
    events = []
    lam = cbs.LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                             on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, logs["val_loss"])),
                             on_batch_end=lambda batch, logs: events.append(("batch", batch)),
                             on_train_end=lambda logs: events.append("end"))
    model = FakeModel()
    history = fit(model, [lam], val(0.3, 0.2))
    assert events == ["begin", ("batch", 0), ("batch", 1), ("epoch", 0, 0.3), ("batch", 0), ("batch", 1),
                      ("epoch", 1, 0.2), "end"]
    assert history.history == {"loss": [1.0, 1.0], "val_loss": [0.3, 0.2]} and model.history is history
    with pytest.raises(ValueError, match="unknown hook"):
        cbs.LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="Callback objects"):
        cbs.CallbackList([print])


def test_callback_list_skips_batch_hooks_nobody_defines():
    class EpochOnly(cbs.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class OldStyle(cbs.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_batch_end(self, batch, logs=None):
            self.batches += 1

    empty = cbs.CallbackList()
    empty.on_train_batch_begin(0)
    empty.on_train_batch_end(0, {"loss": 1.0})
    cl = cbs.CallbackList([EpochOnly(), cbs.History()])
    assert cl._batch == {"train_begin": [], "train_end": []}
    old = OldStyle()
    cl.append(old)
    assert cl._batch["train_end"] == [old]
    cl.on_train_batch_end(0, {})
    cl.on_test_begin()  # the test/predict hooks exist too
    assert old.batches == 1


def test_callbacks_accept_a_single_callback_and_params():
    es = cbs.EarlyStopping()
    model = FakeModel()
    cl = cbs.CallbackList(es, add_history=True, model=model, epochs=3, steps=5, verbose=0)
    assert es.model is model and es.params == {"epochs": 3, "steps": 5, "verbose": 0}
    assert any(isinstance(cb, cbs.History) for cb in cl) and len(cl) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(FakeModel(), [], val(1.0))  # nothing to warn about
