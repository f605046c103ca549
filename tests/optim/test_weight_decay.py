"""L2 regularization vs weight decay, with numbers (the course's L2 lesson).

Keras' ``l2(lam)`` adds ``lam * sum(w**2)`` to the loss; its gradient is ``2*lam*w``.
So plain SGD on loss + penalty is exactly SGD with *coupled* ``weight_decay = 2*lam``
(minidl.optim.SGD adds ``weight_decay * w`` to the gradient).  Adam with coupled decay
is also just L2, but AdamW's *decoupled* decay (``w *= 1 - lr*wd``) is a different
algorithm for adaptive optimizers: the L2 gradient gets divided by ``sqrt(v)``, the
decoupled decay does not.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import optim
from minidl.keras import optimizers as kopt
from minidl.nn import Parameter

LAM = 0.05
STEPS = 10


def _problem():
    rng = np.random.default_rng(7)
    x = mdl.tensor(rng.standard_normal((32, 4)), dtype=np.float64)
    y = mdl.tensor(rng.standard_normal(32), dtype=np.float64)
    w0 = rng.standard_normal(4)
    return x, y, w0


def train(make_opt, penalty: bool, keras: bool = False) -> np.ndarray:
    """Final weights after STEPS steps on mean((x@w - y)^2) [+ LAM * sum(w^2)]."""
    x, y, w0 = _problem()
    w = Parameter(w0, dtype=np.float64)
    opt = make_opt([w])
    for _ in range(STEPS):
        w.grad = None
        loss = ((x @ w - y) ** 2).mean()
        if penalty:
            loss = loss + (w * w).sum() * LAM  # what keras.regularizers.l2(LAM) adds
        loss.backward()
        opt.apply([w]) if keras else opt.step()
    return w.numpy()


def test_l2_penalty_gradient_is_2_lambda_w():
    w = Parameter(np.array([1.0, -2.0, 3.0]), dtype=np.float64)
    ((w * w).sum() * LAM).backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * LAM * w.numpy(), rtol=1e-15)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_l2_penalty_equals_coupled_weight_decay_2_lambda(momentum):
    with_penalty = train(lambda p: optim.SGD(p, lr=0.05, momentum=momentum), penalty=True)
    with_decay = train(lambda p: optim.SGD(p, lr=0.05, momentum=momentum, weight_decay=2 * LAM), penalty=False)
    without = train(lambda p: optim.SGD(p, lr=0.05, momentum=momentum), penalty=False)
    np.testing.assert_allclose(with_penalty, with_decay, rtol=1e-13, atol=1e-15)
    assert np.abs(with_penalty - without).max() > 1e-3  # and the penalty does change the weights


def test_adam_coupled_decay_is_l2_but_adamw_decoupled_is_not():
    lr = 0.05
    l2 = train(lambda p: optim.Adam(p, lr=lr), penalty=True)
    coupled = train(lambda p: optim.Adam(p, lr=lr, weight_decay=2 * LAM), penalty=False)
    decoupled = train(lambda p: optim.AdamW(p, lr=lr, weight_decay=2 * LAM), penalty=False)
    plain = train(lambda p: optim.Adam(p, lr=lr), penalty=False)
    np.testing.assert_allclose(l2, coupled, rtol=1e-12)
    gap = np.abs(decoupled - l2).max()
    # With these numbers the two end about 0.06 apart (the L2 gradient 2*lam*w is divided
    # by sqrt(v); the decoupled decay shrinks w by lr*wd*w whatever v is).
    assert 5e-3 < gap < 0.1, gap
    assert np.abs(decoupled - plain).max() > 1e-3


def test_keras_weight_decay_is_decoupled():
    lr = 0.05
    # plain Keras SGD: decoupled decay then a gradient step at the old weights is
    # algebraically the same as the L2 gradient: w(1 - lr*wd) - lr*g = w - lr*(g + wd*w)
    l2 = train(lambda p: kopt.SGD(learning_rate=lr), penalty=True, keras=True)
    wd = train(lambda p: kopt.SGD(learning_rate=lr, weight_decay=2 * LAM), penalty=False, keras=True)
    np.testing.assert_allclose(l2, wd, rtol=1e-12)
    # with momentum (or Adam) they differ: the L2 gradient goes through the momentum/moments
    l2m = train(lambda p: kopt.SGD(learning_rate=lr, momentum=0.9), penalty=True, keras=True)
    wdm = train(lambda p: kopt.SGD(learning_rate=lr, momentum=0.9, weight_decay=2 * LAM), penalty=False,
                keras=True)
    assert np.abs(l2m - wdm).max() > 1e-3
    l2a = train(lambda p: kopt.Adam(learning_rate=lr), penalty=True, keras=True)
    wda = train(lambda p: kopt.Adam(learning_rate=lr, weight_decay=2 * LAM), penalty=False, keras=True)
    assert np.abs(l2a - wda).max() > 5e-3
    # Keras AdamW is Adam with weight_decay (default 0.004)
    a = train(lambda p: kopt.AdamW(learning_rate=lr, weight_decay=0.1), penalty=False, keras=True)
    b = train(lambda p: kopt.Adam(learning_rate=lr, weight_decay=0.1), penalty=False, keras=True)
    np.testing.assert_array_equal(a, b)
