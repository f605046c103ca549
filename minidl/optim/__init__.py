"""PyTorch-style optimizers: ``minidl.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``,
``NAdam``, ``Adamax``, ``RAdam``.

Update rules and defaults are PyTorch's (Adam eps 1e-8, RMSprop alpha 0.99, SGD lr 1e-3;
``weight_decay`` is coupled L2 for SGD/Adam/RMSprop/Adagrad and decoupled for AdamW).
The Keras-style optimizers in :mod:`minidl.keras.optimizers` share the same fused
kernels (:mod:`minidl.kernels.optim_updates`) with Keras 3's rules.  Learning-rate
schedules live in :mod:`minidl.optim.lr_scheduler`.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "Adamax", "RAdam",
           "lr_scheduler"]
