"""Learning-rate schedules for :mod:`minidl.optim` optimizers (PyTorch's semantics).

A scheduler changes ``group["lr"]`` of its optimizer each time ``scheduler.step()``
is called, usually once per epoch, **after** ``optimizer.step()``::

    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, opt)
        sched.step()

``last_epoch`` counts the calls to ``step()``; creating a scheduler already performs
one (epoch 0, the initial lr).  Like PyTorch, most schedulers update the *current*
lr (``lr = lr * gamma``) rather than recomputing it from ``initial_lr``, so several
schedulers can be combined and a manual change of ``group["lr"]`` is respected.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .optimizer import Optimizer, check_range

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LambdaLR", "MultiplicativeLR", "LinearLR", "ConstantLR", "ReduceLROnPlateau"]  # fmt: skip


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the new lr of each group."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} needs a minidl.optim optimizer, got {type(optimizer).__name__} "
                "(Keras optimizers take a schedule as learning_rate instead)"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param_groups[{i}] has no 'initial_lr': resuming with last_epoch="
                        f"{last_epoch} needs the optimizer state of the interrupted run"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest ``step()``, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``, deprecated as in PyTorch) and set the lr."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn("passing an epoch to scheduler.step() is deprecated; call step() "
                          "once per epoch", UserWarning, stacklevel=2)  # fmt: skip
            self.last_epoch = epoch
            closed = getattr(self, "_closed_form", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current()

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer and functions (lambdas are not saved, as PyTorch)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not callable(v) and k != "lr_lambdas"}  # fmt: skip

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (of a scheduler of this same kind)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict expects the dict from state_dict(), "
                            f"got {type(state_dict).__name__}")
        unknown = sorted(str(k) for k in state_dict if k not in self.__dict__)
        if unknown:  # another scheduler's state would be mixed into this one silently
            raise ValueError(f"{name}.load_state_dict: unknown entries {unknown}; expected the "
                             f"state_dict() of a {name}")
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs:
    ``lr = initial_lr * gamma ** (epoch // step_size)``."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:  # fmt: skip
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form(self) -> list[float]:
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch listed in ``milestones``:
    ``lr = initial_lr * gamma ** (number of milestones <= epoch)``."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:  # fmt: skip
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"MultiStepLR: milestones must be a list of int epochs, got {milestones!r}")
        milestones = list(milestones)
        if not all(isinstance(m, (int, np.integer)) and not isinstance(m, bool) for m in milestones):
            raise TypeError(f"MultiStepLR: milestones must be a list of int epochs, got {milestones!r}")
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current()]

    def _closed_form(self) -> list[float]:
        passed = sum(n for m, n in self.milestones.items() if m <= self.last_epoch)
        return [b * self.gamma**passed for b in self.base_lrs]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["milestones"] = {str(k): v for k, v in self.milestones.items()}  # saveable keys
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self.milestones = Counter({int(k): v for k, v in dict(self.milestones).items()})


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch: ``lr = initial_lr * gamma ** epoch``."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form(self) -> list[float]:
        return [b * self.gamma**self.last_epoch for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Half a cosine from ``initial_lr`` down to ``eta_min`` over ``T_max`` epochs:

        lr(t) = eta_min + (initial_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    computed recursively from the previous lr, as PyTorch does (past ``T_max`` the
    lr climbs back up: the cosine continues).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:  # fmt: skip
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and t > 0:  # resumed: start from the closed form
            return self._closed_form()
        if (t - 1 - T) % (2 * T) == 0:  # at the bottom of the cosine the ratio below is 0/0
            return [lr + (b - low) * (1 - math.cos(math.pi / T)) / 2
                    for b, lr in zip(self.base_lrs, self._current())]  # fmt: skip
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - low) + low for lr in self._current()]

    def _closed_form(self) -> list[float]:
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        return [low + (b - low) * (1 + math.cos(math.pi * t / T)) / 2 for b in self.base_lrs]


class LambdaLR(LRScheduler):
    """``lr = initial_lr * lr_lambda(epoch)``; ``lr_lambda`` is a function of the epoch
    (or a list of functions, one per parameter group)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list,
                 last_epoch: int = -1) -> None:  # fmt: skip
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas (one per group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        if not all(callable(f) for f in self.lr_lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function epoch -> factor")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [b * _factor(self, f(self.last_epoch)) for f, b in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LRScheduler):
    """Multiply the current lr by ``lr_lambda(epoch)`` at every epoch after the first."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list,
                 last_epoch: int = -1) -> None:  # fmt: skip
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(self.lr_lambdas) != n or not all(callable(f) for f in self.lr_lambdas):
            raise TypeError(f"MultiplicativeLR: lr_lambda must be a function epoch -> factor "
                            f"(or a list of {n}, one per group)")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch <= 0:
            return self._current()
        return [lr * _factor(self, f(self.last_epoch)) for f, lr in zip(self.lr_lambdas, self._current())]


def _factor(owner: LRScheduler, value: Any) -> float:
    """What an ``lr_lambda`` returned, checked: a finite real number (a str or None would
    fail deep inside the multiplication, a nan would poison the lr silently)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise TypeError(f"{type(owner).__name__}: lr_lambda({owner.last_epoch}) must return a finite number "
                        f"(the factor of the lr), got {value!r}")
    return float(value)


def _check_factor(owner: str, name: str, value: float, low_open: bool) -> None:
    if not ((0 < value) if low_open else (0 <= value)) or value > 1:
        bound = "(0, 1]" if low_open else "[0, 1]"
        raise ValueError(f"{owner}: {name} must be in {bound}, got {value!r}")


class LinearLR(LRScheduler):
    r"""Warm-up by a linear ramp of the factor from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs, then constant:

        lr(t) = initial_lr * (start + (end - start) * min(t, total_iters) / total_iters)

    computed recursively from the previous lr, as PyTorch does.
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:  # fmt: skip
        _check_factor("LinearLR", "start_factor", start_factor, low_open=True)
        _check_factor("LinearLR", "end_factor", end_factor, low_open=False)
        if not isinstance(total_iters, int) or total_iters < 1:
            raise ValueError(f"LinearLR: total_iters must be a positive int, got {total_iters!r}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, n, a, b = self.last_epoch, self.total_iters, self.start_factor, self.end_factor
        if t == 0:
            return [lr * a for lr in self._current()]
        if t > n:
            return self._current()
        ratio = 1.0 + (b - a) / (n * a + (t - 1) * (b - a))  # factor(t) / factor(t - 1)
        return [lr * ratio for lr in self._current()]

    def _closed_form(self) -> list[float]:
        t, n, a, b = self.last_epoch, self.total_iters, self.start_factor, self.end_factor
        return [base * (a + (b - a) * min(t, n) / n) for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """The lr times ``factor`` for the first ``total_iters`` epochs, then the lr itself."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:  # fmt: skip
        _check_factor("ConstantLR", "factor", factor, low_open=False)
        if not isinstance(total_iters, int) or total_iters < 0:
            raise ValueError(f"ConstantLR: total_iters must be a non-negative int, got {total_iters!r}")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current()]
        if self.last_epoch != self.total_iters:
            return self._current()
        return [lr / self.factor for lr in self._current()]

    def _closed_form(self) -> list[float]:
        scale = self.factor if self.last_epoch < self.total_iters else 1.0
        return [base * scale for base in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has not improved for ``patience`` epochs.

    Call ``scheduler.step(val_loss)`` once per epoch.  "Improved" means better than the
    best value so far by more than ``threshold`` (relative: ``best * (1 - threshold)``
    in ``"min"`` mode; absolute: ``best - threshold``).  After a reduction, ``cooldown``
    epochs pass before bad epochs count again; the lr never goes below ``min_lr``, and
    changes smaller than ``eps`` are skipped.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | Sequence[float] = 0.0, eps: float = 1e-8) -> None:  # fmt: skip
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau needs a minidl.optim optimizer, got {type(optimizer).__name__}")
        owner = "ReduceLROnPlateau"
        check_range(owner, "factor", factor)
        if factor >= 1.0:
            raise ValueError(f"{owner}: factor must be < 1.0, got {factor}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                kind = ValueError if isinstance(value, (int, np.integer)) else TypeError
                raise kind(f"{owner}: {name} must be a non-negative int, got {value!r}")
        for name, value in (("threshold", threshold), ("eps", eps), *(("min_lr", v) for v in (
                min_lr if isinstance(min_lr, (list, tuple)) else [min_lr]))):
            check_range(owner, name, value)
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs, got {len(min_lr)}")
            self.min_lrs = list(min_lr)
        else:
            self.min_lrs = [min_lr] * n
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.last_epoch = 0
        self._last_lr = self._current()
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def is_better(self, a: float, best: float) -> bool:
        if self.threshold_mode == "rel":
            scale = 1.0 - self.threshold if self.mode == "min" else 1.0 + self.threshold
            return a < best * scale if self.mode == "min" else a > best * scale
        return a < best - self.threshold if self.mode == "min" else a > best + self.threshold

    def step(self, metrics: float, epoch: int | None = None) -> None:  # type: ignore[override]
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step expects the monitored metric as a number, "
                            f"got {metrics!r}") from None
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, low in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, low)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current()
