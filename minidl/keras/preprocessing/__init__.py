"""``keras.preprocessing``: ``sequence.pad_sequences`` (the rest of Keras's old preprocessing
utilities, images and text, are layers or ``keras.utils`` functions in Keras 3)."""

from . import sequence

__all__ = ["sequence"]
