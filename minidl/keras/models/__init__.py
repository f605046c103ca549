"""Keras models: ``Sequential``, ``Model`` (functional or subclassed) and ``load_model``."""

from .functional import Functional
from .model import Model
from .saving import load_model, save_model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "Functional", "load_model", "save_model"]
