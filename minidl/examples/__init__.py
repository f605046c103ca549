"""Runnable example programs (``python -m minidl.examples.mnist_cnn``)."""
