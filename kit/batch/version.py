"""Versions that decide whether a submission must be graded again: the archive's sha256 and a
hash of the grader (its sources and the batch's part selection)."""
from __future__ import annotations

import hashlib

from kit.batch.settings import Settings
from kit.graderfiles import autograder_files


def without_late_policy(rubric: bytes) -> bytes:
    """The rubric's text without its [late] table (applied at export, not while grading)."""
    kept, skipping = [], False
    for line in rubric.decode("utf-8").splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("["):
            skipping = stripped == "[late]"
        if not skipping:
            kept.append(line)
    return "".join(kept).encode("utf-8")


def grader_version(settings: Settings) -> str:
    """A hash of the autograder's sources (hidden tests only when used) and the part selection."""
    digest = hashlib.sha256()
    for relative, path in autograder_files(settings.hidden).items():
        content = path.read_bytes()
        if relative == "rubric.toml":     # the late policy changes no score: not hashed
            content = without_late_policy(content)
        digest.update(relative.encode() + b"\0" + content + b"\0")
    digest.update(("parts=" + ",".join(p.number for p in settings.parts)
                   + f";hidden={settings.hidden}").encode())
    return digest.hexdigest()[:16]
