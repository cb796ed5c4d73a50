"""Safe extraction of a student's hand-in, in every shape students upload: ``.tar``,
``.tar.gz``/``.tgz``, ``.zip``, or a folder (Gradescope unpacks an uploaded zip, and a
GitHub/Bitbucket submission arrives as the repository's files), each with or without one
wrapping folder. Every path reads a hand-in through ``extract`` (the batch, Gradescope,
Autolab, grade_local), so they accept and refuse the same hand-ins.

Standard library only, so the platform bundles ship this file as it is
(``python3 -m kit.intake.archive handin.tar DEST``).

The archive is read in a child process (this file, run as a script) with a time and an
address-space limit: a hostile archive (a pax header that sends tarfile's regular expressions
into minutes of work, a decompression bomb) costs that child, never the batch that called.

Policy, the same for every format: an archive is checked member by member *before* anything
is written. One unsafe member (an absolute path, ``..``, a link, a device or FIFO, a name that
is not UTF-8) rejects the whole archive: a hand-in made by ``create_tarball.sh`` never
contains one. Archives over the size or member-count limits are rejected too (tar/gzip/zip
bombs; a zip member's real size is counted while it is decompressed, not taken from its
header). Only ``mytorch/`` and ``hw1/`` are extracted; anything else is skipped and
mentioned, and caches are dropped. When ``mytorch/`` is not at the top but inside exactly one
top-level folder (``mytorch-handout/mytorch/...``), that folder is unwrapped. Tar extraction
then goes through tarfile's own ``data`` filter as a second line of defence; zip members and
a folder's files are written by this module (regular files only, never a link, mode 0644).

A folder is read with the same policy, without following a symbolic link anywhere: a link
among what would be graded (``hw1`` pointing at the grader's files) refuses the hand-in.
Only its top two levels and the ``mytorch/`` and ``hw1/`` below them are read, so a
repository's ``.git`` or data cost nothing. A folder with no ``mytorch/`` but one hand-in
archive at its top (Gradescope keeps an uploaded ``handin.tar`` as a file) is that archive.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import List, Optional, Tuple

KEPT_DIRECTORIES = ("mytorch", "hw1")
SKIPPED_NAMES = {"__pycache__", ".DS_Store", ".ipynb_checkpoints", "__MACOSX"}
# The file names a batch accepts, longest first: "alice.tar.gz" is the hand-in of "alice".
SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


class BadArchive(Exception):
    """The archive cannot be graded; the message says why, in words a student can act on."""


@dataclass
class Limits:
    max_members: int = 2000
    max_total_mb: float = 50.0
    max_member_mb: float = 20.0
    max_name_bytes: int = 512        # a member's whole path
    seconds: float = 60.0            # to read and extract it all (the child process)
    # The reading child's address space: tarfile's and zipfile's needs on one archive, before
    # any student code runs; not the student process's limit (rubric.toml [limits]), which
    # bounds the student's code and may change without touching this.
    memory_mb: int = 1024


@dataclass
class Extracted:
    """What was extracted, and notes worth showing the student (skipped files)."""
    files: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


@dataclass
class Entry:
    """One archive member, whatever the format: its name, kind and size, and the original."""
    name: str
    kind: str                        # file, dir, symlink, hardlink, device, special
    size: int
    linkname: str = ""
    source: object = None            # tarfile.TarInfo or zipfile.ZipInfo


def split_suffix(file_name: str) -> Optional[Tuple[str, str]]:
    """("alice", ".tar.gz") for "alice.tar.gz"; None for a name that is not a hand-in archive."""
    lower = file_name.lower()
    for suffix in SUFFIXES:
        if lower.endswith(suffix) and len(file_name) > len(suffix):
            return file_name[:-len(suffix)], suffix
    return None


def name_as_text(file_name: str) -> str:
    """A file name as text that any UTF-8 store accepts, one to one: a byte that is not UTF-8
    (``os.listdir`` gives it as a lone surrogate) is written ``\\xNN`` and a backslash is
    doubled, so two different names never give the same text."""
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff" else
                   "\\\\" if c == "\\" else c for c in file_name)


def handin_id(file_name: str) -> Optional[str]:
    """The student id of a hand-in file name ("alice" for "alice.tar.gz"), as text; None for
    a name that is not a hand-in archive."""
    split = split_suffix(file_name)
    return None if split is None else name_as_text(split[0])


def shown(name: str, limit: int = 120) -> str:
    """A member name fit for a message: printable, escaped where not UTF-8, cut to ``limit``."""
    text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _unsafe_reason(entry: Entry, limits: Limits) -> Optional[str]:
    name = entry.name
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        return "a file name that is not valid UTF-8"
    if len(encoded) > limits.max_name_bytes:
        return f"a path longer than {limits.max_name_bytes} bytes"
    if name.startswith(("/", "\\")) or PurePosixPath(name).is_absolute() or \
            (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "a path going out of the archive ('..')"
    if entry.kind in ("symlink", "hardlink"):
        kind = "symbolic" if entry.kind == "symlink" else "hard"
        return f"a {kind} link (to {shown(entry.linkname)})"
    if entry.kind == "device":
        return "a device file or FIFO"
    if entry.kind not in ("file", "dir"):
        return "a special file"
    return None


def _tar_entry(member: tarfile.TarInfo) -> Entry:
    kind = ("symlink" if member.issym() else "hardlink" if member.islnk() else
            "device" if member.isdev() else "file" if member.isfile() else
            "dir" if member.isdir() else "special")
    return Entry(member.name, kind, member.size, member.linkname, member)


def _special_kind(mode: int) -> Optional[str]:
    """"symlink", "device" or "special" for a mode that is none of those a hand-in holds."""
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
        return "device"
    return "special" if stat.S_ISSOCK(mode) else None


def _zip_entry(info: zipfile.ZipInfo) -> Entry:
    kind = _special_kind(info.external_attr >> 16) or ("dir" if info.is_dir() else "file")
    # Zips made on Windows may separate folders with backslashes.
    return Entry(info.filename.replace("\\", "/"), kind, info.file_size, "(a zip link)", info)


def _parts(name: str) -> List[str]:
    return [p for p in PurePosixPath(name).parts if p not in (".", "")]


def _wrapper(entries: List[Entry]) -> Optional[str]:
    """The top-level folder to unwrap (``mytorch-handout``): the one that holds ``mytorch/``
    when ``mytorch/`` is not at the top; None when there is none."""
    kept = [_parts(e.name) for e in entries if not SKIPPED_NAMES & set(_parts(e.name))]
    if any(parts[:1] == ["mytorch"] for parts in kept):
        return None
    holders = sorted({parts[0] for parts in kept if parts[1:2] == ["mytorch"]})
    if len(holders) > 1:
        raise BadArchive("more than one folder holds a mytorch/ ("
                         + ", ".join(shown(h + "/") for h in holders[:5])
                         + "); hand in one project")
    return holders[0] if holders else None


def _kept_name(name: str, wrapper: Optional[str]) -> Optional[str]:
    """The member's path below the archive root if it belongs to mytorch/ or hw1/, else None."""
    parts = _parts(name)
    if wrapper is not None and parts[:1] == [wrapper]:
        parts = parts[1:]
    if not parts or parts[0] not in KEPT_DIRECTORIES or SKIPPED_NAMES & set(parts):
        return None
    if parts[-1].endswith((".pyc", ".pyo")):
        return None
    return "/".join(parts)


