"""Safe extraction of a student's ``handin.tar``.

Standard library only, so the platform bundles ship this file as it is
(``python3 -m kit.intake.archive handin.tar DEST``).

Policy: an archive is checked member by member *before* anything is written. One unsafe
member (an absolute path, ``..``, a link, a device or FIFO, a name that is not UTF-8) rejects
the whole archive: a hand-in made by ``create_tarball.sh`` never contains one. Archives over
the size or member-count limits are rejected too (tar/gzip bombs). Only ``mytorch/`` and
``hw1/`` are extracted; anything else is skipped and mentioned, and caches are dropped.
Extraction then goes through tarfile's own ``data`` filter as a second line of defence.
"""
from __future__ import annotations

import sys
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import List, Optional

KEPT_DIRECTORIES = ("mytorch", "hw1")
SKIPPED_NAMES = {"__pycache__", ".DS_Store", ".ipynb_checkpoints"}


class BadArchive(Exception):
    """The archive cannot be graded; the message says why, in words a student can act on."""


@dataclass
class Limits:
    max_members: int = 2000
    max_total_mb: float = 50.0
    max_member_mb: float = 20.0


@dataclass
class Extracted:
    """What was extracted, and notes worth showing the student (skipped files)."""
    files: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def _unsafe_reason(member: tarfile.TarInfo) -> Optional[str]:
    name = member.name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "a file name that is not valid UTF-8"
    if name.startswith("/") or PurePosixPath(name).is_absolute():
        return "an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "a path going out of the archive ('..')"
    if member.issym() or member.islnk():
        return f"a {'symbolic' if member.issym() else 'hard'} link (to {member.linkname!r})"
    if member.isdev():
        return "a device file or FIFO"
    if not (member.isfile() or member.isdir()):
        return "a special file"
    return None


def _kept_name(name: str) -> Optional[str]:
    """The member's path below the archive root if it belongs to mytorch/ or hw1/, else None."""
    parts = [p for p in PurePosixPath(name).parts if p not in (".", "")]
    if not parts or parts[0] not in KEPT_DIRECTORIES or SKIPPED_NAMES & set(parts):
        return None
    if parts[-1].endswith((".pyc", ".pyo")):
        return None
    return "/".join(parts)


def extract(archive: Path, destination: Path, limits: Limits = Limits()) -> Extracted:
    """Extract the hand-in's mytorch/ and hw1/ into ``destination`` (which must exist).

    Raises BadArchive, having written nothing, when the archive is unreadable or unsafe.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BadArchive(f"{archive.name} is not a file")
    if archive.stat().st_size == 0:
        raise BadArchive("the archive is empty (0 bytes)")
    try:
        tar = tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError, EOFError) as error:
        detail = str(error).splitlines()[0].rstrip(":")
        raise BadArchive(f"not a tar archive ({detail}); make it with ./create_tarball.sh") from None
    with tar:
        members, total, problems = [], 0, []
        try:
            for member in tar:
                if len(members) + len(problems) >= limits.max_members:
                    raise BadArchive(f"too many files in the archive (more than "
                                     f"{limits.max_members}); hand in mytorch/ and hw1/ only")
                reason = _unsafe_reason(member)
                if reason:
                    shown = member.name.encode("utf-8", "backslashreplace").decode("utf-8")
                    problems.append(f"{shown!r}: {reason}")
                    continue
                if member.size > limits.max_member_mb * 2 ** 20:
                    raise BadArchive(f"{member.name} is {member.size / 2 ** 20:.0f} MB, over the "
                                     f"limit of {limits.max_member_mb:g} MB per file")
                total += member.size
                if total > limits.max_total_mb * 2 ** 20:
                    raise BadArchive(f"the archive unpacks to more than {limits.max_total_mb:g} MB")
                members.append(member)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise BadArchive(f"the archive is damaged ({error})") from None
        if problems:
            raise BadArchive("unsafe archive, nothing was extracted: " + "; ".join(problems[:5])
                             + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        if not members:
            raise BadArchive("the archive contains no files")

        result, chosen = Extracted(), []
        skipped = []
        for member in members:
            kept = _kept_name(member.name)
            if kept is None:
                if member.isfile() and not (SKIPPED_NAMES & set(PurePosixPath(member.name).parts)):
                    skipped.append(member.name)
                continue
            member.name = kept
            chosen.append(member)
            if member.isfile():
                result.files.append(kept)
        if skipped:
            result.notes.append(f"ignored {len(skipped)} file(s) outside mytorch/ and hw1/: "
                                + ", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else ""))
        try:
            tar.extractall(destination, members=chosen, filter="data")
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise BadArchive(f"the archive could not be extracted ({error})") from None
    if not (Path(destination) / "mytorch").is_dir():
        raise BadArchive("no mytorch/ directory in the archive; hand in the tar made by "
                         "./create_tarball.sh (mytorch/ and hw1/ at the top level)")
    return result


def main(argv: Optional[List[str]] = None) -> int:
    """``python3 -m kit.intake.archive ARCHIVE DEST``: extract, print why not and exit 1 when refused."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python3 -m kit.intake.archive ARCHIVE DESTINATION", file=sys.stderr)
        return 2
    destination = Path(argv[1])
    destination.mkdir(parents=True, exist_ok=True)
    try:
        extracted = extract(Path(argv[0]), destination)
    except BadArchive as error:
        print(f"Your hand-in could not be graded: {error}")
        return 1
    for note in extracted.notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
