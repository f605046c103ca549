"""Audit of the PyTorch-style path against PyTorch: Module bookkeeping, layers and losses.

PyTorch is optional: the comparisons run it once, in a subprocess (PyTorch and TensorFlow
loaded into one process crash), and skip when it is not installed.  The rest checks
hand-computed values and the errors of misuse.  Layouts differ by design: minidl keeps
dense weights (in, out), conv kernels HWIO and images NHWC.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from collections import OrderedDict

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import ShapeError, nn

RNG = np.random.default_rng(7)
XS = RNG.standard_normal((3, 5, 4))  # (batch, time, features)
W_IH, W_HH, B_RNN = RNG.standard_normal((4, 3)) * 0.5, RNG.standard_normal((3, 3)) * 0.5, RNG.standard_normal(3)
BN_BATCHES = [RNG.standard_normal((6, 3)) * 2 + 1 for _ in range(3)]
EMB_W = RNG.standard_normal((6, 2))
EMB_IDX = np.array([[0, 2, 5], [2, 2, 1]])
BCE_P = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 0.3])
BCE_Y = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1.0])
OUT_W = RNG.standard_normal((3, 5, 3))  # weights of the output in the backward passes

TORCH_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch
    torch.set_default_dtype(torch.float64)
    d = dict(np.load(sys.argv[1]))
    out = {}

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 3)
            self.bn = torch.nn.BatchNorm1d(3)
            self.block = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(), torch.nn.BatchNorm1d(3))
            self.scale = torch.nn.Parameter(torch.ones(1))
    net = Net()
    keys = {"state_dict": list(net.state_dict()), "parameters": [k for k, _ in net.named_parameters()]}

    rnn = torch.nn.RNN(4, 3, batch_first=True, nonlinearity="relu")
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(d["w_ih"].T)); rnn.weight_hh_l0.copy_(torch.tensor(d["w_hh"].T))
        rnn.bias_ih_l0.copy_(torch.tensor(d["b"])); rnn.bias_hh_l0.zero_()
    x = torch.tensor(d["xs"], requires_grad=True)
    y, h = rnn(x)
    (y * torch.tensor(d["out_w"])).sum().backward()
    out["rnn_relu"], out["rnn_relu_h"], out["rnn_relu_gx"] = y.detach().numpy(), h.detach().numpy(), x.grad.numpy()
    out["rnn_relu_gw"] = rnn.weight_ih_l0.grad.numpy().T

    for name, kw in [("bn_cma", dict(momentum=None)), ("bn_noaffine", dict(affine=False, momentum=0.3))]:
        bn = torch.nn.BatchNorm1d(3, **kw)
        for i in range(3):
            y = bn(torch.tensor(d[f"bn{i}"]))
        out[name + "_mean"], out[name + "_var"] = bn.running_mean.numpy(), bn.running_var.numpy()
        out[name + "_y"], out[name + "_count"] = y.detach().numpy(), bn.num_batches_tracked.numpy()
        bn.eval()
        out[name + "_eval"] = bn(torch.tensor(d["bn0"])).detach().numpy()

    emb = torch.nn.Embedding(6, 2, padding_idx=2)
    with torch.no_grad():
        emb.weight.copy_(torch.tensor(d["emb_w"]))
    y = emb(torch.tensor(d["emb_idx"]))
    (y * torch.arange(12.0).reshape(2, 3, 2)).sum().backward()
    out["emb"], out["emb_grad"] = y.detach().numpy(), emb.weight.grad.numpy()
    init = torch.nn.Embedding(6, 2, padding_idx=-1).weight.detach().numpy()
    out["emb_init_last_row"] = init[-1]

    p = torch.tensor(d["bce_p"], requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy(p, torch.tensor(d["bce_y"]))
    loss.backward()
    out["bce"], out["bce_grad"] = loss.detach().numpy(), p.grad.numpy()
    np.savez(sys.argv[2], **out)
    json.dump(keys, open(sys.argv[3], "w"))
    """
)


