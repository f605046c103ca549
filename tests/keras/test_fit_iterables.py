"""fit/evaluate/predict on batch sources (generators, PyDataset-like objects, DataLoaders).

The reference is the array path itself (checked against Keras elsewhere): the same
batches in the same order must give the same weights, history and results."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minidl as mdl
from minidl.keras import layers, models, optimizers
from minidl.utils.data import DataLoader, TensorDataset

N, BATCH = 100, 32  # the last batch holds 4 samples


def blobs(n: int = N, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]], dtype=np.float32)
    return centers[y] + rng.normal(0, 0.7, (n, 4)).astype(np.float32), y


def twin_models(**compile_args) -> tuple[models.Sequential, models.Sequential]:
    """Two compiled MLPs with the same initial weights."""
    pair = []
    for _ in range(2):
        model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(8, activation="relu"),
                                   layers.Dense(3, activation="softmax")])
        model.compile(**{"optimizer": optimizers.Adam(0.02), "loss": "sparse_categorical_crossentropy",
                         "metrics": ["accuracy"], **compile_args})
        pair.append(model)
    pair[1].set_weights(pair[0].get_weights())
    return pair[0], pair[1]


def slices(*arrays: np.ndarray, batch: int = BATCH):
    for start in range(0, len(arrays[0]), batch):
        yield tuple(a[start:start + batch] for a in arrays)


def endless(*arrays: np.ndarray):
    while True:
        yield from slices(*arrays)


class Batches:
    """A keras.utils.PyDataset-like object: __len__ batches, __getitem__ gives batch i."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y, self.seen, self.epochs_ended = x, y, [], 0

    def __len__(self) -> int:
        return -(-len(self.x) // BATCH)

    def __getitem__(self, i: int):
        self.seen.append(i)
        return self.x[i * BATCH:(i + 1) * BATCH], self.y[i * BATCH:(i + 1) * BATCH]

    def on_epoch_end(self) -> None:
        self.epochs_ended += 1


def assert_same_training(a: models.Model, b: models.Model, ha, hb) -> None:
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)
    assert ha.history.keys() == hb.history.keys()
    for key in ha.history:
        np.testing.assert_allclose(ha.history[key], hb.history[key], rtol=1e-6)


@pytest.mark.parametrize("source", ["generator", "endless", "dataloader", "pydataset"])
def test_fit_on_batches_equals_fit_on_arrays(source):
    mdl.manual_seed(0)
    x, y = blobs()
    reference, model = twin_models()
    epochs = 1 if source == "generator" else 3
    h_ref = reference.fit(x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0)
    kwargs = {}
    if source == "generator":
        data = slices(x, y)
    elif source == "endless":
        data, kwargs = endless(x, y), {"steps_per_epoch": 4}
    elif source == "dataloader":
        data = DataLoader(TensorDataset(x, y), batch_size=BATCH)
    else:
        data = Batches(x, y)
    h = model.fit(data, epochs=epochs, shuffle=False, verbose=0, **kwargs)
    assert_same_training(reference, model, h_ref, h)
    assert len(h.history["loss"]) == epochs


def test_shuffling_dataloader_matches_shuffled_arrays_under_one_seed():
    x, y = blobs()
    reference, model = twin_models()
    mdl.manual_seed(5)
    h_ref = reference.fit(x, y, batch_size=BATCH, epochs=2, verbose=0)  # shuffle=True
    mdl.manual_seed(5)
    h = model.fit(DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True), epochs=2, verbose=0)
    assert_same_training(reference, model, h_ref, h)


def test_class_weights_in_batches_match_arrays():
    x, y = blobs()
    reference, model = twin_models()
    h_ref = reference.fit(x, y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, batch_size=BATCH, shuffle=False, verbose=0)
    h = model.fit(slices(x, y), class_weight={0: 1.0, 1: 2.0, 2: 0.5}, verbose=0)
    assert_same_training(reference, model, h_ref, h)


