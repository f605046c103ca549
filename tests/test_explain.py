"""Interpretability: checked against properties with an independent answer.

- integrated gradients: completeness (Σ attributions = f(x) - f(baseline)) and the
  exact answer (x - x')·w for a linear function;
- saliency: central finite differences in float64;
- permutation importance: a planted informative feature ranks first, unused features
  score exactly 0.
"""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import explain
from minidl.keras import layers, models


def _mlp():
    mdl.manual_seed(0)
    return models.Sequential([layers.Input(shape=(5,)), layers.Dense(16, activation="tanh"),
                              layers.Dense(8, activation="sigmoid"), layers.Dense(3, activation="softmax")])


def _outputs(model, x):
    """Model outputs computed in float64 (the reference for the checks)."""
    return model(mdl.Tensor(np.asarray(x, dtype=np.float64), dtype=np.float64), training=False).numpy()


def test_integrated_gradients_completeness_mlp():
    model = _mlp()
    x = np.random.default_rng(0).normal(scale=2.0, size=(6, 5))
    baseline = np.full(5, 0.3)
    attributions = explain.integrated_gradients(model, x, baseline=baseline, steps=64)
    assert attributions.shape == x.shape
    f_x, f_b = _outputs(model, x), _outputs(model, np.broadcast_to(baseline, x.shape))
    c = f_x.argmax(axis=1)  # default class: the predicted one
    delta = f_x[np.arange(6), c] - f_b[np.arange(6), c]
    assert np.all(np.abs(delta) > 1e-3)
    np.testing.assert_allclose(attributions.sum(axis=1), delta, rtol=0.01)


def test_integrated_gradients_completeness_cnn():
    mdl.manual_seed(1)
    model = models.Sequential([layers.Input(shape=(6, 6, 1)), layers.Conv2D(3, 3, activation="tanh"),
                               layers.Flatten(), layers.Dense(2, activation="softmax")])
    x = np.random.default_rng(1).uniform(0, 2, size=(2, 6, 6, 1))
    attributions = explain.integrated_gradients(model, x, steps=100, class_index=1)
    f_x, f_0 = _outputs(model, x)[:, 1], _outputs(model, np.zeros_like(x))[:, 1]
    np.testing.assert_allclose(attributions.reshape(2, -1).sum(axis=1), f_x - f_0, rtol=0.01)


def test_integrated_gradients_of_a_linear_function_is_exact():
    w = np.array([[1.5], [-2.0], [0.0], [0.25]])

    def f(x):  # any Tensor -> Tensor function built from minidl ops
        return x @ mdl.tensor(w, dtype=np.float64)

    x = np.random.default_rng(2).normal(size=(3, 4))
    base = np.random.default_rng(3).normal(size=(3, 4))
    got = explain.integrated_gradients(f, x, baseline=base, steps=3)
    np.testing.assert_allclose(got, (x - base) * w[:, 0], rtol=1e-12)


def test_saliency_matches_finite_differences():
    model = _mlp()
    x = np.random.default_rng(4).normal(size=(4, 5))
    for class_index in (None, 2, [0, 1, 2, 0]):
        got = explain.saliency(model, x, class_index=class_index)
        out = _outputs(model, x)
        c = out.argmax(axis=1) if class_index is None else np.broadcast_to(class_index, (4,))
        eps = 1e-6
        numeric = np.zeros_like(x)
        for i in range(5):
            step = np.zeros(5)
            step[i] = eps
            up, down = _outputs(model, x + step), _outputs(model, x - step)
            numeric[:, i] = (up[np.arange(4), c] - down[np.arange(4), c]) / (2 * eps)
        np.testing.assert_allclose(got, np.abs(numeric), rtol=1e-4, atol=1e-8)


def test_saliency_bad_class_index():
    with pytest.raises(ValueError, match="class_index must be in"):
        explain.saliency(_mlp(), np.zeros((2, 5)), class_index=3)