@pytest.fixture(scope="module")
def torch_ref(tmp_path_factory) -> dict:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed (optional cross-check)")
    folder = tmp_path_factory.mktemp("torch_nn_audit")
    arrays = dict(xs=XS, w_ih=W_IH, w_hh=W_HH, b=B_RNN, emb_w=EMB_W, emb_idx=EMB_IDX, bce_p=BCE_P, bce_y=BCE_Y,
                  out_w=OUT_W, **{f"bn{i}": b for i, b in enumerate(BN_BATCHES)})
    np.savez(folder / "in.npz", **arrays)
    (folder / "run.py").write_text(TORCH_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(folder / "run.py"), str(folder / "in.npz"), str(folder / "out.npz"),
                           str(folder / "keys.json")], capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, f"the PyTorch reference run failed:\n{done.stderr[-3000:]}"
    with np.load(folder / "out.npz") as archive:
        ref = dict(archive)
    ref.update(json.loads((folder / "keys.json").read_text()))
    return ref


@pytest.fixture
def float64():
    mdl.set_default_dtype("float64")
    yield
    mdl.set_default_dtype("float32")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.bn = nn.BatchNorm(3)
        self.block = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.BatchNorm(3))
        self.scale = nn.Parameter(np.ones(1))


# ----------------------------------------------------------------------------- Module


def test_parameter_and_state_dict_names_and_order_match_pytorch(torch_ref):
    net = Net()
    assert [k for k, _ in net.named_parameters()] == torch_ref["parameters"]
    assert list(net.state_dict()) == torch_ref["state_dict"]  # num_batches_tracked included


def test_reassigning_a_buffer_keeps_it_in_the_state_dict():
    bn = nn.BatchNorm(2)
    bn.running_mean = np.full(2, 3.0)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(bn.state_dict()["running_mean"], [3.0, 3.0])


def test_load_state_dict_checks_everything_before_copying():
    net = Net()
    before = net.state_dict()
    bad = dict(before, **{"block.2.running_var": np.ones(5), "fc.weight": np.zeros((4, 3))})
    with pytest.raises(ShapeError, match=r"'block.2.running_var' has shape \(5,\), the model expects \(3,\)"):
        net.load_state_dict(bad)
    for key, value in net.state_dict().items():  # nothing was copied, not even fc.weight
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_strict_false_and_return_value():
    net = nn.Linear(3, 2)
    state = {"weight": np.ones((3, 2)), "extra": np.zeros(1)}
    with pytest.raises(KeyError, match=r"missing keys \['bias'\], unexpected keys \['extra'\]"):
        net.load_state_dict(state)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(net.weight.numpy(), np.ones((3, 2)))
    assert net.load_state_dict(net.state_dict()) == ([], [])
    with pytest.raises(TypeError, match="dict of arrays"):
        net.load_state_dict([np.ones((3, 2)), np.ones(2)])


def test_state_dicts_saved_before_num_batches_tracked_still_load():
    bn = nn.BatchNorm(2)
    old = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(old) == ([], [])


def test_sequential_indexing_slicing_and_named_construction():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and list(seq)[1] is seq[1]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and len(tail) == 2
    assert [k for k, _ in tail.named_parameters()] == ["2.weight", "2.bias"]  # names kept, as PyTorch
    with pytest.raises(IndexError, match="index 3 is out of range for a Sequential of 3 modules"):
        seq[3]
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert [k for k, _ in named.named_parameters()] == ["fc.weight", "fc.bias"] and named.act is named[1]


def test_train_eval_propagate_and_reprs_show_arguments():
    net = Net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    text = repr(net)
    assert "BatchNorm(3, eps=1e-05, momentum=0.1, affine=True)" in text and "(block): Sequential(" in text
    assert repr(nn.Embedding(5, 2, padding_idx=0)) == "Embedding(5, 2, padding_idx=0)"
    assert "kernel_size=(2, 2), stride=(2, 2)" in repr(nn.MaxPool2d(2))


# ----------------------------------------------------------------------------- layers