def test_sample_and_class_weights_together_are_refused_as_keras_3():
    """Keras 3: 'You cannot `class_weight` and `sample_weight` at the same time.' (arrays and
    PyDataset batches of three); minidl used to multiply the two."""
    x, y = blobs()
    sw = np.linspace(0.5, 2.0, N).astype(np.float32)
    model, _ = twin_models()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="cannot class_weight and sample_weight at the same time"):
        model.fit(x, y, sample_weight=sw, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, verbose=0)
    with pytest.raises(ValueError, match=r"at the same time.*batch 0 of x holds sample weights"):
        model.fit(slices(x, y, sw), class_weight={0: 1.0, 1: 2.0, 2: 0.5}, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_generator_drained_after_one_epoch_stops_with_a_warning():
    x, y = blobs()
    model, _ = twin_models()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(slices(x, y), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1


def test_steps_per_epoch_takes_that_many_batches_and_continues():
    x, y = blobs()
    model, _ = twin_models()
    source = Batches(x, y)
    history = model.fit(source, epochs=3, steps_per_epoch=3, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 3
    assert source.seen == [0, 1, 2, 3, 0, 1, 2, 3, 0]  # a new pass starts when one ends
    assert source.epochs_ended == 3


def test_pydataset_batches_shuffled_each_epoch():
    x, y = blobs(320)
    model, _ = twin_models()
    source = Batches(x, y)
    mdl.manual_seed(2)
    model.fit(source, epochs=2, verbose=0)
    first, second = source.seen[:10], source.seen[10:]
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != list(range(10)) and first != second


def test_validation_data_from_a_dataloader():
    x, y = blobs()
    xv, yv = blobs(40, seed=1)
    model, _ = twin_models()
    history = model.fit(slices(x, y), validation_data=DataLoader(TensorDataset(xv, yv), batch_size=16),
                        verbose=0)
    loss, accuracy = model.evaluate(xv, yv, batch_size=16, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(loss, rel=1e-6)
    assert history.history["val_accuracy"][0] == pytest.approx(accuracy, rel=1e-6)
    # arrays as validation_data beside a batch source
    history = model.fit(slices(x, y), validation_data=(xv, yv), verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(xv, yv, verbose=0)[0], rel=1e-6)


def test_evaluate_and_predict_on_batches():
    x, y = blobs()
    model, _ = twin_models()
    model.fit(x, y, verbose=0)
    expected = model.evaluate(x, y, batch_size=BATCH, verbose=0)
    np.testing.assert_allclose(model.evaluate(slices(x, y), verbose=0), expected, rtol=1e-6)
    as_dict = model.evaluate(DataLoader(TensorDataset(x, y), batch_size=BATCH), return_dict=True, verbose=0)
    assert as_dict["loss"] == pytest.approx(expected[0], rel=1e-6)
    two = model.evaluate(endless(x, y), steps=2, verbose=0)
    np.testing.assert_allclose(two, model.evaluate(x[:64], y[:64], batch_size=BATCH, verbose=0), rtol=1e-6)
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict((xb for xb, _ in slices(x, y)), verbose=0), predictions, rtol=1e-6)
    np.testing.assert_allclose(model.predict(slices(x, y), verbose=0), predictions, rtol=1e-6)
    np.testing.assert_allclose(model.predict(DataLoader(TensorDataset(x), batch_size=7), verbose=0),
                               predictions, rtol=1e-6)


def test_fit_builds_a_lazy_model_on_the_first_batch():
    x, y = blobs()
    model = models.Sequential([layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(endless(x, y), steps_per_epoch=4, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("call, words", [
    (lambda m, x, y: m.fit(slices(x, y), y, verbose=0), "y cannot be given"),
    (lambda m, x, y: m.fit(slices(x, y), sample_weight=np.ones(N), verbose=0), "sample_weight cannot"),
    (lambda m, x, y: m.fit(slices(x, y), validation_split=0.2, verbose=0), "validation_split needs arrays"),
    (lambda m, x, y: m.fit((xb for xb, _ in slices(x, y)), verbose=0), "must be a tuple"),
    (lambda m, x, y: m.fit(((xb,) for xb, _ in slices(x, y)), verbose=0), "holds no targets"),
    (lambda m, x, y: m.fit(iter([]), verbose=0), "no batches"),
    (lambda m, x, y: m.fit(endless(x, y), steps_per_epoch=0, verbose=0), "steps_per_epoch"),
    (lambda m, x, y: m.fit(slices(x, y[:, None, None]), verbose=0), "integer labels of shape"),
    (lambda m, x, y: m.evaluate(slices(x, y), y, verbose=0), "y cannot be given"),
    (lambda m, x, y: m.predict(iter([]), verbose=0), "no batches"),
])
def test_bad_batch_sources(call, words):
    x, y = blobs()
    model, _ = twin_models()
    with pytest.raises(ValueError, match=words):
        call(model, x, y)


def test_nan_in_a_batch_names_the_batch():
    x, y = blobs()
    x = x.copy()
    x[40, 2] = np.nan  # batch 1, row 8
    model, _ = twin_models()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"batch 1 .*\(8, 2\)"):
        model.fit(slices(x, y), verbose=0)
    after = model.get_weights()
    assert not all(np.array_equal(a, b) for a, b in zip(before, after))  # batch 0 trained
    assert np.isfinite(np.concatenate([w.ravel() for w in after])).all()  # batch 1 did not


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_fit_on_a_torch_dataloader():
    # in a subprocess: torch must never share a process with TensorFlow
    code = textwrap.dedent("""
        import numpy as np, torch
        from torch.utils.data import DataLoader, TensorDataset
        import minidl as mdl
        from minidl.keras import layers, models
        x = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
        y = (x[:, 0] > 0).astype(np.int64)
        mdl.manual_seed(0)
        model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=16)
        history = model.fit(loader, epochs=2, verbose=0)
        assert len(history.history["loss"]) == 2
        assert model.predict(loader, verbose=0).shape == (50, 2)
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_keras_utils_pydataset_subclass():
    from minidl.keras.utils import PyDataset, Sequence

    class Rows(PyDataset):
        def __init__(self, x, y, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.begun = x, y, 0

        def __len__(self):
            return -(-len(self.x) // BATCH)

        def __getitem__(self, i):
            return self.x[i * BATCH:(i + 1) * BATCH], self.y[i * BATCH:(i + 1) * BATCH]

        def on_epoch_begin(self):
            self.begun += 1

    assert Sequence is PyDataset
    x, y = blobs()
    reference, model = twin_models()
    h_ref = reference.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    rows = Rows(x, y, workers=2, use_multiprocessing=False)
    assert rows.num_batches == 4 and rows.workers == 2
    h = model.fit(rows, epochs=2, shuffle=False, verbose=0)
    assert_same_training(reference, model, h_ref, h)
    assert rows.begun == 2

    class NoLength(PyDataset):
        def __getitem__(self, i):
            return x[:4], y[:4]

    with pytest.raises(NotImplementedError, match="__len__"):
        model.fit(NoLength(), verbose=0)
