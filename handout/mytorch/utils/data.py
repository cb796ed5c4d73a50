"""DataLoader: a dataset in mini-batches, shuffled anew every epoch (Part 5.7)."""
from __future__ import annotations

from typing import Iterator, Optional, Sequence, Tuple, Union

import numpy as np

from mytorch.tensor import Tensor

Batch = Union[Tensor, Tuple[Tensor, ...]]


class DataLoader:
    """Iterate over a dataset in mini-batches, like torch.utils.data.DataLoader.

    Args:
        dataset: an array of N samples (N, ...), or a tuple of such arrays sharing N, e.g.
            (images, labels): sample i is row i of each.
        batch_size: samples per batch. The last batch holds the N % batch_size left over,
            unless ``drop_last``.
        shuffle: visit the samples in a new random order in every epoch (every ``for`` loop
            over the loader); otherwise in order 0, 1, ..., N - 1.
        drop_last: leave the last batch out when it is smaller than batch_size.
        seed: the seed of the loader's own generator, ``np.random.default_rng(seed)``, made
            once: two loaders with the same seed give the same order in their first epochs,
            the same in their second ones, and so on, while successive epochs differ. None
            draws the seed from ``np.random`` (as PyTorch draws it from its global
            generator), so that ``np.random.seed`` makes a run repeatable.

    ``for batch in loader`` yields constant Tensors (no gradient): one per batch for an
    array, a tuple (x, y, ...) for a tuple of arrays. ``len(loader)`` is the number of
    batches per epoch: ceil(N / batch_size), or N // batch_size with drop_last.
    """

    def __init__(self, dataset: Union[np.ndarray, Sequence[np.ndarray]], batch_size: int = 1,
                 shuffle: bool = False, drop_last: bool = False,
                 seed: Optional[int] = None) -> None:
        self.single = not isinstance(dataset, (tuple, list))
        self.arrays = tuple(np.asarray(a) for a in ([dataset] if self.single else dataset))
        sizes = {len(a) for a in self.arrays}
        if len(sizes) != 1:
            raise ValueError(f"DataLoader: the arrays hold different numbers of samples {sizes}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = np.random.default_rng(np.random.randint(2 ** 31) if seed is None
                                               else seed)

    def __len__(self) -> int:
        # TODO: Part 5.7 - implement DataLoader.__len__.
        raise NotImplementedError("DataLoader.__len__ (Part 5.7)")

    def __iter__(self) -> Iterator[Batch]:
        # TODO: Part 5.7 - implement DataLoader.__iter__.
        raise NotImplementedError("DataLoader.__iter__ (Part 5.7)")
