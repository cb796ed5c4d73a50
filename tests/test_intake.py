"""Hand-in formats: .tar, .tar.gz/.tgz and .zip, a wrapping folder, one safety policy for all."""
from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import corpus
from kit.intake import archive
from kit.paths import SOLUTION


zip_of = corpus.zip_of


def wrapped_tar(tree: Path, path: Path, top: str, mode: str = "w") -> None:
    with tarfile.open(path, mode) as tar:
        for name in archive.KEPT_DIRECTORIES:
            tar.add(tree / name, arcname=f"{top}/{name}",
                    filter=lambda info: None if "__pycache__" in info.name else info)
        corpus._add_bytes(tar, f"{top}/README.md", b"notes\n")


def solution_files() -> set:
    return {str(p.relative_to(SOLUTION)) for name in archive.KEPT_DIRECTORIES
            for p in (SOLUTION / name).rglob("*.py") if "__pycache__" not in p.parts}


def extracted(path: Path, tmp_path: Path, limits: archive.Limits = archive.Limits()):
    destination = tmp_path / ("out-" + path.name)
    destination.mkdir()
    return archive.extract(path, destination, limits), destination


@pytest.mark.parametrize("name,mode", [("a.tar", "w"), ("a.tar.gz", "w:gz"), ("a.tgz", "w:gz"),
                                       ("a.tar.bz2.tar", "w:bz2")])
def test_every_tar_compression_is_read(tmp_path, name, mode):
    corpus.tar_of(SOLUTION, tmp_path / name, mode)
    result, destination = extracted(tmp_path / name, tmp_path)
    assert solution_files() <= set(result.files)
    assert (destination / "mytorch/tensor.py").read_bytes() == (SOLUTION / "mytorch/tensor.py").read_bytes()


def test_zip_is_read(tmp_path):
    zip_of(SOLUTION, tmp_path / "a.zip")
    result, destination = extracted(tmp_path / "a.zip", tmp_path)
    assert solution_files() <= set(result.files)
    assert (destination / "hw1/mnist.py").read_bytes() == (SOLUTION / "hw1/mnist.py").read_bytes()
    assert stat.S_IMODE((destination / "hw1/mnist.py").stat().st_mode) == 0o644


@pytest.mark.parametrize("kind", ["tar", "tar.gz", "zip"])
def test_a_single_top_level_folder_is_unwrapped(tmp_path, kind):
    path = tmp_path / f"w.{kind}"
    if kind == "zip":
        zip_of(SOLUTION, path, prefix="mytorch-handout/")
        with zipfile.ZipFile(path, "a") as handle:
            handle.writestr("__MACOSX/mytorch-handout/._tensor.py", b"\0")
    else:
        wrapped_tar(SOLUTION, path, "mytorch-handout", "w:gz" if kind == "tar.gz" else "w")
    result, destination = extracted(path, tmp_path)
    assert solution_files() <= set(result.files)
    assert (destination / "mytorch/__init__.py").is_file()
    assert not (destination / "mytorch-handout").exists()
    assert any("unwrapped the top-level folder mytorch-handout/" in n for n in result.notes)


def test_two_folders_holding_mytorch_are_refused_by_name(tmp_path):
    path = tmp_path / "two.tar"
    with tarfile.open(path, "w") as tar:
        corpus._add_bytes(tar, "a/mytorch/__init__.py")
        corpus._add_bytes(tar, "b/mytorch/__init__.py")
    with pytest.raises(archive.BadArchive, match=r"more than one folder holds a mytorch/ "
                                                 r"\('a/', 'b/'\); hand in one project"):
        extracted(path, tmp_path)


def test_the_wrapper_is_unwrapped_beside_other_top_level_files(tmp_path):
    """A zip of a repository: README.md and .gitignore beside the project folder."""
    path = tmp_path / "repo.zip"
    zip_of(SOLUTION, path, prefix="mytorch-handout/")
    with zipfile.ZipFile(path, "a") as handle:
        handle.writestr("README.md", b"my repo\n")
        handle.writestr("data/notes.txt", b"x\n")
    result, destination = extracted(path, tmp_path)
    assert solution_files() <= set(result.files)
    assert "unwrapped the top-level folder mytorch-handout/" in result.notes[0]
    assert "ignored 2 file(s) outside mytorch/ and hw1/" in result.notes[1]


