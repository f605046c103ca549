"""The base class of the Keras-style optimizers (see :mod:`minidl.keras.optimizers`).

It does the bookkeeping that every optimizer shares, in the order Keras 3 does it:

1. evaluate the learning rate (a float, or a schedule called with ``iterations``);
2. clip the gradients: ``clipnorm`` (each gradient to norm <= clipnorm),
   ``global_clipnorm`` (all gradients together) or ``clipvalue`` (each element);
3. decoupled weight decay: ``p = p - lr * weight_decay * p``;
4. the optimizer's own update (subclasses), then ``iterations += 1``.

Steps 2 and 3 are not separate passes over memory: they become the ``gscale``,
``gclip`` and ``decay`` arguments of the fused kernels in
:mod:`minidl.kernels.optim_updates`.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..backend import get_array_module
from ..kernels.optim_updates import INF
from . import schedules
from .schedules import LearningRateSchedule

__all__ = ["Optimizer", "LearningRate"]


class LearningRate(float):
    """The float that ``optimizer.learning_rate`` returns; ``.numpy()`` works as in Keras, and
    ``.assign(value)`` sets the optimizer's learning rate (TensorFlow's Variable spelling)."""

    def numpy(self) -> float:
        return float(self)

    def assign(self, value: Any) -> None:
        owner = self.__dict__.get("owner")
        if owner is None:
            raise TypeError("this learning rate belongs to no optimizer; set optimizer.learning_rate = value")
        owner.learning_rate = value


def _number(owner: str, name: str, value: Any, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{owner}: {name} must be {bound}, got {value!r}")
    return float(value)


class Optimizer:
    """Base class: learning rate, step counter, clipping, weight decay and slot bookkeeping.

    Subclasses name their per-variable state in ``_slot_names()`` and update a list of
    ``(param, grad, slots, gscale, decay)`` arrays in ``_update_all``.
    """

    def __init__(self, learning_rate: Any, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        owner = type(self).__name__
        for key, neutral in (("use_ema", False), ("loss_scale_factor", None),
                             ("gradient_accumulation_steps", None)):  # fmt: skip
            if kwargs.pop(key, neutral) != neutral:
                raise NotImplementedError(f"{owner}: {key}= is not supported by minidl")
        kwargs.pop("ema_momentum", None), kwargs.pop("ema_overwrite_frequency", None)
        if "lr" in kwargs:  # tf.keras 2 code; Keras 3 refuses it too
            raise ValueError(f"{owner}: argument lr not recognized: it is the old name of learning_rate=; "
                             f"write {owner}(learning_rate=...)")
        if "decay" in kwargs:
            raise ValueError(f"{owner}: argument decay not recognized (tf.keras 2; not in Keras 3); pass learning_rate="
                             "keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)")
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {sorted(kwargs)}")
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be "
                             f"set, got {clips}")  # fmt: skip
        for key, value in clips.items():
            if value is not None:
                _number(owner, key, value)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.weight_decay = None if weight_decay is None else _number(owner, "weight_decay", weight_decay)
        self.name = name or owner.lower()
        self.learning_rate = learning_rate
        self.iterations = 0
        self.built = False
        self._variables: list[Tensor] = []
        self._index: dict[int, int] = {}
        self._slots: list[tuple[Any, ...]] = []
        self._excluded: tuple[set[int], str | None] = (set(), None)
        self._decays: list[bool] = []

    # -- learning rate -----------------------------------------------------------------
    @property
    def learning_rate(self) -> LearningRate:
        """The lr of the next update (a schedule is evaluated at ``iterations``); settable."""
        lr = LearningRate(self._current_lr())
        lr.owner = self
        return lr

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, LearningRateSchedule) or (callable(value) and not isinstance(value, float)):
            self._learning_rate = value
            return
        if isinstance(getattr(self, "_learning_rate", None), LearningRateSchedule):
            raise TypeError(
                f"{type(self).__name__} was created with a LearningRateSchedule, so its learning "
                "rate cannot be set to a number; create it with a float learning_rate instead"
            )
        self._learning_rate = _number(type(self).__name__, "learning_rate", float(value)
                                      if hasattr(value, "__float__") else value)  # fmt: skip

    def _current_lr(self) -> float:
        lr = self._learning_rate
        if type(lr) is float:
            return lr
        if isinstance(lr, LearningRateSchedule):
            return float(lr(self.iterations))
        return float(lr())

    # -- building ----------------------------------------------------------------------
    def build(self, variables: Iterable[Tensor]) -> None:
        """Create the per-variable state (slots) for ``variables``; done once, lazily."""
        if self.built:
            return
        self._variables = list(variables)
        self._index = {id(v): i for i, v in enumerate(self._variables)}
        xp_zeros = [get_array_module(v.data).zeros_like for v in self._variables]
        self._slots = [tuple(self._new_slot(name, zeros(v.data)) for name in self._slot_names())
                       for zeros, v in zip(xp_zeros, self._variables)]  # fmt: skip
        self.built = True
        self._update_decay_mask()

    def _slot_names(self) -> tuple[str, ...]:
        return ()

    @property
    def variables(self) -> list[Any]:
        """The optimizer's state as Keras 3 lists it: the iteration count, the learning rate
        (a variable only when it is a number, not a schedule), then every slot array.

        ``model.summary()`` counts these as "Optimizer params" once the optimizer is built."""
        scalars = [np.array(self.iterations, dtype=np.int64)]
        if type(self._learning_rate) is float:
            scalars.append(np.array(self._learning_rate, dtype=np.float32))
        scalars += [np.array(value, dtype=np.float32) for value in self._extra_scalars()]
        return scalars + [array for slots in self._slots for array in slots]

    def _extra_scalars(self) -> tuple[float, ...]:
        """Scalar state beyond iterations and learning rate (Nadam's momentum product)."""
        return ()

    def _new_slot(self, name: str, zeros: Any) -> Any:
        return zeros

    def exclude_from_weight_decay(self, var_list: Iterable[Tensor] | None = None,
                                  var_names: Iterable[str] | None = None) -> None:  # fmt: skip
        """Do not decay these variables (or those whose ``name`` contains one of ``var_names``)."""
        pattern = "|".join(re.escape(n) for n in var_names) if var_names else None
        self._excluded = ({id(v) for v in var_list or ()}, pattern)
        self._update_decay_mask()

    def _update_decay_mask(self) -> None:
        ids, pattern = self._excluded
        self._decays = [id(v) not in ids and not (pattern and re.search(pattern, v.name or ""))
                        for v in self._variables]  # fmt: skip

    # -- applying ----------------------------------------------------------------------
    def apply(self, grads: Any, trainable_variables: Any = None) -> None:
        """``apply(params)``: update each parameter from its ``.grad`` (the fit loop's fast
        path); ``apply(grads, variables)``: as Keras, gradients given separately."""
        if not isinstance(grads, (list, tuple)):
            grads = list(grads)
        first = grads[0] if grads else None
        if trainable_variables is None and isinstance(first, Tensor) and first.requires_grad:
            if not self.built:
                self.build(grads)
            index, slots, decays = self._index, self._slots, self._decays
            work = []
            for p in grads:
                g = p.grad
                if g is not None:
                    i = index.get(id(p))
                    if i is None:
                        self._unknown(p)
                    work.append([p.data, g.data, slots[i], 1.0, decays[i]])
            return self._apply_work(work)
        if trainable_variables is None:
            if not self.built:
                raise ValueError("apply(grads) without variables needs a built optimizer; call "
                                 "optimizer.build(variables) or pass apply(grads, variables)")  # fmt: skip
            trainable_variables = self._variables
        return self.apply_gradients(zip(grads, trainable_variables))

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Tensor]]) -> None:
        """Update each variable from its gradient (arrays or Tensors); ``None`` gradients are skipped."""
        pairs = list(grads_and_vars)
        if not self.built:
            self.build([v for _, v in pairs])
        missing = [getattr(v, "name", None) or f"#{i}" for i, (g, v) in enumerate(pairs) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss",
                          stacklevel=2)  # fmt: skip
        work = []
        for g, v in pairs:
            if g is None:
                continue
            i = self._index.get(id(v))
            if i is None:
                self._unknown(v)
            xp = get_array_module(v.data)
            g = xp.asarray(g.data if isinstance(g, Tensor) else g, dtype=v.data.dtype)
            if g.shape != v.data.shape:
                raise ValueError(f"gradient of shape {g.shape} for a variable of shape {v.data.shape}")
            work.append([v.data, g, self._slots[i], 1.0, self._decays[i]])
        self._apply_work(work)

    def _unknown(self, p: Tensor) -> None:
        raise ValueError(
            f"{type(self).__name__} got a variable of shape {p.shape} that it was not built with; "
            "an optimizer updates the variables of its first apply() (create a new optimizer "
            "for another model; after changing layer.trainable, call model.compile() again, as Keras requires)"
        )

    def _apply_work(self, work: list[list[Any]]) -> None:
        lr = self._learning_rate
        lr = lr if type(lr) is float else self._current_lr()
        gclip = INF
        if self.clipnorm:  # each gradient: g * clipnorm / max(||g||, clipnorm)
            for item in work:
                g = item[1]
                norm = math.sqrt(float(get_array_module(g).vdot(g, g)))
                item[3] = self.clipnorm / max(norm, self.clipnorm)
        elif self.global_clipnorm:  # all together: g * clip * min(1/||G||, 1/clip)
            total = math.sqrt(sum(float(get_array_module(it[1]).vdot(it[1], it[1])) for it in work))
            c = self.global_clipnorm
            scale = c * min(1.0 / total, 1.0 / c) if total > 0 else 1.0
            scale = scale if math.isfinite(total) else math.nan
            for item in work:
                item[3] = scale
        elif self.clipvalue:
            gclip = float(self.clipvalue)
        if self.weight_decay:  # item[4] says whether this variable decays
            decay = 1.0 - lr * self.weight_decay
            for item in work:
                item[4] = decay if item[4] is True else 1.0
        else:
            for item in work:
                item[4] = 1.0
        self._update_all(work, lr, gclip)
        self.iterations += 1

    def _update_all(self, work: list[list[Any]], lr: float, gclip: float) -> None:
        raise NotImplementedError

    # -- config and state --------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            lr = self._current_lr()
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, **self._own_config()}  # fmt: skip

    def _own_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def state_dict(self) -> dict[str, Any]:
        """``{"iterations", "learning_rate", "variables": [{slot: array}, ...]}`` in build order."""
        lr = self._learning_rate
        return {"iterations": self.iterations, "learning_rate": lr if type(lr) is float else None,
                "variables": [{n: a.copy() for n, a in zip(self._slot_names(), s)} for s in self._slots]}  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output; the optimizer must be built on the same variables."""
        saved = state["variables"]
        if saved and not self.built:
            raise ValueError(f"{type(self).__name__}.load_state_dict: build(variables) first")
        if len(saved) != len(self._slots):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state has {len(saved)} "
                             f"variables, the optimizer has {len(self._slots)}")  # fmt: skip
        for i, (slots, values) in enumerate(zip(self._slots, saved)):
            for name, array in zip(self._slot_names(), slots):
                value = values[name]
                if tuple(value.shape) != array.shape:
                    raise ValueError(f"load_state_dict: slot {name!r} of variable {i} has shape "
                                     f"{tuple(value.shape)}, expected {array.shape}")  # fmt: skip
                array[...] = get_array_module(array).asarray(value)
        self.iterations = int(state["iterations"])
        if state.get("learning_rate") is not None and type(self._learning_rate) is float:
            self._learning_rate = float(state["learning_rate"])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} learning_rate={self._current_lr():g} iterations={self.iterations}>"

