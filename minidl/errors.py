"""Exceptions raised by minidl.

Every error that minidl raises on purpose is either a built-in ``ValueError`` /
``TypeError`` or a subclass of :class:`MinidlError`, and its message names what
was wrong and what was expected.
"""


class MinidlError(Exception):
    """Base class of the errors minidl raises on purpose."""


class DeviceMismatchError(MinidlError, ValueError):
    """An operation received tensors that live on different devices."""


class ShapeError(MinidlError, ValueError):
    """An operation received arrays whose shapes do not fit together."""


class GradcheckError(MinidlError):
    """Analytic and numerical gradients disagree (see :func:`minidl.gradcheck`)."""


class GraphError(MinidlError, RuntimeError):
    """The autograd graph was used in a way it does not support (e.g. a second backward)."""


class StateDictError(MinidlError, KeyError, RuntimeError):
    """A state dict's keys do not match the model's (a ``KeyError``, and a ``RuntimeError``
    as PyTorch raises).  Its message reads as plain text, not as a quoted key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidIndexError(MinidlError, IndexError):
    """An invalid index (out of range, or of a non-integer kind): an ``IndexError``, as
    NumPy and PyTorch raise, that names the index and the valid range."""


class DivisionByZeroError(MinidlError, ZeroDivisionError):
    """An integer tensor divided by zero (``//`` or ``%``): a ``ZeroDivisionError``, as
    PyTorch raises, where NumPy would silently give 0.  Float division gives inf/nan."""


class DeviceUnavailableError(MinidlError, RuntimeError):
    """A device this machine cannot provide was requested (``"cuda"`` without CuPy or a
    GPU): a ``RuntimeError``, as PyTorch raises, that says how to get one or use ``"cpu"``."""


class NotFiniteError(MinidlError, RuntimeError):
    """A value that must be finite is not (``clip_grad_norm_(..., error_if_nonfinite=True)``
    on NaN or infinite gradients): a ``RuntimeError``, as PyTorch raises."""


class NotReadyError(MinidlError, RuntimeError):
    """An object used before the step that prepares it (a ``Normalization`` layer called
    before ``adapt``): a ``RuntimeError`` that names the missing step."""


class InvalidNameError(MinidlError, KeyError, ValueError):
    """A name a module cannot register (empty, holding '.', or taken by another attribute):
    a ``KeyError`` as PyTorch raises, and a ``ValueError``.  Its message reads as plain text."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
