"""MyTorch: a small deep-learning library with reverse-mode autograd, written in numpy.

Import what you need from its modules, e.g. ``from mytorch.tensor import Tensor`` or
``from mytorch.nn.linear import Linear``.

tensor.py, autograd_engine.py and nn/functional.py use one another; importing tensor.py here,
first, makes them load in the same order whichever module you import. Nothing else is
imported here, so that a mistake in one layer's file breaks only the parts that use it:
``mytorch.save`` and ``mytorch.load`` (serialization.py) are looked up when first used.

``with mytorch.no_grad():`` runs operations without recording a graph, as ``torch.no_grad``.
``mytorch.set_default_dtype(np.float64)`` changes the dtype of new parameters and of tensors
made from Python numbers (float32 by default), as ``torch.set_default_dtype``.
"""
from typing import Any

from mytorch.tensor import Tensor, get_default_dtype, set_default_dtype  # noqa: F401
from mytorch.autograd_engine import is_grad_enabled, no_grad  # noqa: F401  (after tensor)


def __getattr__(name: str) -> Any:
    """``mytorch.save`` and ``mytorch.load``, from serialization.py on first use."""
    if name in ("save", "load"):
        from mytorch import serialization
        return getattr(serialization, name)
    raise AttributeError(f"module 'mytorch' has no attribute {name!r}")
