"""Misuse: every mistake raises a clear exception of the right type whose message names
the problem and what was expected (never a bare NumPy traceback from deep inside)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import DeviceMismatchError, GraphError, MinidlError, ShapeError
from minidl.autograd import Tensor


class FakeCudaArray:
    """Stands in for a CuPy array (anything that is not a NumPy ndarray lives on "cuda"),
    so device mixing is checked without a GPU.  Ops must refuse it before computing."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.shape, self.dtype, self.ndim, self.size = array.shape, array.dtype, array.ndim, array.size


def on_fake_cuda(shape):
    return Tensor._wrap(FakeCudaArray(np.ones(shape, dtype=np.float32)))


def x23():
    return mdl.tensor(np.ones((2, 3)), requires_grad=True)


def backward_twice():
    y = (x23() * 2.0).sum()
    y.backward()
    y.backward()


def truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    mdl.save({"w": mdl.ones(50, 50), "b": np.arange(3)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def foreign_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are my notes, not a model")
    return path


def plain_npz(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(3))
    return path


# (id, action (maybe taking tmp_path), exception type, fragments the message must contain)
CASES = [
    ("matmul-shapes", lambda: mdl.ones(2, 3) @ mdl.ones(4, 5), ShapeError, [r"\(2, 3\)", r"\(4, 5\)", "3", "4"]),
    ("matmul-batch", lambda: mdl.ones(2, 2, 3) @ mdl.ones(3, 3, 4), ShapeError,
     [r"\(2, 2, 3\)", r"\(3, 3, 4\)", "broadcast"]),
    ("matmul-0d", lambda: mdl.tensor(2.0) @ mdl.ones(2), ShapeError, ["at least 1 dimension"]),
    ("conv2d-rank", lambda: F.conv2d(mdl.ones(5, 5, 3), mdl.ones(3, 3, 3, 2)), ShapeError,
     ["NHWC", "4 dimensions", r"\(5, 5, 3\)"]),
    ("conv2d-kernel-rank", lambda: F.conv2d(mdl.ones(1, 5, 5, 3), mdl.ones(3, 3, 3)), ShapeError,
     ["HWIO", r"\(3, 3, 3\)"]),
    ("conv2d-channels", lambda: F.conv2d(mdl.ones(1, 5, 5, 3), mdl.ones(3, 3, 2, 4)), ShapeError,
     ["2 channels", r"\(1, 5, 5, 3\)"]),
    ("conv2d-bias", lambda: F.conv2d(mdl.ones(1, 5, 5, 3), mdl.ones(3, 3, 3, 4), mdl.ones(3)), ShapeError,
     [r"\(4,\)", r"\(3,\)"]),
    ("conv2d-padding", lambda: F.conv2d(mdl.ones(1, 5, 5, 3), mdl.ones(3, 3, 3, 2), padding="full"), ValueError,
     ["padding", "'full'", "'valid'", "'same'"]),
    ("conv2d-stride", lambda: F.conv2d(mdl.ones(1, 5, 5, 3), mdl.ones(3, 3, 3, 2), stride=0), ValueError,
     ["stride", "positive"]),
    ("conv2d-kernel-too-big", lambda: F.conv2d(mdl.ones(1, 2, 2, 3), mdl.ones(3, 3, 3, 2)), ValueError,
     ["size 3", "size 2"]),
    ("pool-padding", lambda: F.max_pool2d(mdl.ones(1, 4, 4, 1), 2, padding="full"), ValueError,
     ["padding", "'full'"]),
    ("pool-int-padding", lambda: F.avg_pool2d(mdl.ones(1, 4, 4, 1), 2, padding=1), ValueError,
     ["'valid', 'same' or 0", "got 1"]),
    ("pool-rank", lambda: F.max_pool2d(mdl.ones(4, 4, 1), 2), ShapeError, ["NHWC", r"\(4, 4, 1\)"]),
    ("device-mix-add", lambda: mdl.ones(3) + on_fake_cuda((3,)), DeviceMismatchError, ["cpu", "cuda", "Add"]),
    ("device-mix-matmul", lambda: mdl.ones(2, 3) @ on_fake_cuda((3, 2)), DeviceMismatchError,
     ["cpu", "cuda", "MatMul"]),
    ("device-mix-conv", lambda: F.conv2d(mdl.ones(1, 4, 4, 1), on_fake_cuda((3, 3, 1, 1))), DeviceMismatchError,
     ["cpu", "cuda"]),
    ("unknown-device", lambda: mdl.tensor([1.0], device="tpu"), ValueError, ["'tpu'", "cpu", "cuda"]),
    ("grad-on-int", lambda: mdl.tensor([1, 2], requires_grad=True), TypeError, ["floating-point", "int64"]),
    ("grad-on-bool", lambda: mdl.tensor([True]).requires_grad_(), TypeError, ["floating-point", "bool"]),
    ("backward-twice", backward_twice, GraphError, ["second time", "retain_graph=True"]),
    ("backward-non-scalar", lambda: (x23() * 2.0).backward(), GraphError, [r"\(2, 3\)", "explicit grad"]),
    ("backward-grad-shape", lambda: (x23() * 2.0).backward(np.ones(3)), ValueError, [r"\(2, 3\)", r"\(3,\)"]),
    ("backward-no-grad", lambda: mdl.ones(2).sum().backward(), GraphError, ["does not require grad"]),
    ("reshape", lambda: x23().reshape(4, 2), ShapeError, [r"\(2, 3\)", "6 elements", r"\(4, 2\)"]),
    ("reshape-two-unknowns", lambda: x23().reshape(-1, -1), ShapeError, [r"\(-1, -1\)"]),
    ("axis-sum", lambda: x23().sum(axis=2), ValueError, ["axis 2", "2 dimensions"]),
    ("axis-softmax", lambda: F.softmax(x23(), axis=-3), ValueError, ["axis -3", "2 dimensions"]),
    ("axis-repeated", lambda: x23().mean(axis=(1, -1)), ValueError, ["repeated axis"]),
    ("squeeze", lambda: x23().squeeze(0), ValueError, ["axis 0", r"\(2, 3\)", "not 1"]),
    ("transpose", lambda: x23().transpose(0, 0), ValueError, ["permutation"]),
    ("broadcast", lambda: x23() + mdl.ones(3, 2), ShapeError, ["add", r"\(2, 3\)", r"\(3, 2\)"]),
    ("broadcast-numpy", lambda: x23() * np.ones(4), ShapeError, ["mul", r"\(2, 3\)", r"\(4,\)"]),
    ("where-condition", lambda: mdl.where(np.ones(4, bool), x23(), 0.0), ShapeError, ["where", r"\(4,\)"]),
    ("concatenate", lambda: mdl.concatenate([x23(), mdl.ones(3, 2)]), ShapeError,
     [r"\(2, 3\)", r"\(3, 2\)", "axis 0"]),
    ("stack", lambda: mdl.stack([x23(), mdl.ones(3, 2)]), ShapeError, [r"\(2, 3\)", r"\(3, 2\)"]),
    ("linear", lambda: F.linear(x23(), mdl.ones(4, 2)), ShapeError, ["last dimension 4", r"\(2, 3\)"]),
    ("ce-label-range", lambda: F.cross_entropy(x23(), np.array([0, 3])), ValueError, ["label 3", r"\[0, 3\)"]),
    ("ce-negative-label", lambda: F.cross_entropy(x23(), np.array([-1, 0])), ValueError, ["label -1"]),
    ("ce-onehot-shape", lambda: F.cross_entropy(x23(), np.eye(4)[[0, 1]]), ShapeError, [r"\(2, 3\)", r"\(2, 4\)"]),
    ("ce-label-count", lambda: F.cross_entropy(x23(), np.array([0, 1, 2])), ShapeError, [r"\(2,\)", r"\(3,\)"]),
    ("ce-1d-logits", lambda: F.cross_entropy(mdl.ones(3), np.array([0])), ShapeError, [r"\(N, K\)", r"\(3,\)"]),
    ("nll-label-range", lambda: F.nll_loss(x23(), np.array([5, 0])), ValueError, ["label 5"]),
    ("loss-target-shape", lambda: F.mse_loss(x23(), np.ones((3, 3))), ShapeError,
     ["mse_loss", r"\(3, 3\)", r"\(2, 3\)"]),
    ("huber-delta", lambda: F.huber_loss(x23(), np.ones((2, 3)), delta=0), ValueError, ["delta", "positive"]),
    ("dropout-p-1", lambda: F.dropout(x23(), 1.0), ValueError, [r"\[0, 1\)", "1.0"]),
    ("dropout-p-negative", lambda: F.dropout(x23(), -0.1), ValueError, [r"\[0, 1\)", "-0.1"]),
    ("tensor-from-strings", lambda: mdl.tensor(["a", "b"]), TypeError, ["<U1", "expected numbers"]),
    ("tensor-from-ragged", lambda: mdl.tensor([[1.0, 2.0], [3.0]]), TypeError, ["cannot make a tensor", "shape"]),
    ("index-float-tensor", lambda: x23()[mdl.tensor([0.5])], IndexError, ["integer or bool", "float32"]),
    ("index-out-of-range", lambda: x23()[5], IndexError, ["index 5", r"\(2, 3\)"]),
    ("clip-bounds", lambda: x23().clip(1.0, 0.0), ValueError, ["lo <= hi", "lo=1.0", "hi=0.0"]),
    ("astype-string", lambda: x23().astype("U3"), TypeError, ["dtype", "U3"]),
    ("not-a-dtype", lambda: x23().astype("floaty"), TypeError, ["'floaty'", "float32"]),
    ("var-ddof", lambda: mdl.tensor([1.0]).var(ddof=1), ValueError, ["ddof=1", "1"]),
    ("max-of-empty", lambda: mdl.zeros(0).max(), ValueError, ["empty", r"\(0,\)"]),
    ("item-of-many", lambda: x23().item(), ValueError, ["one element", r"\(2, 3\)"]),
    ("manual-seed", lambda: mdl.manual_seed(-1), ValueError, ["non-negative", "-1"]),
    ("gradcheck-no-grad-input", lambda: mdl.gradcheck(lambda a: a * 2, mdl.ones(2)), ValueError,
     ["requires_grad=True"]),
    ("load-missing", lambda p: mdl.load(p / "missing.npz"), FileNotFoundError, ["missing.npz"]),
    ("load-truncated", lambda p: mdl.load(truncated_file(p)), MinidlError, ["model.npz", "truncated"]),
    ("load-foreign", lambda p: mdl.load(foreign_file(p)), MinidlError, ["notes.npz", "not a minidl file"]),
    ("load-plain-npz", lambda p: mdl.load(plain_npz(p)), MinidlError, ["plain.npz", "not a minidl file"]),
    ("save-missing-folder", lambda p: mdl.save({"w": mdl.ones(2)}, p / "nope" / "m.npz"), FileNotFoundError,
     ["nope", "does not exist"]),
    ("save-unknown-object", lambda p: mdl.save({"f": object()}, p / "m.npz"), TypeError, ["object", "tensors"]),
    # found by the bad-input audit
    ("tensor-complex-dtype", lambda: mdl.tensor([1.0], dtype="complex64"), TypeError, ["float, int or bool", "complex64"]),
    ("tensor-object-dtype", lambda: mdl.tensor([1.0], dtype=object), TypeError, ["float, int or bool", "object"]),
    ("var-ddof-str", lambda: x23().std(ddof="a"), ValueError, ["ddof", "non-negative", "'a'"]),
    ("var-ddof-negative", lambda: x23().var(ddof=-1), ValueError, ["ddof", "-1"]),
    ("dropout-p-str", lambda: F.dropout(x23(), "a"), ValueError, [r"\[0, 1\)", "'a'"]),
    ("leaky-relu-module-slope", lambda: mdl.nn.LeakyReLU("a"), TypeError, ["negative_slope", "number", "'a'"]),
    ("elu-module-alpha", lambda: mdl.nn.ELU(None), TypeError, ["alpha", "None"]),
    ("state-dict-keys", lambda: mdl.nn.Linear(2, 3).load_state_dict({}), MinidlError, ["missing keys", "weight"]),
    ("state-dict-strings", lambda: mdl.nn.Linear(1, 1).load_state_dict({"weight": np.array([["a"]]), "bias": np.zeros(1)}),
     TypeError, ["'weight'", "numbers", "<U1"]),
    ("optimizer-of-module", lambda: mdl.optim.SGD(mdl.nn.Linear(2, 3), lr=0.1), TypeError,
     ["Linear", r"model.parameters\(\)"]),
    ("gelu-approximate", lambda: F.gelu(x23(), approximate="fast"), ValueError, ["'none' or 'tanh'", "'fast'"]),
    ("nn-gelu-approximate", lambda: mdl.nn.GELU("erf"), ValueError, ["'none' or 'tanh'", "'erf'"]),
    ("optimizer-of-none", lambda: mdl.optim.Adam(None), TypeError, ["iterable of parameters", "NoneType"]),
    ("optimizer-grad-shape", lambda: _step_with_grad(mdl.ones(2, 3)), ValueError, [r"shape \(3, 2\)", r"\(2, 3\)"]),
    ("optimizer-grad-ndarray", lambda: _step_with_grad(np.ones((3, 2))), TypeError, ["minidl Tensor", "ndarray"]),
    ("clip-max-norm-str", lambda: mdl.nn.utils.clip_grad_norm_([x23()], "a"), TypeError, ["max_norm", "number", "'a'"]),
    ("clip-norm-type-str", lambda: mdl.nn.utils.clip_grad_norm_([x23()], 1.0, norm_type="fro"), TypeError,
     ["norm_type", "'fro'"]),
    ("clip-not-tensors", lambda: mdl.nn.utils.clip_grad_norm_([1, 2], 1.0), TypeError, ["Tensors", "int"]),
    ("clip-none", lambda: mdl.nn.utils.clip_grad_value_(None, 1.0), TypeError, ["parameters", "NoneType"]),
    ("multisteplr-milestones", lambda: mdl.optim.lr_scheduler.MultiStepLR(mdl.optim.SGD([x23()], lr=0.1), "ab"),
     TypeError, ["milestones", "int epochs", "'ab'"]),
    ("plateau-metric-str", lambda: mdl.optim.lr_scheduler.ReduceLROnPlateau(mdl.optim.SGD([x23()], lr=0.1)).step("a"),
     TypeError, ["metric", "number", "'a'"]),
    ("gradcheck-not-callable", lambda: mdl.gradcheck(3, x23()), TypeError, ["callable", "int"]),
    ("gradcheck-eps-zero", lambda: mdl.gradcheck(lambda a: a * 2, x23(), eps=0), ValueError, ["eps", "> 0"]),
    ("gradcheck-atol-str", lambda: mdl.gradcheck(lambda a: a * 2, x23(), atol="a"), TypeError, ["atol", "'a'"]),
    ("gradcheck-array-input", lambda: mdl.gradcheck(lambda a: a * 2, np.ones(2)), ValueError,
     ["requires_grad=True", "ndarray"]),
    ("save-to-folder", lambda p: mdl.save({"w": mdl.ones(2)}, p), IsADirectoryError, ["folder", "model.npz"]),
    ("save-empty-path", lambda p: mdl.save({"w": mdl.ones(2)}, ""), ValueError, ["empty path"]),
    ("save-path-none", lambda p: mdl.save({"w": mdl.ones(2)}, None), TypeError, ["file path", "NoneType"]),
    ("save-circular", lambda p: mdl.save((lambda a: (a.append(a), a)[1])([]), p / "c.npz"), ValueError,
     ["contains itself"]),
    ("load-folder", lambda p: mdl.load(p), IsADirectoryError, ["folder", "expected a file"]),
    ("load-path-int", lambda p: mdl.load(3), TypeError, ["file path", "int"]),
    ("embedding-id-range", lambda: mdl.nn.Embedding(5, 2)(np.array([0, 5])), MinidlError, [r"\[0, 5\)", "max 5"]),
    ("index-range-is-minidl", lambda: x23()[0, 7], MinidlError, ["index", r"\(2, 3\)"]),
]


@pytest.mark.parametrize("action, error, fragments", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_misuse_raises_a_clear_error(action, error, fragments, tmp_path):
    with pytest.raises(error) as info:
        action(tmp_path) if action.__code__.co_argcount else action()
    message = str(info.value)
    for fragment in fragments:
        assert re.search(fragment, message), f"{fragment!r} not in: {message}"


def test_requesting_cuda_without_a_gpu_is_a_clear_error():
    if mdl.cuda.is_available():
        pytest.skip("a GPU is available here")
    with pytest.raises(RuntimeError, match="'cuda'.*not available"):
        mdl.tensor([1.0], device="cuda")
    with pytest.raises(RuntimeError, match="'cuda'"):
        mdl.ones(2).to("cuda")


def test_failed_saves_leave_nothing_behind(tmp_path):
    with pytest.raises(TypeError):
        mdl.save({"f": object()}, tmp_path / "m.npz")
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError):
        mdl.save({"w": mdl.ones(2)}, tmp_path / "folder")
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]
    assert list((tmp_path / "folder").iterdir()) == []


def _step_with_grad(grad):
    """An Adam step after setting a Linear(3, 2) weight's gradient by hand."""
    layer = mdl.nn.Linear(3, 2)
    opt = mdl.optim.Adam(layer.parameters())
    layer.weight.grad = grad
    opt.step()


def test_state_dict_key_errors_are_key_runtime_and_minidl_errors():
    with pytest.raises(mdl.StateDictError) as info:  # exported at the top level, as the other errors
        mdl.nn.Linear(2, 3).load_state_dict({"weight": np.ones((2, 3))})
    assert isinstance(info.value, MinidlError)
    assert isinstance(info.value, KeyError) and isinstance(info.value, RuntimeError)  # as before, as PyTorch
    assert str(info.value) == "state dict does not match: missing keys ['bias'], unexpected keys []"


def test_default_device_from_the_environment(monkeypatch):
    monkeypatch.setenv("MINIDL_DEVICE", "tpu")
    with pytest.raises(ValueError, match="MINIDL_DEVICE='tpu'.*cpu.*cuda"):
        mdl.zeros(2)
    monkeypatch.setenv("MINIDL_DEVICE", "cpu")
    assert mdl.randn(2).device == "cpu" and mdl.tensor(np.ones(2)).device == "cpu"
    if mdl.cuda.is_available():
        return
    monkeypatch.setenv("MINIDL_DEVICE", "cuda")  # creation functions follow the default device
    for make in (lambda: mdl.zeros(2), lambda: mdl.randn(2), lambda: mdl.tensor(np.ones(2))):
        with pytest.raises(RuntimeError, match="'cuda'.*MINIDL_DEVICE"):
            make()
    assert mdl.tensor([1.0], device="cpu").device == "cpu"  # an explicit device wins


def test_invalid_indices_stay_index_errors():
    assert issubclass(mdl.InvalidIndexError, IndexError) and issubclass(mdl.InvalidIndexError, MinidlError)
    for action in (lambda: mdl.nn.Embedding(5, 2)(np.array([-1])), lambda: x23()[5]):
        with pytest.raises(mdl.InvalidIndexError):  # a MinidlError and still an IndexError
            action()
