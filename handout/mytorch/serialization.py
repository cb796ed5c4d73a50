"""Saving and loading a state dict (Part 5.7): ``mytorch.save`` and ``mytorch.load``.

The file is numpy's .npz archive (a zip of one .npy file per array), read back with
``allow_pickle=False``: loading a file never runs code from it, unlike a pickle
(PyTorch's format), which can run anything when it is loaded.
"""
from __future__ import annotations

import os
from typing import Dict, Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]


def save(state: Dict[str, np.ndarray], path: PathLike) -> None:
    """Write ``state`` ({name: numeric array}, e.g. ``model.state_dict()``) to the file
    ``path`` itself (numpy's ``savez`` adds ".npz" to a name without it when given a name,
    not when given an open file). Refuse (ValueError) a value that is not a numeric array:
    numpy would pickle it.
    """
    # TODO: Part 5.7 - implement save.
    raise NotImplementedError("save (Part 5.7)")


def load(path: PathLike) -> Dict[str, np.ndarray]:
    """The {name: array} dict written by ``save``, read with ``allow_pickle=False`` (a file
    holding pickled objects is refused, never unpickled)."""
    # TODO: Part 5.7 - implement load.
    raise NotImplementedError("load (Part 5.7)")
