"""Condensed PyTorch tutorial programs ("60-minute blitz", "Learn the basics", the polynomial
fit with a manual update) run on minidl with ``import minidl as torch``-style code; only
what design.md says differs is changed (dense weights (in, out)).  Values are checked
against plain NumPy in float64, and against PyTorch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim
from minidl.errors import GraphError, ShapeError
from minidl.utils.data import DataLoader, TensorDataset

RNG = np.random.default_rng(21)


# ------------------------------------------------------------------ tensors (the blitz)


def test_tensor_spellings_of_pytorch():
    a = RNG.normal(size=(2, 3, 4))
    x = mdl.tensor(a)
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4 and x.size == 24 == x.numel()
    assert x.dim() == 3 and mdl.numel(x) == 24 and mdl.is_tensor(x) and not mdl.is_tensor(a)
    np.testing.assert_array_equal(x.view(-1, 4).numpy(), a.reshape(-1, 4).astype(np.float32))
    np.testing.assert_array_equal(x.unsqueeze(1).shape, (2, 1, 3, 4))
    np.testing.assert_array_equal(mdl.unsqueeze(x, -1).shape, (2, 3, 4, 1))
    np.testing.assert_array_equal(x.permute(2, 0, 1).numpy(), a.transpose(2, 0, 1).astype(np.float32))
    np.testing.assert_array_equal(x.transpose(0, 1).numpy(), a.swapaxes(0, 1).astype(np.float32))
    np.testing.assert_array_equal(x[0].t().numpy(), a[0].T.astype(np.float32))
    assert x.type(mdl.float64).dtype == np.float64 and x.double().dtype == mdl.double
    assert x.long().dtype == mdl.long == np.int64 and x.int().dtype == mdl.int == np.int32
    assert mdl.float == np.float32 and (x > 0).type(mdl.float).dtype == np.float32
    assert x.tolist() == a.astype(np.float32).tolist() and x[0, 0, 0].item() == np.float32(a[0, 0, 0])
    values, indices = mdl.max(x, 1)
    np.testing.assert_array_equal(values.numpy(), a.max(axis=1).astype(np.float32))
    np.testing.assert_array_equal(indices.numpy(), a.argmax(axis=1))
    assert mdl.max(x).item() == np.float32(a.max()) and mdl.min(x, dim=2).indices.shape == (2, 3)
    np.testing.assert_allclose(mdl.mm(x[0], x[1].t()).numpy(), a[0] @ a[1].T, rtol=1e-5)
    np.testing.assert_allclose(mdl.bmm(x, x.transpose(1, 2)).numpy(), a @ a.swapaxes(1, 2), rtol=1e-5)
    assert mdl.allclose(x, a) and not mdl.allclose(x, a + 1)
    assert mdl.device("cuda:0") == "cuda" and mdl.device("cpu") == "cpu"
    assert mdl.rand_like(x).shape == x.shape and mdl.empty(2, 3).shape == (2, 3)
    assert mdl.as_tensor(x) is x and mdl.get_default_dtype() == np.float32
    with pytest.raises(IndexError, match="dim out of range"):
        x.size(3)
    mdl.manual_seed(3)
    order = mdl.randperm(10)
    assert sorted(order.tolist()) == list(range(10)) and order.dtype == mdl.long
    mdl.manual_seed(3)
    assert mdl.randperm(10).tolist() == order.tolist()


def test_clone_is_a_copy_in_the_graph():
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    with mdl.no_grad():
        y.add_(1)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])


# ------------------------------------------------------------------ in-place updates


def test_in_place_updates_change_the_tensor_and_shared_memory():
    n = np.ones(5)
    t = mdl.from_numpy(n)
    t.add_(1)  # the blitz: the NumPy array sees the change
    np.testing.assert_array_equal(n, 2.0)
    t.mul_(3).sub_(1, alpha=2)
    np.testing.assert_array_equal(n, 4.0)
    t.div_(mdl.tensor([1.0, 2, 4, 8, 16], dtype="float64"))
    np.testing.assert_array_equal(n, [4, 2, 1, 0.5, 0.25])
    t.clamp_(0.5, 2.0).fill_(7)
    np.testing.assert_array_equal(n, 7.0)
    t.zero_()
    np.testing.assert_array_equal(n, 0.0)
    t.copy_(np.arange(5.0))
    np.testing.assert_array_equal(n, np.arange(5.0))
    m = mdl.ones(4, 4)
    m[:, 1] = 0
    m[0] = mdl.tensor([5.0, 6, 7, 8])
    expected = np.ones((4, 4))
    expected[:, 1], expected[0] = 0, [5, 6, 7, 8]
    np.testing.assert_array_equal(m.numpy(), expected)
    correct = mdl.tensor(0)
    correct += (mdl.tensor([1, 2, 3]) == mdl.tensor([1, 0, 3])).sum()
    assert correct.item() == 2


def test_in_place_refused_where_a_graph_is_recorded():
    w = mdl.ones(3, requires_grad=True)
    for update in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 2.0)):
        with pytest.raises(GraphError, match="no_grad"):
            update()
    with pytest.raises(GraphError, match="no_grad"):
        w -= 0.1  # a parameter: PyTorch refuses it too
    with pytest.raises(GraphError, match="operand requires grad"):
        mdl.zeros(3).add_(w)
    with pytest.raises(TypeError, match="float64 result cannot be stored in place in a int64"):
        mdl.tensor([1, 2]).add_(0.5)
    with pytest.raises(ShapeError, match="shape"):
        mdl.ones(3).add_(mdl.ones(2, 3))
    with pytest.raises(ShapeError, match="does not broadcast"):
        mdl.ones(3).copy_(mdl.ones(2))
    # a result inside the graph: ``h += x`` still makes a new tensor, gradients intact
    h = w * 2
    h += w
    total = mdl.zeros(())
    total += h.sum()  # the sum keeps its graph
    total.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0, 3.0])


# ------------------------------------------------------------------ manual SGD in no_grad


def test_polynomial_fit_with_manual_update_matches_numpy():
    """The tutorial's y = a + b x + c x² + d x³ fit of sin, updating with ``p -= lr * p.grad``."""
    x_np = np.linspace(-np.pi, np.pi, 200)
    y_np = np.sin(x_np)
    start = RNG.normal(size=4)
    x, y = mdl.tensor(x_np, dtype="float64"), mdl.tensor(y_np, dtype="float64")
    params = [mdl.tensor(v, requires_grad=True, dtype="float64") for v in start]
    ref = start.copy()
    powers = np.stack([x_np ** k for k in range(4)])
    lr = 1e-5
    for _ in range(50):
        a, b, c, d = params
        loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
        loss.backward()
        with mdl.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        residual = ref @ powers - y_np
        ref -= lr * (2 * powers @ residual)
    np.testing.assert_allclose([p.item() for p in params], ref, rtol=1e-10)


