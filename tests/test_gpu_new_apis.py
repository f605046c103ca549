"""This session's new APIs on ``"cuda"`` against the same computations on the CPU.

Tensor ops, functional options, ``nn`` layers and losses, the new ``optim`` optimizers,
``DataLoader`` over cuda tensors, and the new Keras layers, metrics and optimizers (trained
with ``fit``, also from a generator).  The op table in ``test_gpu.py`` already covers the
elementwise and shape ops one by one; here they run inside models, with device-side
targets, weights and masks, as users combine them.

Marked ``gpu``: skipped unless CuPy and a CUDA device answer (see ``conftest.py``); in CI
they run on the strict CPU stand-in for CuPy (``tests/fake_cupy``) through
``test_fake_cupy.py``, which refuses every implicit host/device copy and counts the others.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(7)
X_SEQ = RNG.standard_normal((6, 5, 4))
X_IMG = RNG.standard_normal((6, 6, 6, 2))
Y3 = np.array([0, 2, 1, 1, 0, 2])


@pytest.fixture
def float64():
    mdl.set_default_dtype("float64")
    yield
    mdl.set_default_dtype("float32")


def _on_device(t, device="cuda"):
    assert t.device == device and type(t.data).__module__.split(".")[0] == ("cupy" if device == "cuda" else "numpy")


def _close(gpu, cpu, rtol=1e-9, atol=1e-12):
    for g, c in zip(gpu, cpu):
        np.testing.assert_allclose(g, c, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- tensor ops and functional


def test_creation_ops_on_cuda_match_cpu():
    for make in (lambda d: mdl.eye(3, 4, device=d), lambda d: mdl.linspace(-1, 2, 7, dtype="float64", device=d),
                 lambda d: mdl.randint(0, 9, (4, 3), device=d), lambda d: mdl.randint(5, (6,), device=d)):
        results = []
        for device in ("cpu", "cuda"):
            mdl.manual_seed(3)
            t = make(device)
            _on_device(t, device)
            results.append(t)
        assert results[1].dtype == results[0].dtype
        np.testing.assert_array_equal(results[1].numpy(), results[0].numpy())


def test_integer_floor_division_and_remainder_on_cuda():
    a, b = np.array([7, -7, 9, -3, 0]), np.array([2, 2, -4, 5, 3])
    for device in ("cpu", "cuda"):
        x, y = mdl.tensor(a, device=device), mdl.tensor(b, device=device)
        _on_device(x // y, device)
        np.testing.assert_array_equal((x // y).numpy(), a // b)
        np.testing.assert_array_equal((x % y).numpy(), a % b)
        np.testing.assert_array_equal((x % 3).numpy(), a % 3)
        with pytest.raises(mdl.DivisionByZeroError):
            x // mdl.tensor(np.array([1, 1, 0, 1, 1]), device=device)


def test_one_hot_of_cuda_labels():
    labels = mdl.tensor(np.array([[0, 3], [2, 1]]), device="cuda")
    out = F.one_hot(labels, 5)
    _on_device(out)
    np.testing.assert_array_equal(out.numpy(), np.eye(5, dtype=np.int64)[[[0, 3], [2, 1]]])
    np.testing.assert_array_equal(F.one_hot(labels).numpy(), np.eye(4, dtype=np.int64)[[[0, 3], [2, 1]]])
    with pytest.raises(mdl.InvalidIndexError, match="out of range"):
        F.one_hot(labels, 3)


def _ops_chain(device):
    """Sort, topk, cumsum, masked_fill, tril/triu, clamp with tensor bounds, cat and pad in one graph."""
    x = mdl.tensor(RNG_FIXED, device=device, requires_grad=True)
    mask = mdl.tensor(RNG_FIXED > 0.8, device=device)
    lo = mdl.tensor(np.full(4, -0.5), device=device)
    values, indices = mdl.sort(x, dim=1, descending=True)
    top, top_idx = mdl.topk(x, 2, dim=0)
    y = mdl.cat([values.cumsum(1), mdl.tril(x, -1) + mdl.triu(x, 1), x.masked_fill(mask, 0.5)], dim=0)
    y = mdl.clamp(y, min=lo, max=1.2)
    y = F.pad(y, (1, 2, 0, 1), mode="reflect").sum() + (top * top).sum() + F.pad(x, (1, 1), mode="circular").mean()
    y.backward()
    return [y.numpy(), indices.numpy(), top_idx.numpy(), x.grad.numpy()], x.grad


RNG_FIXED = np.random.default_rng(11).standard_normal((4, 4))


def test_new_tensor_ops_in_one_graph_on_cuda_match_cpu(float64):
    cpu, _ = _ops_chain("cpu")
    gpu, grad = _ops_chain("cuda")
    _on_device(grad)
    _close(gpu, cpu)


LOSS_CALLS = {
    "ce-weight-ignore-smoothing": lambda z, y, w: F.cross_entropy(z, y, weight=w, ignore_index=1, label_smoothing=0.1),
    "ce-sum": lambda z, y, w: F.cross_entropy(z, y, weight=w, reduction="sum"),
    "ce-none": lambda z, y, w: (F.cross_entropy(z, y, reduction="none") ** 2).sum(),
    "ce-probs": lambda z, y, w: F.cross_entropy(z, F.one_hot(y, 3).astype(z.dtype) * 0.8 + 0.2 / 3, weight=w),
    "nll": lambda z, y, w: F.nll_loss(F.log_softmax(z), y, weight=w, ignore_index=2),
    "smooth_l1": lambda z, y, w: F.smooth_l1_loss(z, w * y.astype(z.dtype)[:, None], beta=0.5),
    "bce-logits-pos_weight": lambda z, y, w: F.binary_cross_entropy_with_logits(
        z, (F.one_hot(y, 3) > 0).astype(z.dtype), weight=w, pos_weight=w * 2),
    "bce-weight": lambda z, y, w: F.binary_cross_entropy(F.sigmoid(z), F.one_hot(y, 3).astype(z.dtype), weight=w,
                                                         reduction="sum"),
    "layer_norm": lambda z, y, w: (F.layer_norm(z, (3,), weight=w, bias=w * 0.5) ** 3).mean(),
}


@pytest.mark.parametrize("name", sorted(LOSS_CALLS))
def test_loss_options_with_device_targets_match_cpu(float64, name):
    results = []
    for device in ("cpu", "cuda"):
        z = mdl.tensor(X_SEQ[:, 0, :3], device=device, requires_grad=True)
        loss = LOSS_CALLS[name](z, mdl.tensor(Y3, device=device), mdl.tensor([0.5, 2.0, 1.0], device=device))
        loss.backward()
        _on_device(loss, device)
        _on_device(z.grad, device)
        results.append([loss.numpy(), z.grad.numpy()])
    _close(results[1], results[0])


def test_losses_take_host_weights_and_targets_with_cuda_logits(float64):
    z = mdl.tensor(X_SEQ[:, 0, :3], device="cuda", requires_grad=True)
    loss = F.cross_entropy(z, Y3, weight=np.array([0.5, 2.0, 1.0]), label_smoothing=0.2)
    loss.backward()
    want = F.cross_entropy(mdl.tensor(X_SEQ[:, 0, :3]), Y3, weight=np.array([0.5, 2.0, 1.0]), label_smoothing=0.2)
    np.testing.assert_allclose(loss.numpy(), want.numpy(), rtol=1e-12)
    _on_device(z.grad)
    every_label_ignored = F.cross_entropy(z, mdl.tensor(np.full(6, 1), device="cuda"), weight=[1.0, 2, 3],
                                          ignore_index=1)
    assert np.isnan(every_label_ignored.item())  # 0 / 0, as PyTorch


# ---------------------------------------------------------------- nn and optim

NN_OPTIMIZERS = {
    "nadam": lambda p: optim.NAdam(p, lr=1e-2, weight_decay=1e-2, momentum_decay=4e-3),
    "nadam-decoupled": lambda p: optim.NAdam(p, lr=1e-2, weight_decay=1e-2, decoupled_weight_decay=True),
    "adamax": lambda p: optim.Adamax(p, lr=1e-2, weight_decay=1e-3),
    "radam": lambda p: optim.RAdam(p, lr=1e-2),  # rectification switches on after step 5
}


class _SeqNet(nn.Module):
    """GRU -> LayerNorm -> Linear, and a Conv2d with (ph, pw) padding on the images."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 5)
        self.norm = nn.LayerNorm(5)
        self.conv = nn.Conv2d(2, 3, 3, padding=(1, 0))
        self.head = nn.Linear(5 + 3, 3)

    def forward(self, seq, img):
        out, _ = self.gru(seq)
        pooled = self.conv(img).mean(axis=(1, 2))
        return self.head(mdl.cat([self.norm(out[:, -1]), pooled], dim=1))


