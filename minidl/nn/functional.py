"""``import minidl.nn.functional as F`` (PyTorch's spelling): the same functions as
:mod:`minidl.functional`, where they live."""

from ..functional import *  # noqa: F403
from ..functional import __all__  # noqa: F401
