"""Einstein summation, ``einsum("ij,jk->ik", a, b)``, as ``torch.einsum`` and ``np.einsum``.

Each operand names its axes with letters; letters shared between operands are
multiplied together, and letters missing from the output are summed over.  The
derivative with respect to one operand is again an einsum: the output gradient G
times the other operands, summed over every letter the operand does not have,

    dL/dA_{subs(A)} = einsum("out, others -> subs(A)", G, others...).

Two things einsum cannot write directly are done by hand: a letter only A has (summed
away in the forward pass, so every element of A gets the same gradient: broadcast),
and a letter A repeats (``"ii->i"``, a diagonal: the gradient goes back onto it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor
from ..backend import result_dtype
from ..errors import ShapeError
from .common import as_tensor
from .elementwise import _xp, astype


class Einsum(Function):
    """Z = einsum(subs_1, ..., subs_n -> out; A_1, ..., A_n);
    dL/dA_i = einsum(out, subs_j (j != i) -> subs_i; G, A_j ...)  (see the module docstring)."""

    def forward(self, *arrays):
        self.arrays = arrays
        return _contract(f"{','.join(self.inputs_subs)}->{self.output}", *arrays)

    def backward(self, g):
        return tuple(self._operand_grad(g, i) if need else None for i, need in enumerate(self.needs_grad))

    def _operand_grad(self, g: Any, i: int) -> Any:
        xp, subs, a = _xp(g), self.inputs_subs[i], self.arrays[i]
        others = [j for j in range(len(self.arrays)) if j != i]
        unique = "".join(dict.fromkeys(subs))  # the letters of A_i, each once, in order
        known = set(self.output).union(*(self.inputs_subs[j] for j in others))
        reachable = "".join(letter for letter in unique if letter in known)
        equation = ",".join([self.output, *(self.inputs_subs[j] for j in others)]) + "->" + reachable
        grad = _contract(equation, g, *(self.arrays[j] for j in others))
        # letters only A_i has: every element had the same weight, so the gradient broadcasts
        size = dict(zip(subs, a.shape))
        size.update(zip(reachable, grad.shape))  # broadcast size-1 axes: the engine sums them back
        grad = grad.reshape([size[x] if x in reachable else 1 for x in unique])
        grad = xp.broadcast_to(grad, [size[x] for x in unique])
        if unique == subs:
            return grad
        # a repeated letter (a diagonal of A_i): the gradient goes onto that diagonal, zeros elsewhere
        full = xp.zeros(a.shape, dtype=grad.dtype)
        places = tuple(xp.arange(a.shape[k]).reshape([-1 if x == letter else 1 for x in unique])
                       for k, letter in enumerate(subs))
        full[places] = grad
        return full


def _contract(equation: str, *arrays: Any) -> Any:
    """einsum on raw arrays; on the CPU NumPy may hand products to BLAS (optimize=True),
    much faster than its plain loop for batched matrix products."""
    xp = _xp(arrays[0])
    return xp.einsum(equation, *arrays, optimize=True) if xp is np else xp.einsum(equation, *arrays)


# ---------------------------------------------------------------- parsing


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """The subscripts of each operand and of the output, with ``...`` replaced by letters
    the equation does not use (so the rest of the code sees letters only)."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum needs an equation string such as 'ij,jk->ik', got {equation!r}")
    equation = equation.replace(" ", "")
    lhs, arrow, out = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum equation {equation!r} names {len(terms)} operands, got {len(shapes)} tensors")
    for term in [*terms, out]:
        if not all(c.isalpha() and c.isascii() for c in term.replace("...", "")):
            raise ValueError(f"einsum subscripts must be letters (and '...'), got {term!r} in {equation!r}")
    spare = iter(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in equation)
    ellipsis_rank = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes) if "..." in t), default=0)
    broadcast = "".join(next(spare) for _ in range(ellipsis_rank))
    subs = []
    for term, shape in zip(terms, shapes):
        letters = len(term.replace("...", ""))
        if "..." in term:
            if len(shape) < letters:
                raise ShapeError(f"einsum operand {term!r} needs at least {letters} dimensions, got shape {shape}")
            term = term.replace("...", broadcast[len(broadcast) - (len(shape) - letters):])
        if len(term) != len(shape):
            raise ShapeError(f"einsum operand {term!r} names {len(term)} axes, but the tensor has shape {shape}")
        subs.append(term)
    if arrow:
        out = out.replace("...", broadcast)
    else:  # implicit output: the broadcast axes, then the letters used once, in alphabetical order
        used = "".join(subs)
        out = broadcast + "".join(sorted(c for c in set(used) if used.count(c) == 1 and c not in broadcast))
    if len(set(out)) != len(out) or not set(out) <= set("".join(subs)):
        raise ValueError(f"einsum output {out!r} of {equation!r} must use each letter once, and only letters "
                         "of the operands")
    return subs, out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: ``einsum("bij,bjk->bik", a, b)`` (batched matmul),
    ``einsum("ij->ji", a)``, ``einsum("i,i->", u, v)``, ``einsum("...ij,jk", x, w)``.
    The operands may also come as one list, as PyTorch allows.  Differentiable in every
    operand."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum needs at least one tensor after the equation")
    tensors = [as_tensor(x) for x in operands]
    subs, out = _parse(equation, [t.shape for t in tensors])
    sizes: dict[str, int] = {}
    for term, t in zip(subs, tensors):
        for letter, n in zip(term, t.shape):
            if sizes.setdefault(letter, n) != n and 1 not in (n, sizes[letter]):
                raise ShapeError(f"einsum {equation!r}: axis {letter!r} has size {sizes[letter]} in one place and "
                                 f"{n} in another (shapes {[t.shape for t in tensors]})")
            sizes[letter] = max(sizes[letter], n)
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = result_dtype(dtype, t.dtype)
    tensors = [t if t.dtype == dtype else astype(t, dtype) for t in tensors]
    try:
        return Einsum.apply(*tensors, inputs_subs=subs, output=out)
    except ValueError as error:  # e.g. a repeated letter on axes of different sizes
        raise ShapeError(f"einsum {equation!r} does not fit shapes {[t.shape for t in tensors]}: {error}") from None
