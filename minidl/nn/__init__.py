"""PyTorch-style building blocks: ``Module``, ``Parameter`` and layers.

``import minidl.nn as nn``; layers take NHWC images and store dense weights as
(in, out) and conv kernels as HWIO (see each class for the PyTorch difference).
"""

from . import init
from .containers import ModuleDict, ParameterDict, ParameterList
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .conv1d import AvgPool1d, Conv1d, MaxPool1d
from .conv_transpose import ConvTranspose2d
from .layers import (
    ELU,
    GELU,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    Unflatten,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .normalization import BatchNorm, BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .recurrent import GRU, LSTM, RNN

__all__ = [
    "init", "Module", "Parameter", "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten",
    "Identity", "Dropout", "Embedding", "ReLU", "Sigmoid", "Tanh", "GELU", "LeakyReLU", "ELU",
    "LogSoftmax", "Unflatten", "LayerNorm", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss",
    "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
    "Softmax", "Sequential", "ModuleList", "BatchNorm", "BatchNorm1d", "BatchNorm2d", "RNN", "LSTM", "GRU",
    "utils", "functional", "ModuleDict", "ParameterList", "ParameterDict", "Conv1d", "MaxPool1d", "AvgPool1d",
    "ConvTranspose2d",
]


def __getattr__(name: str):
    import importlib

    if name == "utils":  # nn.utils.clip_grad_norm_
        return importlib.import_module(".utils", __name__)
    if name == "functional":  # torch.nn.functional as F (minidl/nn/functional.py re-exports it)
        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'minidl.nn' has no attribute {name!r}")
