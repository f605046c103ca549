"""This session's new Keras layers, metrics and optimizers on ``"cuda"`` against the CPU.

Each model is trained with ``fit`` (from arrays and from a generator) on both devices with
the same seed; the random layers get ``seed=``, so they draw the same noise on both.
The companion of ``test_gpu_new_apis.py`` (tensor ops, functional, ``nn``, ``optim``).

Marked ``gpu``: skipped unless CuPy and a CUDA device answer (see ``conftest.py``); in CI
they run on the strict CPU stand-in for CuPy (``tests/fake_cupy``) through
``test_fake_cupy.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl.keras import layers, metrics, models, optimizers

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(21)
X_IMG = RNG.random((12, 6, 6, 2)).astype(np.float32)
Y_IMG = RNG.integers(0, 3, 12)
X_SEQ = RNG.standard_normal((12, 5, 4)).astype(np.float32)
Y_SEQ = RNG.integers(0, 2, (12, 1)).astype(np.float32)


def _image_model():
    return models.Sequential([
        layers.Input(shape=(6, 6, 2)), layers.Rescaling(0.5, offset=0.1),
        layers.ZeroPadding2D((1, 2)), layers.Conv2D(3, 3), layers.PReLU(shared_axes=[1, 2]),
        layers.Cropping2D(((1, 0), (0, 1))), layers.UpSampling2D(2), layers.MaxPooling2D(2), layers.Permute((3, 1, 2)),
        layers.Flatten(), layers.Dense(8), layers.LeakyReLU(), layers.ELU(), layers.ReLU(max_value=3.0, negative_slope=0.1),
        layers.Dense(3), layers.Softmax(),
    ])


def _noisy_model(seed):
    """Every random layer; ``seed=None`` draws from minidl's (CuPy's) generator."""
    seeds = iter(range(seed, seed + 5)) if seed is not None else iter([None] * 5)
    return models.Sequential([
        layers.Input(shape=(6, 6, 2)), layers.RandomFlip(seed=next(seeds)), layers.Conv2D(3, 3),
        layers.SpatialDropout2D(0.3, seed=next(seeds)), layers.GaussianNoise(0.1, seed=next(seeds)), layers.Flatten(),
        layers.Dropout(0.2, noise_shape=(None, 1), seed=next(seeds)), layers.Dense(8),
        layers.GaussianDropout(0.1, seed=next(seeds)), layers.Dense(3, activation="softmax"),
    ])


def _sequence_model():
    return models.Sequential([
        layers.Input(shape=(5, 4)), layers.Bidirectional(layers.GRU(3, return_sequences=True)),
        layers.GRU(4, reset_after=False), layers.RepeatVector(2), layers.Flatten(), layers.Dense(1, activation="sigmoid"),
    ])


CASES = {
    "image-nadam": (_image_model, X_IMG, Y_IMG, "sparse_categorical_crossentropy",
                    lambda: optimizers.Nadam(learning_rate=1e-2),
                    lambda: ["accuracy", "sparse_top_k_categorical_accuracy",
                             metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")]),
    "image-adamax-onehot": (_image_model, X_IMG, np.eye(3, dtype=np.float32)[Y_IMG], "categorical_crossentropy",
                            lambda: "adamax",
                            lambda: [metrics.F1Score(average="macro"), metrics.AUC(multi_label=False),
                                     metrics.TopKCategoricalAccuracy(k=2)]),
    "sequence-adamax": (_sequence_model, X_SEQ, Y_SEQ, "binary_crossentropy",
                        lambda: optimizers.Adamax(learning_rate=1e-2),
                        lambda: ["auc", metrics.AUC(curve="PR", name="pr"), metrics.F1Score(threshold=0.5)]),
    "sequence-nadam": (_sequence_model, X_SEQ, Y_SEQ, "binary_crossentropy", lambda: "nadam",
                       lambda: ["accuracy", "f1_score"]),
    "noise-seeded": (lambda: _noisy_model(1), X_IMG, Y_IMG, "sparse_categorical_crossentropy", lambda: "nadam",
                     lambda: ["accuracy"]),
    "noise-unseeded": (lambda: _noisy_model(None), X_IMG, Y_IMG, "sparse_categorical_crossentropy",
                       lambda: "adamax", lambda: ["accuracy"]),
}
SAME_ON_CPU = sorted(name for name in CASES if not name.startswith("noise"))


def _fit(device, monkeypatch, name, generator=False):
    build, x, y, loss, make_opt, make_metrics = CASES[name]
    monkeypatch.setenv("MINIDL_DEVICE", device)
    mdl.manual_seed(0)
    model = build()
    model.compile(optimizer=make_opt(), loss=loss, metrics=make_metrics())
    if generator:
        def batches():
            while True:
                for start in range(0, len(x), 4):
                    yield x[start:start + 4], y[start:start + 4]

        history = model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0)
    else:
        history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False, validation_split=0.25)
    for w in model.trainable_weights:
        assert w.device == device, w
    return history.history, model.evaluate(x, y, verbose=0), model.predict(x, verbose=0), model.get_weights()


def _compare(gpu, cpu):
    assert gpu[0].keys() == cpu[0].keys()
    for key, values in cpu[0].items():
        np.testing.assert_allclose(gpu[0][key], values, rtol=2e-4, atol=1e-6, err_msg=key)
    for g, c in zip(gpu[1], cpu[1]):
        assert type(g) is type(c)
        np.testing.assert_allclose(g, c, rtol=2e-4, atol=1e-6)
    assert type(gpu[2]) is np.ndarray
    np.testing.assert_allclose(gpu[2], cpu[2], rtol=1e-4, atol=1e-5)
    for g, c in zip(gpu[3], cpu[3]):
        np.testing.assert_allclose(g, c, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", SAME_ON_CPU)
def test_keras_new_layers_metrics_and_optimizers_on_cuda_match_cpu(monkeypatch, name):
    _compare(_fit("cuda", monkeypatch, name), _fit("cpu", monkeypatch, name))


@pytest.mark.parametrize("name", ["image-adamax-onehot", "sequence-adamax"])
def test_keras_fit_on_a_generator_on_cuda_matches_cpu(monkeypatch, name):
    _compare(_fit("cuda", monkeypatch, name, generator=True), _fit("cpu", monkeypatch, name, generator=True))


@pytest.mark.parametrize("name", ["noise-seeded", "noise-unseeded"])
def test_random_layers_on_cuda_repeat_with_the_same_seed(monkeypatch, name):
    """The noise is drawn on the GPU (other numbers than the CPU's), by the layer's own
    generator with seed=, else by CuPy's, which manual_seed seeds: a run repeats exactly."""
    first, again = _fit("cuda", monkeypatch, name), _fit("cuda", monkeypatch, name)
    assert first[0] == again[0]
    for a, b in zip(first[3], again[3]):
        np.testing.assert_array_equal(a, b)


def test_random_layers_on_cuda_draw_right_noise():
    x = mdl.tensor(np.arange(64 * 8 * 8 * 4, dtype=np.float32).reshape(64, 8, 8, 4) % 7 + 1, device="cuda")
    for seed in (None, 3):
        mdl.manual_seed(0)
        host = x.numpy()
        for layer in (layers.Dropout(0.5, seed=seed), layers.GaussianNoise(1.0, seed=seed),
                      layers.GaussianDropout(0.5, seed=seed), layers.RandomFlip(seed=seed)):
            out = layer(x, training=True)
            assert out.device == "cuda", layer
            np.testing.assert_array_equal(layer(x, training=False).numpy(), host)
        dropped = layers.Dropout(0.5, seed=seed)(x, training=True).numpy()
        assert 0.45 < (dropped == 0).mean() < 0.55 and np.allclose(dropped[dropped != 0], 2 * host[dropped != 0])
        noise = layers.GaussianNoise(1.0, seed=seed)(x, training=True).numpy() - host
        assert abs(noise.mean()) < 0.02 and 0.98 < noise.std() < 1.02
        factor = layers.GaussianDropout(0.5, seed=seed)(x, training=True).numpy() / host  # N(1, rate/(1-rate))
        assert abs(factor.mean() - 1) < 0.02 and 0.98 < factor.std() < 1.02
        dropped = layers.SpatialDropout2D(0.5, seed=seed)(x, training=True).numpy() == 0
        assert 0.3 < dropped.mean() < 0.7 and (dropped == dropped[:, :1, :1, :]).all()  # whole channels
        flipped = layers.RandomFlip("horizontal", seed=seed)(x, training=True).numpy()
        same, mirrored = (flipped == x.numpy()).all(axis=(1, 2, 3)), (flipped == x.numpy()[:, :, ::-1]).all(axis=(1, 2, 3))
        assert (same | mirrored).all() and 10 < mirrored.sum() < 54


def _plain_model(like):
    """The same input and output as ``like`` with only layers and an optimizer older than this session."""
    head = layers.Dense(like.output_shape[-1], activation="softmax" if like.output_shape[-1] > 1 else "sigmoid")
    return models.Sequential([layers.Input(shape=like.input_shape[1:]), layers.Flatten(), head])


def _fit_step_copies(cupy, model, optimizer, loss, metric_list, x, y):
    model.compile(optimizer=optimizer, loss=loss, metrics=metric_list)
    model.fit(x[:4], y[:4], batch_size=4, epochs=1, verbose=0)  # builds the optimizer state
    copies = []
    for step in (lambda: model.fit(x[:4], y[:4], batch_size=4, epochs=1, verbose=0),
                 lambda: model.evaluate(x[:4], y[:4], batch_size=4, verbose=0)):
        before = dict(cupy.transfers)
        step()
        copies.append({k: cupy.transfers[k] - before[k] for k in before})
    return copies


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_keras_fit_step_copies_no_more_than_a_plain_model(monkeypatch, name):
    """The new layers, optimizers and metrics add no host/device copies of their own to a
    training step or an evaluation: one batch copies as much as a Dense model trained with
    Adam and measuring accuracy (the batch goes over, the loss and the predictions come back
    once for all the metrics)."""
    cupy = pytest.importorskip("cupy")
    if not hasattr(cupy, "transfers"):
        pytest.skip("needs the copy counters of tests/fake_cupy")
    build, x, y, loss, make_opt, make_metrics = CASES[name]
    monkeypatch.setenv("MINIDL_DEVICE", "cuda")
    model = build()
    new = _fit_step_copies(cupy, model, make_opt(), loss, make_metrics(), x, y)
    plain = _fit_step_copies(cupy, _plain_model(model), "adam", loss, ["accuracy"], x, y)
    assert new == plain, (new, plain)
