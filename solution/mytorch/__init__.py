"""MyTorch: a small deep-learning library with reverse-mode autograd, written in numpy.

Import what you need from its modules, e.g. ``from mytorch.tensor import Tensor`` or
``from mytorch.nn.linear import Linear``.

tensor.py, autograd_engine.py and nn/functional.py use one another; importing tensor.py here,
first, makes them load in the same order whichever module you import. Nothing else is
imported here, so that a mistake in one layer's file breaks only the parts that use it.
"""
from mytorch.tensor import Tensor  # noqa: F401