class _Reader:
    """The archive, opened as tar (any compression) or zip."""

    def __init__(self, archive: Path) -> None:
        self.tar: Optional[tarfile.TarFile] = None
        self.zip: Optional[zipfile.ZipFile] = None
        try:
            if zipfile.is_zipfile(archive) and not tarfile.is_tarfile(archive):
                self.zip = zipfile.ZipFile(archive)
            else:
                self.tar = tarfile.open(archive, "r:*")
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            detail = str(error).splitlines()[0].rstrip(":") if str(error) else type(error).__name__
            raise BadArchive(f"not a tar archive nor a zip ({detail}); make it with "
                             "./create_tarball.sh") from None

    def __enter__(self) -> "_Reader":
        return self

    def __exit__(self, *exc) -> None:
        (self.tar or self.zip).close()

    def entries(self):
        if self.tar is not None:
            for member in self.tar:
                yield _tar_entry(member)
        else:
            for info in self.zip.infolist():
                yield _zip_entry(info)

    def extract(self, chosen: List[Entry], destination: Path, limits: Limits) -> None:
        if self.tar is not None:
            members = []
            for entry in chosen:
                entry.source.name = entry.name
                members.append(entry.source)
            if hasattr(tarfile, "data_filter"):        # PEP 706: 3.10.12+, 3.11.4+
                self.tar.extractall(destination, members=members, filter="data")
            else:       # the checks above already refused links, devices, absolute paths, ..
                self.tar.extractall(destination, members=members)
                for entry in chosen:
                    destination.joinpath(*entry.name.split("/")).chmod(
                        0o755 if entry.kind == "dir" else 0o644)
            return
        _write_files(chosen, destination, limits, lambda entry: self.zip.open(entry.source))