def _zip_member(handle: zipfile.ZipFile, name: str, data: bytes = b"x = 1\n", mode: int = 0) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = handle.compression
    if mode:
        info.external_attr = mode << 16
    handle.writestr(info, data)


@pytest.mark.parametrize("member,mode,reason", [
    ("../escaped.py", 0, "'..'"),
    ("mytorch/../../escaped.py", 0, "'..'"),
    ("/tmp/escaped_absolute.py", 0, "absolute path"),
    ("mytorch/link.py", stat.S_IFLNK | 0o777, "symbolic link"),
    ("mytorch/fifo", stat.S_IFIFO | 0o644, "device file or FIFO"),
    ("mytorch/sock", stat.S_IFSOCK | 0o644, "special file"),
])
def test_zip_follows_the_tar_rules(tmp_path, member, mode, reason):
    path = tmp_path / "bad.zip"
    zip_of(SOLUTION, path)
    with zipfile.ZipFile(path, "a") as handle:
        _zip_member(handle, member, b"/etc/passwd", mode)
    destination = tmp_path / "out"
    destination.mkdir()
    with pytest.raises(archive.BadArchive, match="nothing was extracted") as error:
        archive.extract(path, destination)
    assert reason in str(error.value)
    assert list(destination.iterdir()) == []
    assert not Path("/tmp/escaped_absolute.py").exists() and not list(tmp_path.rglob("escaped*"))


def test_zip_limits(tmp_path):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as handle:
        for i in range(30):
            _zip_member(handle, f"mytorch/f{i}.py")
    with pytest.raises(archive.BadArchive, match="too many files"):
        extracted(many, tmp_path, archive.Limits(max_members=20))
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as handle:
        _zip_member(handle, "mytorch/__init__.py", b"")
        _zip_member(handle, "mytorch/weights.bin", b"\0" * (30 * 2 ** 20))
    assert bomb.stat().st_size < 2 ** 20
    with pytest.raises(archive.BadArchive, match="over the limit"):
        extracted(bomb, tmp_path)


