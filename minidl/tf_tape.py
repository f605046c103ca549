"""``tf.GradientTape`` on top of minidl's autograd.

TensorFlow records operations on a *tape* while a ``with tf.GradientTape() as tape:`` block
runs, then ``tape.gradient(loss, variables)`` returns the gradients.  minidl records the graph
anyway (every op on a tensor that requires grad remembers its inputs), so the tape only has
to remember *when* it was recording: each recorded :class:`~minidl.autograd.Function` carries
its application number, and the tape keeps the numbers at which its blocks opened and closed.
A gradient then flows only through functions applied inside the tape's blocks, as in
TensorFlow: what was computed before the ``with`` (or inside ``tape.stop_recording()``) does
not count.

The PyTorch spelling of the same computation::

    # TensorFlow / minidl                           # PyTorch / minidl
    with tf.GradientTape() as tape:                 y = f(x)           # x: requires_grad=True
        y = f(x)                                    dx, = mdl.gradients.grad(y, [x])
    dx = tape.gradient(y, x)                        # or y.backward(); x.grad (accumulates)

``tape.gradient`` never writes into ``.grad`` and keeps the graph, so it mixes with
``backward()``.  Higher-order gradients (a tape inside a tape) are not supported: the
gradients come back as constants.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any

from . import autograd
from .autograd import Function, Tensor
from .errors import GraphError
from .gradients import gradient_arrays, seed_array


class UnconnectedGradients(enum.Enum):
    """What ``tape.gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _next_number() -> int:
    """A number after every function applied so far (the counter may skip one: harmless)."""
    return next(autograd._applied)


