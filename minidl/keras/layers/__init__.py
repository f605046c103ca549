"""Keras-compatible layers (``from minidl.keras import layers``)."""

from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .base import KerasTensor, Layer
from .conv import (
    AveragePooling2D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling2D,
)
from .conv1d import AveragePooling1D, Conv1D, Cropping1D, MaxPooling1D, UpSampling1D, ZeroPadding1D
from .conv_transpose import Conv2DTranspose
from .core import Activation, Dense, Flatten, Input, InputLayer, Reshape
from .embedding import Embedding
from .masking import Masking
from .merge import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .noise import Dropout, GaussianDropout, GaussianNoise, RandomFlip, SpatialDropout2D
from .normalization import BatchNormalization, LayerNormalization, Normalization
from .recurrent import GRU, LSTM, SimpleRNN
from .reshaping import Cropping2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D
from .transform import Lambda, Rescaling
from .wrappers import Bidirectional

MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalMaxPool1D = GlobalAveragePooling1D, GlobalMaxPooling1D
MaxPool1D, AvgPool1D, Convolution1D = MaxPooling1D, AveragePooling1D, Conv1D
Convolution2DTranspose = Conv2DTranspose

__all__ = [
    "KerasTensor", "Layer", "Input", "InputLayer", "Dense", "Activation", "Flatten", "Reshape",
    "Dropout", "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
    "GlobalMaxPooling2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "GlobalMaxPool2D",
    "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAvgPool1D", "GlobalMaxPool1D",
]
__all__ += [
    "BatchNormalization", "Normalization", "LayerNormalization", "SimpleRNN", "LSTM", "GRU", "Embedding",
    "Bidirectional",
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "concatenate",
    "add", "subtract", "multiply", "average", "maximum", "minimum",
]
__all__ += ["ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU"]
__all__ += ["ZeroPadding2D", "Cropping2D", "UpSampling2D", "Permute", "RepeatVector",
            "Rescaling", "Lambda"]
__all__ += ["GaussianNoise", "GaussianDropout", "SpatialDropout2D", "RandomFlip"]
__all__ += ["Conv1D", "MaxPooling1D", "AveragePooling1D", "UpSampling1D", "ZeroPadding1D", "Cropping1D",
            "MaxPool1D", "AvgPool1D", "Convolution1D"]
__all__ += ["Conv2DTranspose", "Convolution2DTranspose"]
__all__ += ["Masking"]