def test_zip_whose_header_lies_about_the_size_is_stopped(tmp_path):
    """A zip member's real size is counted while it is decompressed."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as handle:
        _zip_member(handle, "mytorch/__init__.py", b"")
        _zip_member(handle, "mytorch/big.bin", b"A" * 4096)
    data = bytearray(path.read_bytes())
    # Patch the central directory's uncompressed size of big.bin (4096 -> 16) only.
    central = data.rindex(b"PK\x01\x02")
    assert data[central + 46:central + 46 + 15] == b"mytorch/big.bin"
    data[central + 24:central + 28] = (16).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(archive.BadArchive):
        extracted(path, tmp_path, archive.Limits(max_total_mb=1 / 1024, max_member_mb=1 / 1024))


def test_not_an_archive(tmp_path):
    path = tmp_path / "homework.zip"
    path.write_bytes(b"%PDF-1.4 my homework\n" * 20)
    with pytest.raises(archive.BadArchive, match="not a tar archive nor a zip"):
        extracted(path, tmp_path)


def test_hand_in_names():
    assert archive.split_suffix("alice.tar.gz") == ("alice", ".tar.gz")
    assert archive.split_suffix("bob.TGZ") == ("bob", ".tgz")
    assert archive.split_suffix("carol.zip") == ("carol", ".zip")
    assert archive.split_suffix("dave.tar") == ("dave", ".tar")
    assert archive.split_suffix(".tar") is None
    assert archive.split_suffix("notes.txt") is None


# ----------------------------------------------------------------- hostile archives, contained
def pax_bomb(path: Path) -> None:
    """A tar whose pax header record has a 200,000-digit length: tarfile's header regular
    expression takes minutes on it (CVE-2024-6232, fixed in 3.11.10 / 3.12.6), then raises."""
    record = b"9" * 200_000 + b" path=x\n"
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, len(record)
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(header, io.BytesIO(record))
        corpus._add_bytes(tar, "mytorch/__init__.py", b"")


def test_an_archive_that_takes_too_long_to_read_is_refused_in_time(tmp_path):
    pax_bomb(tmp_path / "slow.tar")
    started = time.monotonic()
    with pytest.raises(archive.BadArchive, match="took more than 3 s|could not be read"):
        extracted(tmp_path / "slow.tar", tmp_path, archive.Limits(seconds=3))
    assert time.monotonic() - started < 15
    assert os.listdir(tmp_path / "out-slow.tar") == []


def test_the_reader_runs_within_its_memory_limit(tmp_path):
    corpus.tar_of(SOLUTION, tmp_path / "a.tar.gz", "w:gz")
    with pytest.raises(archive.BadArchive, match="could not be read|needed more than 1 MB"):
        extracted(tmp_path / "a.tar.gz", tmp_path, archive.Limits(memory_mb=1))
    assert os.listdir(tmp_path / "out-a.tar.gz") == []


def test_huge_member_names_are_refused_and_shown_short(tmp_path):
    with tarfile.open(tmp_path / "names.tar", "w", format=tarfile.PAX_FORMAT) as tar:
        for index in range(3):
            corpus._add_bytes(tar, f"mytorch/{index}" + "\x1b[2J" + "n" * 1_000_000, b"x")
    with pytest.raises(archive.BadArchive) as refused:
        extracted(tmp_path / "names.tar", tmp_path)
    message = str(refused.value)
    assert "longer than 512 bytes" in message and len(message) < 1000
    assert "\x1b" not in message and "\\x1b" in message


def python_without_the_data_filter() -> str:
    for candidate in ("/usr/bin/python3", "/usr/bin/python3.11"):
        if os.path.exists(candidate) and subprocess.run(
                [candidate, "-c", "import sys, tarfile; sys.exit(hasattr(tarfile, 'data_filter'))"],
                capture_output=True).returncode == 0:
            return candidate
    pytest.skip("every Python here has tarfile's data filter")


def test_tar_extraction_without_the_data_filter(tmp_path, monkeypatch):
    """Python 3.11.0-3.11.3 (Debian 12's 3.11.2) has no tarfile filter: the member checks
    alone decide, and files get plain modes."""
    monkeypatch.setattr(archive.sys, "executable", python_without_the_data_filter())
    tree = corpus.variant(tmp_path, "modes")
    (tree / "mytorch/tensor.py").chmod(0o4777)
    corpus.tar_of(tree, tmp_path / "a.tar")
    result, destination = extracted(tmp_path / "a.tar", tmp_path)
    assert solution_files() <= set(result.files)
    assert stat.S_IMODE((destination / "mytorch/tensor.py").stat().st_mode) == 0o644
    with tarfile.open(tmp_path / "link.tar", "w") as tar:
        corpus._add_bytes(tar, "mytorch/__init__.py", b"")
        link = tarfile.TarInfo("mytorch/evil.py")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(archive.BadArchive, match="symbolic link"):
        extracted(tmp_path / "link.tar", tmp_path)


def test_a_missing_destination_is_made(tmp_path):
    corpus.tar_of(SOLUTION, tmp_path / "a.tar")
    result = archive.extract(tmp_path / "a.tar", tmp_path / "new" / "folder")
    assert solution_files() <= set(result.files)


# ------------------------------------------------------------------ folders (Gradescope uploads)
def project_folder(where: Path, wrapper: str = "") -> Path:
    """The project folder uploaded as ``where``, or inside it as ``where/wrapper``."""
    corpus.project_copy(SOLUTION, where / wrapper if wrapper else where)
    return where


@pytest.mark.parametrize("shape", ["flat", "wrapped", "repository"])
def test_a_folder_is_read_in_every_shape(tmp_path, shape):
    upload = tmp_path / "submission"
    project_folder(upload, "" if shape == "flat" else "mytorch-handout")
    if shape == "repository":                   # a GitHub upload: a README and .git beside
        (upload / "README.md").write_text("# my MyTorch\n")
        for i in range(3000):                   # more than max_members, never listed
            (upload / "mytorch-handout" / ".git" / f"{i:02x}"[:2]).mkdir(parents=True,
                                                                        exist_ok=True)
            (upload / "mytorch-handout" / ".git" / f"{i:02x}"[:2] / str(i)).write_bytes(b"o")
    result, destination = extracted(upload, tmp_path)
    assert solution_files() <= set(result.files)
    assert (destination / "hw1/mnist.py").read_bytes() == (SOLUTION / "hw1/mnist.py").read_bytes()
    assert sorted(os.listdir(destination)) == ["hw1", "mytorch"]
    assert stat.S_IMODE((destination / "mytorch/tensor.py").stat().st_mode) == 0o644
    assert ("unwrapped the top-level folder mytorch-handout/" in " ".join(result.notes)) \
        == (shape != "flat")


@pytest.mark.parametrize("name", ["handin.tar", "handin.tar.gz", "project.zip"])
def test_an_archive_kept_as_a_file_in_the_upload_is_read(tmp_path, name):
    upload = tmp_path / "submission"
    upload.mkdir()
    if name.endswith(".zip"):
        zip_of(SOLUTION, upload / name, prefix="mytorch-handout/")
    else:
        corpus.tar_of(SOLUTION, upload / name, "w:gz" if name.endswith(".gz") else "w")
    (upload / "notes.txt").write_text("hi\n")
    result, _ = extracted(upload, tmp_path)
    assert solution_files() <= set(result.files)


def test_among_several_archives_the_handin_is_chosen_or_the_upload_refused(tmp_path):
    upload = tmp_path / "submission"
    upload.mkdir()
    corpus.tar_of(SOLUTION, upload / "handin.tar")
    corpus.tar_of(SOLUTION, upload / "old.tar")
    assert solution_files() <= set(extracted(upload, tmp_path)[0].files)
    (upload / "handin.tar").rename(upload / "new.tar")
    with pytest.raises(archive.BadArchive, match=r"several archives \('new.tar', 'old.tar'\)"):
        archive.extract(upload, tmp_path / "again")


@pytest.mark.parametrize("link", ["hw1", "mytorch/nn", "mytorch/tensor.py", "mytorch-handout"])
def test_a_folder_with_a_link_in_what_is_graded_is_refused_and_nothing_is_read(tmp_path, link):
    """A link to the grader's files (``hw1`` -> the hidden tests) is never followed."""
    secret = tmp_path / "grader"
    secret.mkdir()
    (secret / "test_hidden.py").write_text("SECRET = 1\n")
    upload = tmp_path / "submission"
    project_folder(upload, "mytorch-handout" if link == "mytorch-handout" else "")
    place = upload / link
    if link == "mytorch-handout":
        shutil.move(str(place), str(tmp_path / "elsewhere"))
        os.symlink(tmp_path / "elsewhere", place)
    else:
        shutil.rmtree(place) if place.is_dir() else place.unlink()
        os.symlink(secret, place)
    destination = tmp_path / "out"
    with pytest.raises(archive.BadArchive) as refused:
        archive.extract(upload, destination)
    assert str(refused.value).startswith(f"unsafe hand-in, nothing was extracted: '{link}': "
                                         "a symbolic link (to ")
    assert not list(destination.rglob("test_hidden.py")) and os.listdir(destination) == []


def test_a_fifo_in_the_folder_is_refused_without_being_opened(tmp_path):
    upload = project_folder(tmp_path / "submission")
    os.mkfifo(upload / "mytorch" / "pipe.py")
    with pytest.raises(archive.BadArchive, match="device file or FIFO"):
        extracted(upload, tmp_path)


def test_an_upload_without_mytorch_says_what_it_holds_and_what_to_upload(tmp_path):
    upload = tmp_path / "submission"
    (upload / "code").mkdir(parents=True)
    (upload / "code" / "tensor.py").write_text("x = 1\n")
    (upload / "answers.pdf").write_bytes(b"%PDF")
    with pytest.raises(archive.BadArchive) as refused:
        extracted(upload, tmp_path)
    assert str(refused.value) == (
        "no mytorch/ folder in the hand-in (it holds 'answers.pdf', 'code'); hand in the "
        "handin.tar made by ./create_tarball.sh, or your project folder with mytorch/ and hw1/")