def test_batchnorm_cumulative_average_and_no_affine_match_pytorch(torch_ref, float64):
    for name, bn in [("bn_cma", nn.BatchNorm(3, momentum=None)), ("bn_noaffine", nn.BatchNorm(3, momentum=0.3,
                                                                                            affine=False))]:
        for batch in BN_BATCHES:
            y = bn(mdl.tensor(batch))
        np.testing.assert_allclose(bn.running_mean, torch_ref[name + "_mean"], rtol=1e-12)
        np.testing.assert_allclose(bn.running_var, torch_ref[name + "_var"], rtol=1e-12)
        np.testing.assert_allclose(y.numpy(), torch_ref[name + "_y"], atol=1e-12)
        assert int(bn.num_batches_tracked) == int(torch_ref[name + "_count"]) == 3
        bn.eval()
        np.testing.assert_allclose(bn(mdl.tensor(BN_BATCHES[0])).numpy(), torch_ref[name + "_eval"], atol=1e-12)
    assert [k for k, _ in nn.BatchNorm(3, affine=False).named_parameters()] == []


def test_batchnorm_accepts_arrays_and_checks_its_arguments():
    out = nn.BatchNorm(2)(np.array([[1, 2], [3, 6]]))  # integer NumPy input
    np.testing.assert_allclose(out.numpy(), [[-1, -1], [1, 1]], atol=1e-4)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\] or None, got 'fast'"):
        nn.BatchNorm(2, momentum="fast")
    with pytest.raises(ValueError, match="eps must be a positive number, got 0"):
        nn.BatchNorm(2, eps=0)


def test_rnn_relu_matches_pytorch(torch_ref, float64):
    rnn = nn.RNN(4, 3, nonlinearity="relu")
    rnn.weight_ih.data[...], rnn.weight_hh.data[...], rnn.bias.data[...] = W_IH, W_HH, B_RNN
    x = mdl.tensor(XS, requires_grad=True)
    y, h = rnn(x)
    (y * mdl.tensor(OUT_W)).sum().backward()
    np.testing.assert_allclose(y.numpy(), torch_ref["rnn_relu"], atol=1e-12)
    np.testing.assert_allclose(h.numpy(), torch_ref["rnn_relu_h"], atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), torch_ref["rnn_relu_gx"], atol=1e-12)
    np.testing.assert_allclose(rnn.weight_ih.grad.numpy(), torch_ref["rnn_relu_gw"], atol=1e-12)


def test_recurrent_layers_take_arrays_and_explain_bad_states():
    lstm = nn.LSTM(3, 2)
    out, (h, c) = lstm([[[0.0, 1.0, 2.0]] * 4])  # a nested list, as for every other layer
    assert out.shape == (1, 4, 2) and h.shape == c.shape == (1, 1, 2)
    with pytest.raises(TypeError, match=r"pair \(h0, c0\)"):
        lstm(np.zeros((2, 4, 3)), mdl.zeros(1, 2, 2))
    with pytest.raises(ShapeError, match=r"\(1, 2, 2\) or \(2, 2\), got \(2, 3\)"):
        lstm(np.zeros((2, 4, 3)), (mdl.zeros(1, 2, 3), mdl.zeros(1, 2, 3)))
    with pytest.raises(ValueError, match="num_layers=2"):
        nn.LSTM(3, 2, num_layers=2)
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        nn.RNN(3, 2, nonlinearity="sigmoid")


def test_embedding_padding_idx_matches_pytorch(torch_ref, float64):
    emb = nn.Embedding(6, 2, padding_idx=2)
    assert not emb.weight.numpy()[2].any()  # the padding row starts at zero
    emb.weight.data[...] = EMB_W  # ... but reads whatever it holds, as PyTorch
    y = emb(EMB_IDX)
    (y * mdl.arange(12.0).reshape(2, 3, 2)).sum().backward()
    np.testing.assert_allclose(y.numpy(), torch_ref["emb"])
    np.testing.assert_allclose(emb.weight.grad.numpy(), torch_ref["emb_grad"])  # row 2: no gradient
    assert not nn.Embedding(6, 2, padding_idx=-1).weight.numpy()[-1].any()
    assert not torch_ref["emb_init_last_row"].any()
    with pytest.raises(ValueError, match=r"padding_idx must be an int in \[-6, 6\), got 6"):
        nn.Embedding(6, 2, padding_idx=6)