def _planted(seed=0, n=400):
    """Five features; the label depends on feature 2 (strongly) and feature 0 (weakly)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (3 * X[:, 2] + 0.5 * X[:, 0] > 0).astype(int)
    return X, y


def _planted_model(X):
    p = 1 / (1 + np.exp(-(3 * X[:, 2] + 0.5 * X[:, 0])))
    return np.stack([1 - p, p], axis=1)


def test_permutation_importance_ranks_the_planted_feature_first():
    X, y = _planted()
    result = explain.permutation_importance(_planted_model, X, y, metric="accuracy", n_repeats=4, seed=0)
    assert result.baseline_score == 1.0
    assert result.ranking()[0] == 2 and result.ranking()[1] == 0
    assert result.importances.shape == (5, 4)
    np.testing.assert_array_equal(result.importances_mean[[1, 3, 4]], 0.0)  # unused: no effect
    assert result.importances_mean[2] > 0.3
    assert "feature 2" in result.table().splitlines()[2]


class _LeastSquares:
    """A scikit-learn-like regressor (an object with ``predict``), fitted by least squares."""

    def fit(self, X, y):
        self.w = np.linalg.lstsq(np.c_[X, np.ones(len(X))], y, rcond=None)[0]
        return self

    def predict(self, X):
        return np.c_[X, np.ones(len(X))] @ self.w


def test_permutation_importance_with_predict_method_and_loss_metric():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 4))
    y = 2 * X[:, 3] - X[:, 1] + 0.01 * rng.normal(size=300)
    model = _LeastSquares().fit(X, y)
    result = explain.permutation_importance(model, X, y, metric="mse", n_repeats=3, seed=1)
    assert list(result.ranking()[:2]) == [3, 1]
    assert result.importances_mean[3] > 4 * result.importances_mean[1] > 0  # E[Δmse] = 2·w²·var


def test_permutation_importance_is_reproducible_and_accepts_callables():
    X, y = _planted(1, 200)
    first = explain.permutation_importance(_planted_model, X, y, n_repeats=2, seed=7)
    again = explain.permutation_importance(_planted_model, X, y, n_repeats=2, seed=7)
    np.testing.assert_array_equal(first.importances, again.importances)

    def neg_log_loss(t, p):
        return np.mean(np.log(p[np.arange(len(t)), t]))

    custom = explain.permutation_importance(_planted_model, X, y, metric=neg_log_loss, n_repeats=2, seed=7)
    assert custom.ranking()[0] == 2 and custom.metric == "neg_log_loss"


def test_permutation_importance_with_a_keras_model():
    model = models.Sequential([layers.Input(shape=(5,)), layers.Dense(1, activation="sigmoid")])
    kernel = np.zeros((5, 1), dtype=np.float32)
    kernel[4] = 5.0
    model.set_weights([kernel, np.zeros(1)])
    X, _ = _planted(2, 200)
    y = (X[:, 4] > 0).astype(int)
    result = explain.permutation_importance(model, X, y, metric="accuracy", n_repeats=2, seed=0)
    assert result.ranking()[0] == 4 and result.baseline_score == 1.0


@pytest.mark.parametrize("kwargs, message", [
    (dict(y=np.zeros(3)), "same length"),
    (dict(metric="precision@k"), "unknown metric"),
    (dict(n_repeats=0), "n_repeats"),
])
def test_permutation_importance_bad_input(kwargs, message):
    X, y = _planted(0, 20)
    args = dict(y=y, metric="accuracy", n_repeats=1) | kwargs
    with pytest.raises(ValueError, match=message):
        explain.permutation_importance(_planted_model, X, **args)


def test_integrated_gradients_bad_input():
    with pytest.raises(ValueError, match="steps"):
        explain.integrated_gradients(_mlp(), np.zeros((1, 5)), steps=0)
    with pytest.raises(ValueError, match="baseline"):
        explain.integrated_gradients(_mlp(), np.zeros((2, 5)), baseline=np.zeros(4))


def test_pytorch_style_module_saliency_and_importance():
    """nn.Module models work too (run in eval mode: dropout off), and are left as found."""
    from minidl import nn

    mdl.manual_seed(2)
    net = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Dropout(0.5), nn.Linear(6, 2))
    net.train()
    x = np.random.default_rng(6).normal(size=(3, 3))
    got = explain.saliency(net, x, class_index=1)
    assert net.training  # restored

    def f(a):
        net.eval()
        with mdl.no_grad():
            out = net(mdl.Tensor(a, dtype=np.float64)).numpy()[:, 1]
        net.train()
        return out

    numeric = np.stack([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6], axis=1)
    np.testing.assert_allclose(got, np.abs(numeric), rtol=1e-4, atol=1e-8)
    y = net.eval()(mdl.tensor(x)).numpy().argmax(axis=1)
    result = explain.permutation_importance(net, x, y, n_repeats=1, seed=0)
    assert result.baseline_score == 1.0