def _nn_run(device, make_opt, steps=7):
    mdl.manual_seed(0)
    model = _SeqNet().to(device)
    opt = make_opt(model.parameters())
    loss_fn = nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5], label_smoothing=0.05).to(device)
    seq, img, y = (mdl.tensor(a, device=device) for a in (X_SEQ, X_IMG, Y3))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(seq, img), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    for p in model.parameters():
        _on_device(p, device)
    return losses, [p.numpy() for p in model.parameters()], opt.state_dict()


@pytest.mark.parametrize("name", sorted(NN_OPTIMIZERS))
def test_nn_new_layers_and_optimizers_on_cuda_match_cpu(float64, name):
    cpu_losses, cpu_weights, _ = _nn_run("cpu", NN_OPTIMIZERS[name])
    gpu_losses, gpu_weights, state = _nn_run("cuda", NN_OPTIMIZERS[name])
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-9)
    _close(gpu_weights, cpu_weights, rtol=1e-7, atol=1e-10)
    restored = NN_OPTIMIZERS[name](_SeqNet().to("cuda").parameters())
    restored.load_state_dict(state)  # a cuda optimizer's state goes back in


LOSS_MODULES = {
    "cross_entropy": lambda: nn.CrossEntropyLoss(weight=[1.0, 3.0, 0.5], ignore_index=2, reduction="sum"),
    "nll": lambda: nn.NLLLoss(weight=[1.0, 3.0, 0.5]),
    "bce": lambda: nn.BCELoss(weight=[1.0, 3.0, 0.5]),
    "bce_logits": lambda: nn.BCEWithLogitsLoss(pos_weight=[1.0, 3.0, 0.5], reduction="none"),
    "mse": lambda: nn.MSELoss(reduction="sum"),
    "l1": lambda: nn.L1Loss(),
    "huber": lambda: nn.HuberLoss(delta=0.3),
    "smooth_l1": lambda: nn.SmoothL1Loss(beta=0.3),
}