class _Folder:
    """A hand-in uploaded as a folder, read like an archive; no symbolic link is followed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __enter__(self) -> "_Folder":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def entries(self, relative: str = ""):
        """What is at the top, the ``mytorch/`` and ``hw1/`` one level down, and all below them."""
        with os.scandir(self.root / relative if relative else self.root) as listing:
            items = sorted(listing, key=lambda item: item.name)
        for item in items:
            name = f"{relative}/{item.name}" if relative else item.name
            parts = _parts(name)
            if len(parts) == 2 and not set(parts) & set(KEPT_DIRECTORIES):
                continue                # inside another top-level folder: only finds a wrapper
            status = item.stat(follow_symlinks=False)
            kind = _special_kind(status.st_mode) or ("dir" if stat.S_ISDIR(status.st_mode) else
                                                     "file" if stat.S_ISREG(status.st_mode) else
                                                     "special")
            link = os.readlink(item.path) if kind == "symlink" else ""
            yield Entry(name, kind, status.st_size, link, name)
            if kind == "dir" and not SKIPPED_NAMES & set(parts) and \
                    (len(parts) < 2 or set(parts[:2]) & set(KEPT_DIRECTORIES)):
                yield from self.entries(name)

    def extract(self, chosen: List[Entry], destination: Path, limits: Limits) -> None:
        def open_file(entry: Entry):
            handle = os.open(self.root / entry.source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            if not stat.S_ISREG(os.fstat(handle).st_mode):          # changed since it was listed
                os.close(handle)
                raise BadArchive(f"{shown(entry.source)} is not a regular file")
            return os.fdopen(handle, "rb")
        _write_files(chosen, destination, limits, open_file)


def _write_files(chosen: List[Entry], destination: Path, limits: Limits, open_member) -> None:
    """Write ``chosen`` below ``destination`` (mode 0644), reading each file through
    ``open_member(entry)`` and counting its real size against the limits."""
    total = 0
    for entry in chosen:
        target = destination.joinpath(*entry.name.split("/"))
        if entry.kind == "dir":
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with open_member(entry) as source, open(target, "wb") as sink:
            while chunk := source.read(2 ** 16):
                written += len(chunk)
                total += len(chunk)
                if written > limits.max_member_mb * 2 ** 20:
                    raise BadArchive(f"{shown(entry.name)} unpacks to more than the limit of "
                                     f"{limits.max_member_mb:g} MB per file")
                if total > limits.max_total_mb * 2 ** 20:
                    raise BadArchive(f"the archive unpacks to more than {limits.max_total_mb:g} MB")
                sink.write(chunk)
        target.chmod(0o644)


def extract(archive: Path, destination: Path, limits: Limits = Limits(),
            stop: Optional[threading.Event] = None) -> Extracted:
    """Extract the hand-in's mytorch/ and hw1/ into ``destination`` (made if missing);
    ``archive`` is an archive file or a folder (the module's docstring).

    Raises BadArchive, with ``destination`` left as it was, when the archive is unreadable,
    unsafe, or takes more than the limits' time or memory to read (in a child process), and
    at once when ``stop`` is set meanwhile (Ctrl-C in a batch).
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    before = set(os.listdir(destination))
    command = [sys.executable, "-I", str(Path(__file__).resolve()), "--child",
               json.dumps(asdict(limits)), str(Path(archive).resolve()), str(destination.resolve())]
    reply = _read_in_child(command, limits, stop)
    if "bad" in reply:
        for name in set(os.listdir(destination)) - before:      # what the child wrote
            path = destination / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise BadArchive(reply["bad"])
    return Extracted(**reply["ok"])


def _read_in_child(command: List[str], limits: Limits, stop: Optional[threading.Event]) -> dict:
    """Run the reader ``command``; its JSON reply, or {"bad": why} when it gave none in time."""
    reader = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + limits.seconds
    while True:
        try:
            output, _ = reader.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if stop is not None and stop.is_set():
                why = "the batch was stopped while the archive was read"
            elif time.monotonic() > deadline:
                why = f"reading the archive took more than {limits.seconds:g} s"
            else:
                continue
            reader.kill()
            reader.communicate()
            return {"bad": why}
    try:
        return json.loads(output.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):        # no reply: the child died (memory, a signal)
        return {"bad": f"the archive could not be read (its reader ended with "
                       f"{reader.returncode}, within {limits.memory_mb} MB)"}


def _child(limits: Limits, archive: Path, destination: Path) -> int:
    """The child process: limit its own memory, extract, reply with one line of JSON."""
    memory = limits.memory_mb * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        reply = {"ok": asdict(_extract_here(archive, destination, limits))}
    except BadArchive as error:
        reply = {"bad": str(error)}
    except MemoryError:
        reply = {"bad": f"reading the archive needed more than {limits.memory_mb} MB"}
    except Exception as error:          # tarfile and zipfile raise more than they document
        reply = {"bad": f"the archive could not be read ({type(error).__name__}: "
                        f"{str(error)[:200]})"}
    print(json.dumps(reply))
    return 0


def _extract_here(archive: Path, destination: Path, limits: Limits) -> Extracted:
    """``extract``'s work, in this process."""
    archive = Path(archive)
    folder = archive.is_dir()
    what = "hand-in" if folder else "archive"
    if folder:
        inner = _archive_in_folder(archive)
        if inner is not None:
            return _extract_here(inner, destination, limits)
    elif not archive.is_file():
        raise BadArchive(f"{archive.name} is not a file")
    elif archive.stat().st_size == 0:
        raise BadArchive("the archive is empty (0 bytes)")
    with (_Folder(archive) if folder else _Reader(archive)) as reader:
        entries, total, problems = [], 0, []
        try:
            for entry in reader.entries():
                if len(entries) + len(problems) >= limits.max_members:
                    raise BadArchive(f"too many files in the archive (more than "
                                     f"{limits.max_members}); hand in mytorch/ and hw1/ only")
                reason = _unsafe_reason(entry, limits)
                if reason:
                    problems.append(f"{shown(entry.name)}: {reason}")
                    continue
                if entry.size > limits.max_member_mb * 2 ** 20:
                    raise BadArchive(f"{shown(entry.name)} is {entry.size / 2 ** 20:.0f} MB, over the "
                                     f"limit of {limits.max_member_mb:g} MB per file")
                total += entry.size
                if total > limits.max_total_mb * 2 ** 20:
                    raise BadArchive(f"the archive unpacks to more than {limits.max_total_mb:g} MB")
                entries.append(entry)
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise BadArchive(f"the archive is damaged ({str(error)[:200]})") from None
        if problems:
            raise BadArchive(f"unsafe {what}, nothing was extracted: " + "; ".join(problems[:5])
                             + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        if not entries:
            raise BadArchive("the hand-in is empty" if folder else "the archive contains no files")

        wrapper = _wrapper(entries)
        result, chosen, skipped = Extracted(), [], []
        for entry in entries:
            kept = _kept_name(entry.name, wrapper)
            if kept is None:
                if entry.kind == "file" and not (SKIPPED_NAMES & set(_parts(entry.name))):
                    skipped.append(entry.name)
                continue
            entry.name = kept
            chosen.append(entry)
            if entry.kind == "file":
                result.files.append(kept)
        if wrapper is not None:
            result.notes.append(f"unwrapped the top-level folder {wrapper}/")
        if skipped:
            result.notes.append(f"ignored {len(skipped)} file(s) outside mytorch/ and hw1/: "
                                + ", ".join(shown(name) for name in skipped[:5])
                                + (" ..." if len(skipped) > 5 else ""))
        try:
            reader.extract(chosen, Path(destination), limits)
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise BadArchive(f"the archive could not be extracted ({str(error)[:200]})") from None
    if not (Path(destination) / "mytorch").is_dir():
        tops = sorted({_parts(e.name)[0] for e in entries if _parts(e.name)})
        found = ", ".join(shown(top) for top in tops[:8]) + (" ..." if len(tops) > 8 else "")
        raise BadArchive(f"no mytorch/ folder in the {what} (it holds {found}); hand in the "
                         "handin.tar made by "
                         "./create_tarball.sh, or your project folder with mytorch/ and hw1/")
    return result


def _archive_in_folder(folder: Path) -> Optional[Path]:
    """The hand-in archive a folder stands for: when it has no mytorch/ (at its top or one
    level down), its one archive at the top (a ``handin.*`` among several); else None."""
    listing = [p for p in sorted(folder.iterdir()) if p.name not in SKIPPED_NAMES]
    if any(p.name == "mytorch" or (p.is_dir() and not p.is_symlink() and (p / "mytorch").exists())
           for p in listing):
        return None
    archives = [p for p in listing if split_suffix(p.name) and p.is_file() and not p.is_symlink()]
    if len(archives) > 1:
        archives = [p for p in archives if split_suffix(p.name)[0].lower() == "handin"] or archives
    if len(archives) > 1:
        raise BadArchive("the hand-in holds several archives ("
                         + ", ".join(shown(p.name) for p in archives[:5])
                         + "); hand in one handin.tar made by ./create_tarball.sh")
    return archives[0] if archives else None


def main(argv: Optional[List[str]] = None) -> int:
    """``python3 -m kit.intake.archive ARCHIVE DEST``: extract, print why not and exit 1 when refused."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 4 and argv[0] == "--child":
        return _child(Limits(**json.loads(argv[1])), Path(argv[2]), Path(argv[3]))
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