def test_manual_update_of_module_parameters():
    mdl.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    before = [p.numpy().copy() for p in model.parameters()]
    loss = nn.MSELoss(reduction="sum")(model(mdl.randn(8, 3)), mdl.randn(8))
    model.zero_grad()
    loss.backward()
    with mdl.no_grad():
        for param in model.parameters():
            param -= 0.1 * param.grad
    for p, old in zip(model.parameters(), before):
        np.testing.assert_allclose(p.numpy(), old - 0.1 * p.grad.numpy(), rtol=1e-6)


# ------------------------------------------------------------------ learn the basics


class NeuralNetwork(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(36, 16), nn.ReLU(), nn.Linear(16, 3))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def _basics_data():
    X = RNG.normal(size=(40, 6, 6)).astype(np.float32)
    y = (X[:, :3].sum(axis=(1, 2)) > 0).astype(np.int64) + (X[:, :, :3].sum(axis=(1, 2)) > 0)
    return X, y


def _train_minidl(model, X, y, epochs=2):
    loader = DataLoader(TensorDataset(mdl.tensor(X), mdl.tensor(y)), batch_size=16, shuffle=False)
    loss_fn, optimizer = nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    losses, accuracies = [], []
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb.to("cpu")), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        scheduler.step()
        model.eval()
        correct = 0
        with mdl.no_grad():
            for xb, yb in loader:
                correct += (model(xb).argmax(1) == yb).type(mdl.float).sum().item()
        accuracies.append(correct / len(loader.dataset))
    return losses, accuracies


def test_learn_the_basics_loop_matches_pytorch(torch):
    X, y = _basics_data()
    mdl.manual_seed(0)
    model = NeuralNetwork()
    ref = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(36, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    with torch.no_grad():  # PyTorch stores dense weights (out, in): copy the transposes
        for mine, theirs in zip(model.parameters(), ref.parameters()):
            theirs.copy_(torch.from_numpy(mine.numpy().T.copy() if mine.ndim == 2 else mine.numpy()))
    losses, accuracies = _train_minidl(model, X, y)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
                                         batch_size=16)
    loss_fn, optimizer = torch.nn.CrossEntropyLoss(), torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    ref_losses, ref_accuracies = [], []
    for _ in range(2):
        for xb, yb in loader:
            loss = loss_fn(ref(xb), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            ref_losses.append(loss.item())
        scheduler.step()
        with torch.no_grad():
            correct = sum((ref(xb).argmax(1) == yb).type(torch.float).sum().item() for xb, yb in loader)
        ref_accuracies.append(correct / len(X))
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-4)
    assert accuracies == ref_accuracies


