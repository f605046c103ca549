"""Fresh-eyes audit of the PyTorch-style core API: PyTorch's keyword spellings, and bad
inputs that gave a misleading or bare error.  Reference values were computed once with
PyTorch 2.13 (CPU, float64) and are hard-coded, so these tests run without torch."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F

DATA = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def f64(data, requires_grad=False):
    return mdl.tensor(data, dtype="float64", requires_grad=requires_grad)


# ------------------------------------------------------------ dim= / keepdim= (PyTorch names)


@pytest.mark.parametrize("call, expected", [
    (lambda x: x.sum(dim=1), [6.0, 15.0]),
    (lambda x: x.sum(dim=(0, 1)), 21.0),
    (lambda x: x.mean(dim=-1, keepdim=True), [[2.0], [5.0]]),
    (lambda x: mdl.mean(x, dim=0), [2.5, 3.5, 4.5]),
    (lambda x: x.var(dim=1, unbiased=True), [1.0, 1.0]),          # torch: y.var(dim=1)
    (lambda x: x.var(1, unbiased=False), [2 / 3, 2 / 3]),
    (lambda x: x.std(dim=0, correction=0), [1.5, 1.5, 1.5]),
    (lambda x: mdl.logsumexp(x, dim=1, keepdim=True), [[3.40760596], [6.40760596]]),
    (lambda x: x.argmax(dim=1, keepdim=True), [[2], [2]]),
    (lambda x: x.argmin(dim=0), [0, 0, 0]),
    (lambda x: F.softmax(x, dim=0), [[0.04742587, 0.04742587, 0.04742587],
                                     [0.95257413, 0.95257413, 0.95257413]]),
    (lambda x: F.log_softmax(x, dim=-1), [[-2.40760596, -1.40760596, -0.40760596]] * 2),
])
def test_pytorch_keyword_spellings_match_torch(call, expected):
    out = call(f64(DATA))
    np.testing.assert_allclose(out.numpy(), np.array(expected), rtol=1e-7, atol=1e-8)


def test_max_min_with_dim_return_values_and_indices_as_torch():
    # torch: x.max(dim=1) -> values [3, nan], indices [1, 1]; grad [[0,1,0],[0,1,0]]
    x = f64([[1.0, 3.0, 3.0], [2.0, np.nan, 5.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.numpy(), [3.0, np.nan])
    np.testing.assert_array_equal(indices.numpy(), [1, 1])
    assert indices.dtype == np.int64
    values.sum().backward()  # the first maximum alone gets the gradient (amax would share)
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [0, 1, 0]])
    x.grad = None
    # torch: x.min(dim=0, keepdim=True) -> [[1, nan, 3]], [[0, 1, 0]]; grad [[1,0,3],[0,2,0]]
    result = x.min(dim=0, keepdim=True)
    assert result.values.shape == (1, 3) and result.indices.shape == (1, 3)
    np.testing.assert_array_equal(result.indices.numpy(), [[0, 1, 0]])
    (result.values * f64([[1.0, 2.0, 3.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 3], [0, 2, 0]])


def test_max_of_0d_with_dim_and_max_of_another_tensor():
    values, indices = mdl.tensor(3.0).max(dim=0)
    assert values.shape == () and values.item() == 3.0 and indices.item() == 0
    a, b = f64([1.0, 5.0]), f64([4.0, 2.0])
    np.testing.assert_array_equal(a.max(b).numpy(), [4.0, 5.0])  # torch: elementwise maximum
    np.testing.assert_array_equal(a.min(b).numpy(), [1.0, 2.0])


def test_numpy_spelling_still_reduces_to_a_tensor():
    x = f64(DATA)
    assert isinstance(x.max(axis=1), mdl.Tensor)
    assert isinstance(x.max(1), mdl.Tensor)  # positional: NumPy's axis (design.md)
    np.testing.assert_array_equal(x.max(1, keepdims=True).numpy(), [[3.0], [6.0]])


@pytest.mark.parametrize("call, words", [
    (lambda x: x.sum(axis=0, dim=0), "both axis=0 and dim=0"),
    (lambda x: x.mean(keepdims=True, keepdim=True), "keepdims"),
    (lambda x: x.sum(keepdims="yes"), "keepdims must be True or False"),
    (lambda x: x.var(ddof=1, correction=1), "more than one of ddof"),
    (lambda x: x.std(unbiased="yes"), "unbiased must be True or False"),
    (lambda x: F.softmax(x, axis=0, dim=1), "both axis=0 and dim=1"),
    (lambda x: x.max(dim=(0, 1)), "dim must be an int"),
])
def test_conflicting_or_bad_spellings_are_refused(call, words):
    with pytest.raises(TypeError, match=words.replace("(", r"\(")):
        call(f64(DATA))


# ------------------------------------------------------------ F.linear with a non-Tensor weight


@pytest.mark.parametrize("weight, bias", [
    (np.ones((3, 2)), None),           # was DeviceMismatchError "cpu, cpu"
    ([[1.0, 1.0]] * 3, None),          # was AttributeError 'list' object has no attribute 'data'
    (mdl.ones((3, 2)), np.ones(2)),    # was DeviceMismatchError "cpu, cpu, cpu"
])
def test_linear_refuses_arrays_as_parameters_clearly(weight, bias):
    with pytest.raises(TypeError, match="linear expects the weight and bias as Tensors"):
        F.linear(mdl.ones((4, 3)), weight, bias)


# ------------------------------------------------------------ Module: train(mode), apply, requires_grad_


def test_train_mode_must_be_a_bool():
    from minidl import nn

    model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    with pytest.raises(ValueError, match="train\\(mode\\) expects True or False"):
        model.train("eval")  # was accepted, and switched training ON
    assert model.train(np.bool_(False)).training is False and model[1].training is False


def test_module_apply_visits_children_first_then_self_as_torch():
    from minidl import nn

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1)))
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    # torch.nn.Sequential(...).apply gives the same post-order
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]

    def zero_linear(m):
        if isinstance(m, nn.Linear):
            m.weight.data[...] = 0

    model.apply(zero_linear)
    assert all(not p.numpy().any() for n, p in model.named_parameters() if n.endswith("weight"))
    with pytest.raises(TypeError, match="apply expects a function"):
        model.apply("init")


def test_module_requires_grad_freezes_parameters():
    from minidl import nn

    model = nn.Linear(2, 1)
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model(mdl.ones((1, 2)))  # no graph, no error
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())
    with pytest.raises(TypeError, match="True or False"):
        model.requires_grad_("no")


# ------------------------------------------------------------ lr_scheduler: lambdas and state dicts


def _sgd(lr=1.0):
    from minidl import nn, optim

    return optim.SGD(nn.Linear(2, 1).parameters(), lr=lr)


@pytest.mark.parametrize("kind", ["LambdaLR", "MultiplicativeLR"])
@pytest.mark.parametrize("bad", ["x", None, float("nan")])
def test_lr_lambda_must_return_a_finite_number(kind, bad):
    from minidl.optim import lr_scheduler

    def factor(epoch):
        return 1.0 if epoch < 1 else bad

    with pytest.raises(TypeError, match="lr_lambda\\(1\\) must return a finite number"):
        scheduler = getattr(lr_scheduler, kind)(_sgd(), factor)
        scheduler.step()  # was a bare "can't multiply sequence" error, or a nan lr


def test_lambda_lr_takes_numpy_numbers():
    from minidl.optim import lr_scheduler

    scheduler = lr_scheduler.LambdaLR(_sgd(), lambda e: np.float32(0.5) ** e)
    scheduler.step()
    assert scheduler.get_last_lr() == [0.5]  # torch: [0.5]


def test_scheduler_load_state_dict_checks_its_argument():
    from minidl.optim import lr_scheduler

    source = lr_scheduler.StepLR(_sgd(), step_size=2, gamma=0.5)
    for _ in range(3):
        source.step()
    target = lr_scheduler.StepLR(_sgd(), step_size=2, gamma=0.5)
    target.load_state_dict(source.state_dict())
    target.step()
    # torch 2.13 gives 4 and [0.5]: the new optimizer still has lr 1.0 (the state holds no lr)
    assert target.last_epoch == 4 and target.get_last_lr() == [0.5]
    with pytest.raises(TypeError, match="expects the dict from state_dict\\(\\), got NoneType"):
        target.load_state_dict(None)  # was TypeError: 'NoneType' object is not iterable
    cosine = lr_scheduler.CosineAnnealingLR(_sgd(), T_max=4).state_dict()
    with pytest.raises(ValueError, match="unknown entries \\['T_max', 'eta_min'\\]"):
        target.load_state_dict(cosine)  # was merged into the StepLR silently


# ------------------------------------------------------------ Tensor.to(dtype) as PyTorch


@pytest.mark.parametrize("args, kwargs", [
    ((mdl.float64,), {}), (("float64",), {}), ((np.float64,), {}),
    (("cpu", "float64"), {}), ((), {"dtype": "float64"}), ((), {"device": "cpu", "dtype": np.float64}),
])
def test_to_changes_the_dtype_as_torch_and_keeps_the_gradient(args, kwargs):
    x = mdl.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(*args, **kwargs)  # was TypeError: device must be a string
    assert y.dtype == np.float64 and y.device == "cpu"
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert x.grad.dtype == np.float32


def test_to_with_a_device_or_bad_arguments():
    x = mdl.tensor([1.0, 2.0])
    assert x.to("cpu").dtype == np.float32 and x.to().dtype == np.float32
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        x.to("tpu")
    with pytest.raises(TypeError, match="two dtypes"):
        x.to(mdl.float64, "float32")


@pytest.mark.parametrize("flag", ["no", 1, None])
def test_requires_grad_must_be_a_bool(flag):
    with pytest.raises(TypeError, match="requires_grad must be True or False"):
        mdl.tensor([1.0], requires_grad=flag)  # was accepted ("no" switched it on)
    with pytest.raises(TypeError, match="requires_grad must be True or False"):
        mdl.tensor([1.0]).requires_grad_(flag)
    assert mdl.tensor([1.0], requires_grad=np.bool_(True)).requires_grad
