"""keras.wrappers.SKLearnClassifier / SKLearnRegressor inside scikit-learn's tools."""

from __future__ import annotations

import numpy as np
import pytest

import minidl as mdl
from minidl import keras

sklearn = pytest.importorskip("sklearn")
from sklearn.metrics import accuracy_score, r2_score  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from minidl.keras.wrappers import SKLearnClassifier, SKLearnRegressor  # noqa: E402


def blobs(n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, n)
    x = np.eye(3)[labels] * 3 + rng.normal(0, 0.5, (n, 3))
    return x.astype("float32"), np.array(["cat", "dog", "fish"])[labels]


def build(X, y, hidden: int = 8, lr: float = 0.05):
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(keras.optimizers.Adam(lr), "categorical_crossentropy")
    return model


def test_classifier_trains_on_one_hot_and_predicts_the_original_labels():
    x, labels = blobs()
    mdl.manual_seed(0)
    clf = SKLearnClassifier(model=build, model_kwargs={"hidden": 16}, fit_kwargs={"epochs": 30})
    assert clf.fit(x, labels) is clf
    assert list(clf.classes_) == ["cat", "dog", "fish"]
    assert clf.model_.output_shape == (None, 3)  # the function saw one-hot targets
    outputs = clf.decision_function(x)
    expected = clf.classes_[outputs.argmax(axis=1)]
    np.testing.assert_array_equal(clf.predict(x), expected)
    assert clf.score(x, labels) == pytest.approx(accuracy_score(labels, expected))
    assert clf.score(x, labels) > 0.9  # well separated blobs
    assert len(clf.history_.history["loss"]) == 30


def test_a_compiled_model_is_cloned_for_each_fit_unless_warm_start():
    x, labels = blobs()
    template = build(x, np.zeros((1, 3)))
    before = [w.copy() for w in template.get_weights()]
    clf = SKLearnClassifier(model=template, fit_kwargs={"epochs": 2}).fit(x, labels)
    first = clf.model_
    assert first is not template and all(np.array_equal(a, b) for a, b in zip(before, template.get_weights()))
    assert clf.fit(x, labels).model_ is not first
    warm = SKLearnClassifier(model=template, warm_start=True, fit_kwargs={"epochs": 1}).fit(x, labels)
    trained = warm.model_
    assert warm.fit(x, labels).model_ is trained


def test_grid_search_over_model_kwargs():
    x, labels = blobs()
    grid = GridSearchCV(SKLearnClassifier(model=build, fit_kwargs={"epochs": 5}),
                        {"model_kwargs": [{"hidden": 2, "lr": 0.001}, {"hidden": 16, "lr": 0.05}]}, cv=2)
    grid.fit(x, labels)
    assert len(grid.cv_results_["mean_test_score"]) == 2
    assert grid.best_params_ == {"model_kwargs": {"hidden": 16, "lr": 0.05}}
    assert grid.best_estimator_.predict(x[:4]).shape == (4,)


def test_regressor_predicts_one_value_per_sample_and_scores_r2():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 4)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.1), "mse")
    reg = SKLearnRegressor(model=model, fit_kwargs={"epochs": 60}).fit(x, y)
    predicted = reg.predict(x)
    assert predicted.shape == (80,)
    assert reg.score(x, y) == pytest.approx(r2_score(y, predicted))
    assert reg.score(x, y) > 0.95


def test_wrapper_errors_say_what_is_wrong():
    x, labels = blobs()
    with pytest.raises(ValueError, match="not fitted yet"):
        SKLearnClassifier(model=build).predict(x)
    uncompiled = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    with pytest.raises(RuntimeError, match="compiled"):
        SKLearnClassifier(model=uncompiled).fit(x, labels)
    with pytest.raises(TypeError, match="compiled keras Model or a function"):
        SKLearnClassifier(model="mlp").fit(x, labels)
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(model=build).fit(x, np.zeros(len(x)))

    def two_outputs(X, y):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile("sgd", "mse")
        return model

    clf = SKLearnClassifier(model=two_outputs)
    with pytest.raises(ValueError):  # targets (n, 3) do not fit a (None, 2) output
        clf.fit(x, labels)