def test_learn_the_basics_save_and_load_state_dict(tmp_path):
    X, y = _basics_data()
    mdl.manual_seed(1)
    model = NeuralNetwork()
    _train_minidl(model, X, y, epochs=1)
    mdl.save(model.state_dict(), tmp_path / "model.pth")
    restored = NeuralNetwork()
    restored.load_state_dict(mdl.load(tmp_path / "model.pth", weights_only=True, map_location="cpu"))
    restored.eval()
    with mdl.no_grad():
        pred = restored(mdl.tensor(X[0]).unsqueeze(0))
    np.testing.assert_array_equal(pred.numpy(), model(mdl.tensor(X[:1])).numpy())
    with pytest.raises(ValueError, match="cpu"):
        mdl.load(tmp_path / "model.pth", map_location="cuda")


# ------------------------------------------------------------------ custom modules


class Net(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.acts = nn.ModuleDict({"relu": nn.ReLU(), "tanh": nn.Tanh()})
        self.scales = nn.ParameterList([nn.Parameter(mdl.ones(b)) for b in sizes[1:]])
        self.offsets = nn.ParameterDict({"out": mdl.zeros(sizes[-1])})

    def forward(self, x, act="relu"):
        for i, (layer, scale) in enumerate(zip(self.layers, self.scales)):
            x = layer(x) * scale
            if i < len(self.layers) - 1:
                x = self.acts[act](x)
        return x + self.offsets["out"]


def test_containers_register_parameters_and_init_by_apply():
    mdl.manual_seed(0)
    model = Net([4, 5, 3])

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
            with mdl.no_grad():
                m.bias.fill_(0.01)

    model.apply(init_weights)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                     "scales.0", "scales.1", "offsets.out"]
    assert sum(p.numel() for p in model.parameters()) == 4 * 5 + 5 + 5 * 3 + 3 + 5 + 3 + 3
    x = RNG.normal(size=(2, 4))
    hidden = np.tanh(x @ np.full((4, 5), 0.5) + 0.01)
    expected = hidden @ np.full((5, 3), 0.5) + 0.01
    np.testing.assert_allclose(model(mdl.tensor(x), act="tanh").numpy(), expected, rtol=1e-5)
    F.mse_loss(model(mdl.tensor(x)), mdl.zeros(2, 3)).backward()
    assert all(p.grad is not None for p in model.parameters())
    assert "tanh" in model.acts and list(model.acts.keys()) == ["relu", "tanh"] and len(model.scales) == 2
    with pytest.raises(KeyError, match="has no module 'gelu'"):
        model.acts["gelu"]
    with pytest.raises(TypeError, match="ParameterList holds Parameters"):
        nn.ParameterList([3.0])


def test_module_dtype_and_registration_helpers():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[1].running_mean.dtype == np.float64 and model[1].num_batches_tracked.dtype.kind == "i"
    model.to(mdl.float32)
    assert all(p.dtype == np.float32 for p in model.parameters()) and len(list(model.buffers())) == 3
    holder = nn.Module()
    holder.add_module("fc", nn.Linear(2, 2))
    holder.register_parameter("gain", nn.Parameter(mdl.ones(2)))
    assert [n for n, _ in holder.named_parameters()] == ["gain", "fc.weight", "fc.bias"]
    assert [n for n, _ in holder.named_children()] == ["fc"]
    with pytest.raises(TypeError, match="nn.Parameter"):
        holder.register_parameter("bad", mdl.ones(2))
    with pytest.raises(TypeError, match="floating dtype"):
        model.to(mdl.int64)


def test_nn_functional_spelling_and_cnn_tutorial_idioms():
    import minidl.nn.functional as nn_F

    assert nn_F.relu is F.relu and nn.functional.cross_entropy is F.cross_entropy
    mdl.manual_seed(0)
    conv, fc = nn.Conv2d(1, 2, 3), nn.Linear(2 * 4 * 4, 3)
    x = mdl.randn(5, 6, 6, 1)  # NHWC
    h = F.relu(conv(x))
    logits = fc(h.view(h.size(0), -1))
    _, predicted = mdl.max(logits, 1)  # the CIFAR-10 tutorial's idiom
    np.testing.assert_array_equal(predicted.numpy(), logits.numpy().argmax(axis=1))
