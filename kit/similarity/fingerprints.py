"""Winnowing (Schleimer, Wilkerson and Aiken, 2003, the method behind MOSS) and pair ranking.

Each file's normalised tokens are cut into k-grams (k consecutive tokens); each k-gram is
hashed (blake2b, 8 bytes: the same on every run and process); in every window of ``window``
consecutive hashes the minimum is kept (the rightmost on ties, once). A hand-in's fingerprints
are the kept hashes of its mytorch/ and hw1/ files, minus every k-gram hash of the handout
(code the students were given) and minus fingerprints found in more than ``max_holders``
hand-ins (idioms everyone writes). Any match of at least ``window + k - 1`` tokens is
guaranteed to share a fingerprint.

Pairs are found through an inverted index (fingerprint -> hand-ins holding it), so only pairs
sharing something are ever compared; a pair's score is the shared fraction
|A ∩ B| / min(|A|, |B|).
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from kit.similarity.tokens import normalise

K = 20                  # tokens per k-gram
WINDOW = 12             # so any common run of 31 tokens is found
KEPT_DIRECTORIES = ("mytorch", "hw1")

Position = Tuple[str, int, int]           # file, first line, last line


@dataclass
class Handin:
    name: str
    root: Path                                            # holds mytorch/ and hw1/
    fingerprints: Dict[int, Position] = field(default_factory=dict)
    error: str = ""


def python_files(root: Path) -> List[Path]:
    return sorted(p for name in KEPT_DIRECTORIES if (root / name).is_dir()
                  for p in (root / name).rglob("*.py")
                  if "__pycache__" not in p.parts and p.is_file() and not p.is_symlink())


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def kgram_hashes(tokens: List[Tuple[str, int]], k: int) -> List[int]:
    texts = [t for t, _ in tokens]
    return [int.from_bytes(hashlib.blake2b("\x1f".join(texts[i:i + k]).encode(),
                                           digest_size=8).digest(), "big")
            for i in range(len(texts) - k + 1)]


def winnow(hashes: List[int], window: int) -> List[int]:
    """Indices of the selected hashes: each window's rightmost minimum, each index once."""
    if len(hashes) <= window:
        if not hashes:
            return []
        low = min(hashes)
        return [max(i for i, h in enumerate(hashes) if h == low)]
    chosen, last = [], -1
    for start in range(len(hashes) - window + 1):
        part = hashes[start:start + window]
        low = min(part)
        index = start + window - 1 - part[::-1].index(low)
        if index != last:
            chosen.append(index)
            last = index
    return chosen


def fingerprint_files(files: Iterable[Tuple[str, str]], k: int = K, window: int = WINDOW,
                      everything: bool = False) -> Dict[int, Position]:
    """{hash: where it first occurs} for (name, source) pairs; every k-gram if ``everything``."""
    found: Dict[int, Position] = {}
    for name, source in files:
        tokens = normalise(source)
        hashes = kgram_hashes(tokens, k)
        indices = range(len(hashes)) if everything else winnow(hashes, window)
        for i in indices:
            found.setdefault(hashes[i], (name, tokens[i][1], tokens[i + k - 1][1]))
    return found


def fingerprint_tree(root: Path, k: int = K, window: int = WINDOW,
                     everything: bool = False) -> Dict[int, Position]:
    return fingerprint_files(((p.relative_to(root).as_posix(), read(p))
                              for p in python_files(root)), k, window, everything)


@dataclass
class Pair:
    a: str
    b: str
    shared: int
    size_a: int
    size_b: int

    @property
    def fraction(self) -> float:
        return self.shared / max(1, min(self.size_a, self.size_b))


def rank_pairs(handins: List[Handin], excluded: Set[int], max_holders: Optional[int] = None,
               min_fingerprints: int = 5) -> Tuple[List[Pair], Dict[str, Set[int]]]:
    """Every pair sharing a fingerprint, by shared fraction (highest first); the kept sets."""
    kept = {h.name: set(h.fingerprints) - excluded for h in handins}
    holders: Dict[int, List[int]] = {}
    names = [h.name for h in handins]
    for index, name in enumerate(names):
        for fingerprint in kept[name]:
            holders.setdefault(fingerprint, []).append(index)
    if max_holders is None:
        max_holders = max(10, len(handins) // 10)
    common = {f for f, who in holders.items() if len(who) > max_holders}
    for name in names:
        kept[name] -= common
    counts: Counter = Counter()
    for fingerprint, who in holders.items():
        if 1 < len(who) <= max_holders:
            counts.update(combinations(who, 2))
    pairs = [Pair(names[i], names[j], n, len(kept[names[i]]), len(kept[names[j]]))
             for (i, j), n in counts.items()
             if min(len(kept[names[i]]), len(kept[names[j]])) >= min_fingerprints]
    pairs.sort(key=lambda p: (-p.fraction, -p.shared, p.a, p.b))
    return pairs, kept