def test_flatten_dropout_and_conv_argument_errors():
    assert nn.Flatten()(np.ones((2, 3, 4))).shape == (2, 12)
    with pytest.raises(ShapeError, match=r"at least 2 dimensions, got shape \(3,\)"):
        nn.Flatten()(mdl.ones(3))
    with pytest.raises(ValueError, match=r"Dropout probability must be a number in \[0, 1\), got '0.5'"):
        nn.Dropout("0.5")
    with pytest.raises(ShapeError, match=r"3 channels .*got shape \(2, 3, 8, 8\); this looks like NCHW"):
        nn.Conv2d(3, 4, 3)(mdl.zeros(2, 3, 8, 8))
    with pytest.raises(TypeError, match="kernel and bias as Tensors, got ndarray"):
        F.conv2d(mdl.ones(1, 4, 4, 1), np.ones((3, 3, 1, 1)))


# ----------------------------------------------------------------------------- losses


def test_binary_cross_entropy_at_zero_and_one_matches_pytorch(torch_ref, float64):
    p = mdl.tensor(BCE_P, requires_grad=True)
    loss = F.binary_cross_entropy(p, BCE_Y)  # logs clamped to -100, as PyTorch
    loss.backward()
    np.testing.assert_allclose(loss.item(), torch_ref["bce"], rtol=1e-12)
    np.testing.assert_allclose(p.grad.numpy(), torch_ref["bce_grad"], rtol=1e-7)  # PyTorch: float 1e-12


def test_binary_cross_entropy_by_hand_and_range_check():
    p = mdl.tensor([0.0, 1.0, 0.25], requires_grad=True)
    loss = F.binary_cross_entropy(p, mdl.tensor([1.0, 1.0, 0.0]))
    loss.backward()
    np.testing.assert_allclose(loss.item(), (100 + 0 - np.log(0.75)) / 3, rtol=1e-6)
    np.testing.assert_allclose(p.grad.numpy(), [-1e12 / 3, 0.0, 0.25 / (0.25 * 0.75) / 3], rtol=1e-5)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got values in \[-0.5, 0.5\]"):
        F.binary_cross_entropy(mdl.tensor([-0.5, 0.5]), [0.0, 1.0])
    # Keras' convention (clip p to [eps, 1 - eps]) on request
    np.testing.assert_allclose(F.binary_cross_entropy(mdl.tensor([0.0]), [1.0], eps=1e-7).item(), -np.log(1e-7),
                               rtol=1e-5)


@pytest.mark.parametrize("target_shape", [(3, 2), (6,), ()])
def test_loss_targets_of_another_shape_are_errors(target_shape):
    with pytest.raises(ShapeError) as info:
        F.mse_loss(mdl.ones(2, 3), np.zeros(target_shape))
    assert f"target shape {target_shape} does not match prediction shape (2, 3)" in str(info.value)


def test_column_and_flat_targets_pair_element_by_element():
    # (N, 1) against (N,) is the same data; PyTorch would broadcast it to (N, N)
    pred = mdl.tensor([[1.0], [2.0], [4.0]])
    np.testing.assert_allclose(F.mse_loss(pred, np.array([1.0, 2.0, 3.0])).item(), 1 / 3, rtol=1e-6)
    np.testing.assert_allclose(F.l1_loss(pred.reshape(3), np.array([[1.0], [2.0], [3.0]])).item(), 1 / 3, rtol=1e-6)


def test_loss_arguments_and_clip_norm_type_are_checked():
    with pytest.raises(ValueError, match="delta must be a positive number, got 'a'"):
        F.huber_loss(mdl.ones(2), [0.0, 0.0], delta="a")
    p = nn.Parameter(np.ones(3))
    p.grad = mdl.tensor([3.0, 4.0, 0.0])
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match=f"norm_type must be > 0 or inf, got {float(bad)}"):
            nn.utils.clip_grad_norm_([p], 1.0, bad)