@pytest.mark.parametrize("name", sorted(LOSS_MODULES))
def test_loss_modules_moved_to_cuda_match_cpu(float64, name):
    results = []
    for device in ("cpu", "cuda"):
        loss_fn = LOSS_MODULES[name]().to(device)
        z = mdl.tensor(X_SEQ[:, 1, :3], device=device, requires_grad=True)
        if name in ("cross_entropy", "nll"):
            inp, target = (F.log_softmax(z) if name == "nll" else z), mdl.tensor(Y3, device=device)
        else:
            inp = F.sigmoid(z) if name == "bce" else z
            target = mdl.tensor(np.eye(3)[Y3], device=device)
        loss = loss_fn(inp, target).sum()
        loss.backward()
        _on_device(z.grad, device)
        results.append([loss.numpy(), z.grad.numpy()])
    _close(results[1], results[0])


def test_dataloader_over_cuda_tensors_gives_cpu_batches_on_the_device():
    from minidl.utils.data import DataLoader, TensorDataset, random_split

    batches = {}
    for device in ("cpu", "cuda"):
        mdl.manual_seed(5)
        data = TensorDataset(mdl.tensor(X_SEQ, device=device), mdl.tensor(Y3, device=device))
        train, _ = random_split(data, [4, 2])
        batches[device] = [(x, y) for x, y in DataLoader(train, batch_size=3, shuffle=True)]
        batches[device] += [(x, y) for x, y in DataLoader(data, batch_size=4, shuffle=True, drop_last=True)]
    assert len(batches["cuda"]) == len(batches["cpu"]) == 3
    for (gx, gy), (cx, cy) in zip(batches["cuda"], batches["cpu"]):
        _on_device(gx)
        _on_device(gy)
        np.testing.assert_array_equal(gx.numpy(), cx.numpy())
        np.testing.assert_array_equal(gy.numpy(), cy.numpy())


def _copy_counter():
    cupy = pytest.importorskip("cupy")
    if not hasattr(cupy, "transfers"):
        pytest.skip("needs the copy counters of tests/fake_cupy")
    return cupy


def test_zeros_ones_and_numbers_are_made_on_the_device_without_copies():
    cupy = _copy_counter()
    x = mdl.ones(3, device="cuda", dtype="float64")
    before = dict(cupy.transfers)
    zeros = mdl.zeros(2, 3, device="cuda", dtype="int32")
    y = (x * 2.5 + 1) / np.float32(4) - mdl.ones(3, device="cuda")
    assert cupy.transfers == before
    assert zeros.dtype == np.int32 and y.dtype == np.float64
    _on_device(zeros)
    np.testing.assert_array_equal(zeros.numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(y.numpy(), [-0.125] * 3)


def test_a_training_step_of_the_new_layers_copies_nothing():
    """GRU, LayerNorm, Conv2d(ph, pw), CrossEntropyLoss and the new optimizers stay on the
    device; only the loss's label check reads one value back (as in test_gpu_training)."""
    cupy = _copy_counter()
    mdl.manual_seed(0)
    model = _SeqNet().to("cuda")
    loss_fn = nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5], label_smoothing=0.1).to("cuda")
    seq, img, y = (mdl.tensor(a, device="cuda") for a in (X_SEQ, X_IMG, Y3))
    for make_opt in NN_OPTIMIZERS.values():
        opt = make_opt(model.parameters())
        for _ in range(2):
            before = dict(cupy.transfers)
            loss = loss_fn(model(seq, img), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            assert cupy.transfers["to_device"] == before["to_device"], make_opt
            assert cupy.transfers["to_host"] == before["to_host"] + 1, make_opt
