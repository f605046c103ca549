"""Keras models: ``Sequential``, ``Model`` (functional or subclassed) and ``load_model``."""

from .cloning import clone_model, model_from_json
from .functional import Functional
from .model import Model
from .saving import load_model, save_model
from .sequential import Sequential

__all__ = ["Model", "Sequential", "Functional", "load_model", "save_model", "clone_model", "model_from_json"]
