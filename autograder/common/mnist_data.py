"""MNIST for Part 3 and the benchmarks: load ``data/mnist.npz`` after checking its sha256.

    from autograder.common.mnist_data import load_mnist
    train_x, train_y, val_x, val_y = load_mnist()

The 60,000 training images train; the 10,000 test images are the validation set (there is
no separate test set in this assignment). Images come flattened and scaled to [0, 1] as
float32 (N, 784); labels as int64 (N,). See data/README.md for the provenance.

Used by the grader process (to score the trained model itself), by the student process (to
feed the student's ``mnist()``), and by bench/.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Tuple

import numpy as np

from autograder.common.compat import sha256_file
from autograder.common.paths import DATA_DIR

SHA256 = "39b9b1ffaa0ba4d8995a616551f0966941fe02a3fe79ba4a9db7373db16d53ad"
DEFAULT_PATH = DATA_DIR / "mnist.npz"


class DataError(Exception):
    """The data file is missing or is not the expected MNIST."""


def data_path() -> Path:
    """``$MYTORCH_MNIST`` if set, else data/mnist.npz beside the autograder."""
    return Path(os.environ.get("MYTORCH_MNIST", DEFAULT_PATH))


def verify(path: Path) -> None:
    """Raise DataError unless ``path`` exists and has the published sha256."""
    if not path.is_file():
        raise DataError(f"MNIST not found at {path}; it ships as data/mnist.npz "
                        "(see data/README.md).")
    digest = sha256_file(path)
    if digest != SHA256:
        raise DataError(f"{path} has sha256 {digest}, expected {SHA256}: "
                        "the file is damaged or not the course's MNIST.")


def images(raw: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) as float32 rows (N, 784) scaled to [0, 1]."""
    # uint8 / float32 is float32 already: no second copy (the platforms have 768 MB).
    return (raw.reshape(len(raw), -1) / np.float32(255.0)).astype(np.float32, copy=False)


def load_splits(splits: Tuple[str, ...], path: Path | None = None, raw: bool = False
                ) -> Tuple[np.ndarray, ...]:
    """Images and labels int64 (N,) of each split, "train" (60,000) or "test" (10,000), in
    order; the file is verified and opened once.

    Images as ``images()`` gives them, or the file's uint8 (N, 28, 28) with ``raw=True``.
    """
    path = Path(path) if path is not None else data_path()
    verify(path)
    loaded = []
    with np.load(path) as arrays:
        for split in splits:
            pixels = arrays[f"{split}_images"]
            loaded += [pixels if raw else images(pixels),
                       arrays[f"{split}_labels"].astype(np.int64)]
    return tuple(loaded)


def load_split(split: str, path: Path | None = None, raw: bool = False
               ) -> Tuple[np.ndarray, np.ndarray]:
    """One split, "train" (60,000) or "test" (10,000): (images, labels int64 (N,))."""
    return load_splits((split,), path, raw)


def load_mnist(path: Path | None = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train_x (60000, 784), train_y (60000,), val_x (10000, 784), val_y (10000,))."""
    return load_splits(("train", "test"), path)
