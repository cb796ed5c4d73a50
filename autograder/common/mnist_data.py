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

import hashlib
import os
from pathlib import Path
from typing import Tuple

import numpy as np

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
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != SHA256:
        raise DataError(f"{path} has sha256 {digest.hexdigest()}, expected {SHA256}: "
                        "the file is damaged or not the course's MNIST.")


def load_mnist(path: Path | None = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train_x (60000, 784), train_y (60000,), val_x (10000, 784), val_y (10000,))."""
    path = Path(path) if path is not None else data_path()
    verify(path)
    with np.load(path) as arrays:
        def images(key: str) -> np.ndarray:
            raw = arrays[key]
            # uint8 / float32 is float32 already: no second copy (the platforms have 768 MB).
            return (raw.reshape(len(raw), -1) / np.float32(255.0)).astype(np.float32, copy=False)
        return (images("train_images"), arrays["train_labels"].astype(np.int64),
                images("test_images"), arrays["test_labels"].astype(np.int64))
