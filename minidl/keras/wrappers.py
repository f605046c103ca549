"""``keras.wrappers``: a Keras model as a scikit-learn estimator (``SKLearnClassifier``,
``SKLearnRegressor``), for ``GridSearchCV``, ``cross_val_score`` and pipelines.

``model`` is a compiled model, which each ``fit`` clones (fresh weights, as Keras does), or a
function ``model(X=..., y=..., **model_kwargs)`` returning a compiled model.  The classifier
one-hot encodes the labels for training (so the model ends in ``Dense(n_classes)``) and
``predict`` returns the original labels; the regressor trains on ``y`` as a column.
Needs scikit-learn (``pip install scikit-learn``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError:  # the classes still import; creating one says what to install
    _SKLEARN = False

    class BaseEstimator:  # type: ignore[no-redef]
        pass

    class ClassifierMixin:  # type: ignore[no-redef]
        pass

    class RegressorMixin:  # type: ignore[no-redef]
        pass
else:
    _SKLEARN = True


def _array(owner: Any, values: Any, name: str) -> np.ndarray:
    """``values`` as an array, with a clear error for a ragged nested list."""
    try:
        return np.asarray(values)
    except ValueError:  # NumPy's "inhomogeneous shape"
        raise TypeError(f"{type(owner).__name__}: {name} is a nested list whose rows have different "
                        "lengths; expected one row of features per sample") from None


def _features(owner: Any, X: Any) -> np.ndarray:
    """The samples ``X`` as a float32 array (numbers only)."""
    X = _array(owner, X, "X")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{type(owner).__name__}: X must hold numbers, got dtype {X.dtype}")
    return X.astype(np.float32)


def _options(owner: Any, name: str) -> dict:
    """``model_kwargs`` or ``fit_kwargs``: None or a dict of keyword arguments."""
    options = getattr(owner, name)
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"{type(owner).__name__}: {name} must be a dict of keyword arguments or None, "
                        f"got {type(options).__name__}")
    return options or {}


class _SKLearnModel(BaseEstimator):
    def __init__(self, model: Any, warm_start: bool = False, model_kwargs: dict | None = None,
                 fit_kwargs: dict | None = None) -> None:
        if not _SKLEARN:
            raise ImportError(f"{type(self).__name__} needs scikit-learn: pip install scikit-learn")
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_clone__(self) -> _SKLearnModel:
        # fit never changes self.model (it trains a clone), so clones may share it
        return type(self)(**self.get_params(deep=False))

    def _new_model(self, X: np.ndarray, y: np.ndarray) -> Any:
        from .models import Model, clone_model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            model = clone_model(self.model)
        elif callable(self.model):
            model = self.model(X=X, y=y, **_options(self, "model_kwargs"))
            if not isinstance(model, Model):
                raise TypeError(f"{type(self).__name__}: the model function returned {type(model).__name__}; "
                                "expected a compiled keras Model")
        else:
            raise TypeError(f"{type(self).__name__}: model must be a compiled keras Model or a function "
                            f"returning one, got {type(self.model).__name__}")
        if not isinstance(model, Model) or getattr(model, "optimizer", None) is None or model.loss is None:
            raise RuntimeError(f"{type(self).__name__}: the model must be a compiled keras Model (with an "
                               "optimizer and a loss); call model.compile(...) before returning it")
        return model

    def fit(self, X: Any, y: Any, **kwargs: Any) -> _SKLearnModel:
        """Train a new model (or the last one, ``warm_start=True``); ``kwargs`` go to ``model.fit``."""
        X = _features(self, X)
        if len(X) == 0:
            raise ValueError(f"{type(self).__name__}.fit got no samples (X has shape {X.shape})")
        targets = self._encode(_array(self, y, "y"), reset=True)
        model = self._new_model(X, targets)
        self.n_features_in_ = X.shape[1] if X.ndim > 1 else 1
        self.history_ = model.fit(X, targets, **{"verbose": 0, **_options(self, "fit_kwargs"), **kwargs})
        self.model_ = model
        return self

    def _fitted(self) -> Any:
        if not hasattr(self, "model_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(X, y) first")
        return self.model_

    def predict(self, X: Any) -> np.ndarray:
        return self._decode(self._fitted().predict(_features(self, X), verbose=0))


class SKLearnClassifier(ClassifierMixin, _SKLearnModel):
    """A classifier: labels of any kind in, the same labels out of ``predict``."""

    def _encode(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        labels = y.reshape(len(y)) if y.ndim == 2 and y.shape[1] == 1 else y
        if labels.ndim != 1:
            raise ValueError(f"SKLearnClassifier expects one label per sample (shape (n,)), got shape {y.shape}")
        if labels.dtype.kind == "f" and np.isnan(labels).any():
            raise ValueError("SKLearnClassifier got a NaN label; every sample needs a class")
        if reset:
            self.classes_ = np.unique(labels)
            if len(self.classes_) < 2:
                raise ValueError("SKLearnClassifier can't train when only one class is present")
        index = np.searchsorted(self.classes_, labels)
        return np.eye(len(self.classes_), dtype=np.float32)[index]

    def _decode(self, outputs: np.ndarray) -> np.ndarray:
        if outputs.ndim != 2 or outputs.shape[1] != len(self.classes_):
            raise ValueError(f"the model gives outputs of shape {outputs.shape}; a classifier of "
                             f"{len(self.classes_)} classes needs (n, {len(self.classes_)}) (one-hot encoding)")
        return self.classes_[outputs.argmax(axis=1)]

    def decision_function(self, X: Any) -> np.ndarray:
        """The model's raw outputs (one column per class)."""
        return self._fitted().predict(_features(self, X), verbose=0)


class SKLearnRegressor(RegressorMixin, _SKLearnModel):
    """A regressor: ``y`` of shape (n,) is trained as (n, 1) and predicted as (n,)."""

    def _encode(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        if y.dtype.kind not in "biuf":
            raise TypeError(f"SKLearnRegressor expects numeric targets, got dtype {y.dtype}")
        if reset:
            self.target_ndim_ = y.ndim
        return y.reshape(-1, 1).astype(np.float32) if y.ndim == 1 else y.astype(np.float32)

    def _decode(self, outputs: np.ndarray) -> np.ndarray:
        return outputs.reshape(len(outputs)) if self.target_ndim_ == 1 and outputs.ndim == 2 \
            and outputs.shape[1] == 1 else outputs


__all__ = ["SKLearnClassifier", "SKLearnRegressor"]
