"""Workspace: scratch arrays that a Function reuses from one call to the next.

A training loop calls each layer with the same shapes at every step. Conv2d's im2col arrays
are megabytes, and a fresh array of that size is fresh memory: the operating system maps it
page by page as it is first written, which costs about as much as the copy itself. A
Workspace keeps the arrays a Function gave back and hands them out again for the same
shape and dtype.

Rules: ``take`` an array, use it, ``give_back`` it once nothing reads it any more (for an
array saved for backward: at the end of backward). An array is never handed to two users at
once; an array that is never given back is simply freed by Python.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

Key = Tuple[Tuple[int, ...], np.dtype]


class Workspace:
    """Free arrays by (shape, dtype); ``zeroed`` workspaces hand out arrays created as zeros.

    A zeroed workspace suits a buffer whose users write only some of its entries and need
    the others to stay 0 (the border of a zero-padded image): since every user writes the
    same entries, the rest stay 0 from one use to the next.
    """

    def __init__(self, zeroed: bool = False, keep: int = 2) -> None:
        self.zeroed = zeroed
        self.keep = keep                       # free arrays kept per shape and dtype
        self._free: Dict[Key, List[np.ndarray]] = {}

    def take(self, shape: Tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A free array of this shape and dtype: one given back earlier, or a new one."""
        free = self._free.get((tuple(shape), np.dtype(dtype)))
        if free:
            return free.pop()
        return np.zeros(shape, dtype) if self.zeroed else np.empty(shape, dtype)

    def give_back(self, array: np.ndarray) -> None:
        """Make ``array`` (from ``take``) available again; nothing may use it afterwards."""
        free = self._free.setdefault((array.shape, array.dtype), [])
        if len(free) < self.keep:
            free.append(array)
