"""``Parameter``: a tensor that a module learns."""

from __future__ import annotations

from typing import Any

from ..autograd import Tensor


class Parameter(Tensor):
    """A leaf tensor with ``requires_grad=True`` that modules register automatically.

    Optimizers update ``param.data`` in place, so views of it stay valid.
    """

    __slots__ = ("regularizer", "trainable")

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):  # a tensor keeps its dtype (as torch.nn.Parameter(t))
            dtype = data.dtype if dtype is None else dtype
            data = data.data
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, copy=True)
        self.regularizer = None  # a callable w -> penalty Tensor (Keras kernel_regularizer)
        self.trainable = requires_grad

    def __repr__(self) -> str:
        return "Parameter(" + super().__repr__()[len("tensor(") :]
