"""Whole training runs on ``"cuda"`` against the same runs on the CPU.

Marked ``gpu``: skipped unless CuPy and a CUDA device answer (see ``conftest.py``); in
CI they run on the CPU stand-in for CuPy (``tests/fake_cupy``, via ``test_fake_cupy.py``),
which refuses every implicit copy between host and device, as CuPy does.

The comparisons run in float64 where the optimiser amplifies rounding (the CPU runs
Numba kernels, the GPU the array-API ones), so a real difference cannot hide in the
tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim
from minidl.keras import callbacks, layers, models

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(0)
X_FLAT = RNG.standard_normal((16, 8))
Y_FLAT = RNG.integers(0, 3, 16)
X_IMG = RNG.standard_normal((6, 8, 8, 1))
Y_IMG = RNG.integers(0, 10, 6)
IDS = RNG.integers(0, 20, (4, 7))


@pytest.fixture
def float64():
    mdl.set_default_dtype("float64")
    yield
    mdl.set_default_dtype("float32")


@pytest.fixture
def on_cuda(monkeypatch):
    """New tensors, parameters and Keras models go to the GPU (``MINIDL_DEVICE=cuda``)."""
    monkeypatch.setenv("MINIDL_DEVICE", "cuda")


def _mlp():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, 3))


def _cnn():
    # BatchNorm after the ReLU: a bias just before it would get a zero gradient (pure rounding
    # noise), which adaptive optimisers blow up to full-size steps of either sign
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3),
                         nn.ReLU(), nn.BatchNorm(8), nn.AvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


OPTIMIZERS = {
    "adam": lambda p: optim.Adam(p, lr=1e-2),
    "sgd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adamw": lambda p: optim.AdamW(p, lr=1e-2),
    "rmsprop": lambda p: optim.RMSprop(p, lr=1e-2),
    "adagrad": lambda p: optim.Adagrad(p, lr=1e-2),
}


def _nn_run(device, make, make_opt, x, y, steps=3):
    mdl.manual_seed(0)
    model = make().to(device)
    opt = make_opt(model.parameters())
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(mdl.tensor(x, device=device)), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    weights = [p.numpy() for p in model.parameters()]
    assert all(p.device == device for p in model.parameters())
    return losses, weights


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_nn_training_on_cuda_matches_cpu(float64, model, opt):
    make, x, y = (_mlp, X_FLAT, Y_FLAT) if model == "mlp" else (_cnn, X_IMG, Y_IMG)
    cpu_losses, cpu_weights = _nn_run("cpu", make, OPTIMIZERS[opt], x, y)
    gpu_losses, gpu_weights = _nn_run("cuda", make, OPTIMIZERS[opt], x, y)
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-8)
    for g, c in zip(gpu_weights, cpu_weights):  # Adagrad's first step is lr·g/(|g| + 1e-10): a gradient
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-9)  # near 1e-10 turns rounding into 1e-5


def test_nn_recurrent_embedding_and_batchnorm_on_cuda_match_cpu(float64, monkeypatch):
    results = []
    for device in ("cpu", "cuda"):
        monkeypatch.setenv("MINIDL_DEVICE", device)  # layers made here are put on the device
        mdl.manual_seed(1)
        emb, lstm, rnn, bn, head = nn.Embedding(20, 6), nn.LSTM(6, 5), nn.RNN(5, 4), nn.BatchNorm(4), nn.Linear(4, 2)
        assert bn.running_mean.__class__.__module__.split(".")[0] == ("numpy" if device == "cpu" else "cupy")
        out, _ = lstm(emb(mdl.tensor(IDS)))
        out, _ = rnn(out)
        loss = F.cross_entropy(head(bn(out[:, -1])), np.array([0, 1, 1, 0]))
        loss.backward()
        bn.eval()
        results.append([loss.item(), emb.weight.grad.numpy(), lstm.weight_hh.grad.numpy(),
                        mdl.tensor(bn.running_var).numpy(), bn(out[:, -1]).numpy()])
    for g, c in zip(results[1], results[0]):
        np.testing.assert_allclose(g, c, rtol=1e-9, atol=1e-12)


def test_dropout_on_cuda_keeps_data_and_gradients_on_the_device():
    x = mdl.ones(100, 100, device="cuda", requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    assert y.device == x.grad.device == "cuda"
    kept = y.numpy() != 0
    assert 0.25 < 1 - kept.mean() < 0.35
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7, rtol=1e-6)
    np.testing.assert_array_equal(x.grad.numpy() != 0, kept)


def _course_cnn():
    return models.Sequential([
        layers.Input(shape=(28, 28, 1)), layers.Conv2D(32, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)), layers.Flatten(),
        layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax"),
    ])


def _keras_course_run(device, monkeypatch, tmp_path):
    monkeypatch.setenv("MINIDL_DEVICE", device)
    rng = np.random.default_rng(3)
    x = rng.random((24, 28, 28, 1)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 24)]
    mdl.manual_seed(0)
    model = _course_cnn()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25,
                        callbacks=[callbacks.EarlyStopping(patience=3, restore_best_weights=True)])
    result = model.evaluate(x, y, verbose=0)
    predictions = model.predict(x[:5], verbose=0)
    model.save(tmp_path / f"{device}.keras")
    loaded = models.load_model(tmp_path / f"{device}.keras")
    np.testing.assert_allclose(loaded.predict(x[:5], verbose=0), predictions, atol=1e-6)
    more = loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False).history["loss"]
    return history.history, result, predictions, model.get_weights(), more


def test_keras_course_cnn_on_cuda_matches_cpu(monkeypatch, tmp_path):
    cpu = _keras_course_run("cpu", monkeypatch, tmp_path)
    gpu = _keras_course_run("cuda", monkeypatch, tmp_path)
    for key, values in cpu[0].items():
        np.testing.assert_allclose(gpu[0][key], values, rtol=1e-3, err_msg=key)
    assert all(type(v) is float for v in gpu[1])
    np.testing.assert_allclose(gpu[1], cpu[1], rtol=1e-3)
    assert type(gpu[2]) is np.ndarray and gpu[2].dtype == np.float32
    np.testing.assert_allclose(gpu[2], cpu[2], atol=1e-4)
    assert all(type(w) is np.ndarray for w in gpu[3])
    np.testing.assert_allclose(gpu[4], cpu[4], rtol=1e-3)  # the optimizer state came back too


def _keras_run(device, monkeypatch, build, x, y, loss, **compile_args):
    monkeypatch.setenv("MINIDL_DEVICE", device)
    mdl.manual_seed(0)
    model = build()
    model.compile(loss=loss, **compile_args)
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0,
                        class_weight={0: 1.0, 1: 2.0} if loss != "mse" else None)
    return history.history, model.evaluate(x, y, verbose=0), model.predict(x, verbose=0)


KERAS_MODELS = {
    "lstm": (lambda: models.Sequential([layers.Input(shape=(7,)), layers.Embedding(20, 8), layers.LSTM(5),
                                         layers.Dense(2, activation="softmax")]),
             IDS.repeat(4, axis=0), RNG.integers(0, 2, 16), "sparse_categorical_crossentropy",
             {"optimizer": "adam", "metrics": ["accuracy"]}),
    "simple_rnn": (lambda: models.Sequential([layers.Input(shape=(7,)), layers.Embedding(20, 8),
                                               layers.SimpleRNN(5, return_sequences=True), layers.Flatten(),
                                               layers.Dense(1, activation="sigmoid")]),
                   IDS.repeat(4, axis=0), RNG.integers(0, 2, 16).astype(np.float32), "binary_crossentropy",
                   {"optimizer": "rmsprop", "metrics": ["accuracy"]}),
    "batchnorm_dropout": (lambda: models.Sequential([layers.Input(shape=(8,)),
                                                      layers.Dense(16, activation="relu", kernel_regularizer="l2"),
                                                      layers.BatchNormalization(), layers.Dropout(0.0),
                                                      layers.Dense(2)]),
                          X_FLAT.astype(np.float32), (Y_FLAT > 0).astype(np.int64), "sparse_categorical_crossentropy",
                          {"optimizer": "sgd", "metrics": ["accuracy"]}),
    "regression": (lambda: models.Sequential([layers.Input(shape=(8,)), layers.Dense(8, activation="tanh"),
                                               layers.Dense(1)]),
                   X_FLAT.astype(np.float32), X_FLAT[:, :1].astype(np.float32) * 2, "mse",
                   {"optimizer": "adam", "metrics": ["mae"]}),
}


@pytest.mark.parametrize("name", sorted(KERAS_MODELS))
def test_keras_layers_on_cuda_match_cpu(monkeypatch, name):
    build, x, y, loss, compile_args = KERAS_MODELS[name]
    cpu = _keras_run("cpu", monkeypatch, build, x, y, loss, **compile_args)
    gpu = _keras_run("cuda", monkeypatch, build, x, y, loss, **compile_args)
    for key, values in cpu[0].items():
        np.testing.assert_allclose(gpu[0][key], values, rtol=1e-4, err_msg=key)
    np.testing.assert_allclose(gpu[1], cpu[1], rtol=1e-4)
    np.testing.assert_allclose(gpu[2], cpu[2], atol=1e-5)


def test_save_and_load_of_cuda_tensors(tmp_path):
    model = _mlp().to("cuda")
    mdl.save({"state": model.state_dict(), "t": mdl.arange(4.0).to("cuda")}, tmp_path / "m.npz")
    saved = mdl.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(saved["t"].numpy(), [0, 1, 2, 3])
    copy = _mlp()
    copy.load_state_dict(saved["state"])
    x = mdl.tensor(X_FLAT)
    np.testing.assert_allclose(copy(x).numpy(), model(x.to("cuda")).numpy(), rtol=1e-6)


def test_to_cpu_sends_the_gradient_back_to_the_gpu():
    x = mdl.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
    y = x.to("cpu")
    assert y.device == "cpu" and isinstance(y.data, np.ndarray)
    (y * y).sum().backward()
    assert x.grad.device == "cuda"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_gradcheck_on_cuda_in_float64():
    rng = np.random.default_rng(4)
    x = mdl.tensor(rng.standard_normal((2, 5, 5, 2)), dtype="float64", device="cuda", requires_grad=True)
    w = mdl.tensor(rng.standard_normal((3, 3, 2, 3)), dtype="float64", device="cuda", requires_grad=True)
    assert mdl.gradcheck(lambda a, b: (F.gelu(F.max_pool2d(F.conv2d(a, b, padding="same"), 2)) ** 2).sum(), x, w)
    with pytest.raises(mdl.GradcheckError):  # a wrong derivative must be caught on the GPU too
        mdl.gradcheck(_wrong_grad, x)


def _wrong_grad(a):
    """x² whose backward forgets the factor 2."""

    class Square(mdl.autograd.Function):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, g):
            return (g * self.x,)

    return Square.apply(a).sum()


def test_max_pool_of_integers_on_cuda_matches_cpu():
    x = RNG.integers(-50, 50, (2, 5, 5, 3))
    for padding in ("valid", "same"):
        cpu = F.max_pool2d(mdl.tensor(x), 2, padding=padding)
        gpu = F.max_pool2d(mdl.tensor(x, device="cuda"), 2, padding=padding)
        assert gpu.dtype == cpu.dtype == np.int64
        np.testing.assert_array_equal(gpu.numpy(), cpu.numpy())


def test_where_takes_host_conditions_and_refuses_a_cpu_tensor():
    a = mdl.ones(3, device="cuda")
    np.testing.assert_array_equal(mdl.where(np.array([True, False, True]), a, 0.0).numpy(), [1, 0, 1])
    np.testing.assert_array_equal(mdl.where([1, 0, 0], a, 2.0).numpy(), [1, 2, 2])
    with pytest.raises(mdl.DeviceMismatchError, match="cpu.*cuda"):
        mdl.where(mdl.tensor([True, False, True]), a, 0.0)


def test_bad_values_give_the_cpu_errors_on_cuda():
    with pytest.raises(TypeError, match="expected numbers"):
        mdl.tensor(["a", "b"], device="cuda")
    t = mdl.ones(2, device="cuda")
    assert (t == None) is False and (t != None) is True and (t == "a") is False  # noqa: E711
    with pytest.raises(TypeError, match="bool condition"):
        mdl.where(None, t, 0.0)


def test_explain_and_onnx_export_of_a_cuda_model(on_cuda, tmp_path):
    from minidl import explain

    model = models.Sequential([layers.Input(shape=(8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                               layers.Flatten(), layers.BatchNormalization(), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X_IMG.astype(np.float32), Y_IMG % 3, verbose=0)
    assert type(explain.saliency(model, X_IMG[:2])) is np.ndarray
    assert explain.integrated_gradients(model, X_IMG[:1], steps=4).shape == (1, 8, 8, 1)
    model.export(tmp_path / "m.onnx")
    assert (tmp_path / "m.onnx").stat().st_size > 0


def test_benchmark_worker_checks_pass_on_cuda(on_cuda):
    """The minidl-cuda rows of ``python -m benchmarks``: each one's correctness check."""
    from benchmarks import cases as C
    from benchmarks.peers import minidl_worker as W

    W.mdl = mdl
    for case_id in ("gpu_cnn_train", "gpu_mlp_b64", "gpu_cnn_predict"):
        case = C.BY_ID[case_id]
        for variant in W.variants(case, "cuda"):
            bench = W.make_bench(case, variant, 1)
            assert bench.check().startswith("ok"), (case_id, variant)
            if case.kind == "train":
                bench.run(1)


def test_a_training_step_copies_nothing_between_host_and_device():
    """Only the label check of the loss reads one value back (fake CuPy counts the copies)."""
    cupy = pytest.importorskip("cupy")
    if not hasattr(cupy, "transfers"):
        pytest.skip("needs the copy counters of tests/fake_cupy")
    model = _cnn().to("cuda")
    opt = optim.Adam(model.parameters())
    x = mdl.tensor(X_IMG, device="cuda")
    y = mdl.tensor(Y_IMG, device="cuda")
    for _ in range(2):
        before = dict(cupy.transfers)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert cupy.transfers["to_device"] == before["to_device"]
        assert cupy.transfers["to_host"] == before["to_host"] + 1  # bool(labels out of range)
