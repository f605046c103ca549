"""Keras's ``keras.datasets``: ``from minidl.keras.datasets import mnist``.

Only MNIST is shipped (it is what the course uses); it loads offline.
"""

from minidl.keras.datasets import mnist

__all__ = ["mnist"]