class GradientTape:
    """Record operations to differentiate them (``tf.GradientTape``).

    ``persistent=False`` allows one ``gradient()`` call (as TensorFlow);
    ``watch_accessed_variables=True`` gives gradients for every variable (any leaf tensor
    that requires grad: ``tf.Variable``, model weights) used inside the block; constants
    need ``tape.watch(x)`` first.  With ``False``, only watched tensors get gradients.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._spans: list[tuple[int, int]] = []  # closed recording intervals of numbers
        self._open_since: int | None = None  # the number at which the current block began
        self._watched: dict[int, Tensor] = {}
        self._switched_on: dict[int, Tensor] = {}  # watched tensors whose requires_grad we set
        self._used = False

    # -- recording ---------------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        if self._open_since is not None:
            raise GraphError("this GradientTape is already recording; a tape cannot be entered twice")
        self._open_since = _next_number()
        for t in self._switched_on.values():  # a persistent tape entered again
            t.requires_grad = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()
        for t in self._switched_on.values():  # constants become constants again, as TF leaves them
            t.requires_grad = False

    def _close(self) -> None:
        if self._open_since is not None:
            self._spans.append((self._open_since, _next_number()))
            self._open_since = None

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Operations inside this block are not recorded on the tape (their gradients stop)."""
        if self._open_since is None:
            raise GraphError("stop_recording() needs a tape that is recording (inside its with block)")
        self._close()
        try:
            yield
        finally:
            self._open_since = _next_number()

    def reset(self) -> None:
        """Forget everything recorded so far (the tape keeps recording if it is)."""
        self._spans.clear()
        if self._open_since is not None:
            self._open_since = _next_number()
        for t in self._switched_on.values():
            t.requires_grad = False
        self._watched.clear()
        self._switched_on.clear()

    def watch(self, tensor: Any) -> None:
        """Differentiate with respect to ``tensor`` (a constant, or a structure of them) too.

        minidl's spelling: ``x.requires_grad_(True)``; the tape switches it back off when its
        block ends."""
        tensors = _flatten(tensor, "watch()")
        for t in tensors:  # all checked before any is watched: a refused call changes nothing
            if t.dtype.kind != "f":
                raise TypeError(f"tape.watch() needs a floating-point tensor, got dtype {t.dtype}; "
                                "cast it first, e.g. tf.cast(x, tf.float32)")
        for t in tensors:
            self._watched[id(t)] = t
            if not t.requires_grad:
                t.requires_grad = True
                self._switched_on[id(t)] = t

    def _recorded(self, fn: Function) -> bool:
        number = fn.number
        if self._open_since is not None and number > self._open_since:
            return True
        return any(start < number < stop for start, stop in self._spans)

    # -- differentiating -----------------------------------------------------------------
    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE) -> Any:
        """d(target)/d(source) for each source, in the structure of ``sources``.

        ``target``: a tensor or a list of them (their gradients add up); a non-scalar target
        is summed (as TF).  ``sources``: a tensor, or a list, tuple or dict of them (nested
        as deep as you like).  A source the target does not depend on gets ``None`` (or
        zeros with ``unconnected_gradients="zero"``).  ``output_gradients`` weighs each
        target (default ones).  Nothing is written into ``.grad``.
        """
        mode_name = getattr(unconnected_gradients, "value", unconnected_gradients)
        if not isinstance(mode_name, str) or mode_name not in [m.value for m in UnconnectedGradients]:
            raise ValueError(f"unconnected_gradients must be 'none' or 'zero' (tf.UnconnectedGradients"
                             f".NONE / .ZERO), got {unconnected_gradients!r}")
        mode = UnconnectedGradients(mode_name)
        if self._used and not self.persistent:
            raise GraphError("A non-persistent GradientTape can only be used to compute one set of "
                             "gradients; create it with tf.GradientTape(persistent=True) to call "
                             "gradient() more than once")
        targets = _flatten(target, "gradient() target")
        flat_sources = _flatten(sources, "gradient() sources")
        if output_gradients is None:
            seeds = [t.xp.ones_like(t.data) for t in targets]
        else:
            weights = [output_gradients] if not isinstance(output_gradients, (list, tuple)) \
                else list(output_gradients)
            if len(weights) != len(targets):
                raise ValueError(f"gradient() got {len(weights)} output_gradients for {len(targets)} targets")
            seeds = [seed_array(w, t) for w, t in zip(weights, targets)]
        self._used = True  # only once the arguments are accepted: a refused call uses nothing up
        float_targets = [(t, s) for t, s in zip(targets, seeds) if t.dtype.kind == "f"]
        arrays = gradient_arrays([t for t, _ in float_targets], [s for _, s in float_targets],
                                 flat_sources, self._recorded)
        results = []
        for source, array in zip(flat_sources, arrays):
            if array is not None and not self._differentiable(source):
                array = None
            if array is None and mode is UnconnectedGradients.ZERO:
                array = source.xp.zeros_like(source.data)
            results.append(None if array is None else Tensor._wrap(array))
        return _unflatten(sources, iter(results))

    def _differentiable(self, source: Tensor) -> bool:
        """Is ``source`` a tensor this tape gives gradients for (watched, or accessed)?"""
        if id(source) in self._watched or source.creator is not None:
            return True
        return self.watch_accessed_variables and source.dtype.kind == "f"


def _flatten(structure: Any, where: str) -> list[Tensor]:
    """The tensors of a tensor or a (nested) list, tuple or dict of them, in order."""
    if isinstance(structure, Tensor):
        return [structure]
    if isinstance(structure, dict):
        return [t for key in structure for t in _flatten(structure[key], where)]
    if isinstance(structure, (list, tuple)):
        return [t for item in structure for t in _flatten(item, where)]
    raise TypeError(f"{where} expects tensors (or a list, tuple or dict of them), got "
                    f"{type(structure).__name__}; make one with tf.constant(...) or tf.Variable(...)")


def _unflatten(structure: Any, values: Iterator[Any]) -> Any:
    """``structure`` with each tensor replaced by the next of ``values``."""
    if isinstance(structure, Tensor):
        return next(values)
    if isinstance(structure, dict):
        return {key: _unflatten(structure[key], values) for key in structure}
    items = [_unflatten(item, values) for item in structure]
    return tuple(items) if isinstance(structure, tuple) else items
