"""First stage of the student process: a machine of its own, then the worker.

    python -I -S confine.py SPEC_JSON -- COMMAND...

Enters new user, mount, pid, network, IPC and UTS namespaces and builds a root file system
holding only what SPEC_JSON lists (``autograder/grader/confinement.py`` writes it):

- ``binds``: [source, path, writable], ``source`` bound at ``path`` (read-only unless writable);
- ``links``: [path, target] symbolic links (``/bin -> usr/bin``);
- ``masks``: installed packages of forbidden libraries, each replaced by a package whose
  import raises ImportError, whatever interpreter or import mechanism asks for it;
- ``tmp_mb``, ``shm_mb``: the sizes of the private ``/tmp`` and ``/dev/shm``;
- ``handin``: [path, mb] or null: the hand-in's directory copied into a file system in memory
  at ``path``, with room for ``mb`` MiB of writes (its own directory is then never written);
- ``memory_mb``, ``memory_exit``: the memory all of COMMAND's processes may use together
  (their proportional resident sizes, 0: no limit); past it they are all killed and this
  process exits with ``memory_exit``;
- ``copies``: [source, path] files copied into the private ``/tmp`` (matplotlib's font cache);
- ``cwd``: where COMMAND starts.

Every other path of the machine is absent, ``/proc`` shows only this process tree, the only
network interface is a loopback that is down, and COMMAND runs as a non-root user of the new
user namespace, so it holds no capability and cannot undo a mount. When COMMAND ends, or this
process is killed, everything COMMAND started dies too. Standard library only; Linux only.
"""
from __future__ import annotations

import ctypes
import glob
import json
import os
import platform
import resource
import shutil
import signal
import sys
import time

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 0x1, 0x2, 0x4, 0x8, 0x20
MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 0x1000, 0x4000, 0x40000, 0x200000
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
# statvfs flags a bind remount must keep in a user namespace (the kernel locks them), as MS_*.
KEPT_FLAGS = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
              os.ST_NOATIME: 0x400, os.ST_NODIRATIME: 0x800, os.ST_RELATIME: MS_RELATIME}
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
DEVICES = ("null", "zero", "full", "random", "urandom")
NOBODY = 65534
SETUP_FAILED = 125
POLL_SECONDS = 0.05             # how often pid 1 measures the memory of the processes
OVER_MEMORY = b"memory"         # what pid 1 reports when it killed them for their memory
BLOCKED = ("raise ImportError('this library is not available to MyTorch hand-ins: mytorch is "
           "written with numpy and the Python standard library only')\n")

libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> None:
    _check(libc.mount(source and source.encode(), target.encode(), kind and kind.encode(),
                      ctypes.c_ulong(flags), data.encode() or None), f"mount {target}")


def remount(path: str, read_only: bool = True, extra: int = MS_NOSUID | MS_NODEV) -> None:
    """Set the mount at ``path`` read-only (or not) with ``extra``, keeping the flags the
    kernel locked in this user namespace."""
    kept = os.statvfs(path).f_flag
    flags = sum(ms for st, ms in KEPT_FLAGS.items() if kept & st) | extra
    mount(None, path, None, MS_REMOUNT | MS_BIND | flags | (MS_RDONLY if read_only else 0))


def pivot_root(new_root: str, put_old: str) -> None:
    number = PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown system call number on {platform.machine()}")
    _check(libc.syscall(ctypes.c_long(number), new_root.encode(), put_old.encode()),
           "pivot_root")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _make_mountpoint(path: str, like: str) -> None:
    """An empty directory or file at ``path`` (in the new root) to mount ``like`` on."""
    if os.path.lexists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.isdir(like):
        os.mkdir(path)
    else:
        _write(path, "")


def enter_namespaces() -> None:
    """New namespaces; this uid (``nobody`` for root) is the only user inside."""
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        os.setgroups([])
    _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET
                        | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid or NOBODY} {uid} 1")
    _write("/proc/self/gid_map", f"{gid or NOBODY} {gid} 1")


def build_root(spec: dict) -> None:
    """Mount the new root at /newroot of a staging tmpfs, with the host at /oldroot; pivot."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k")
    os.makedirs("/tmp/newroot")
    os.makedirs("/tmp/oldroot")
    pivot_root("/tmp", "/tmp/oldroot")
    os.chdir("/")
    mount("tmpfs", "/newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    _devices()
    for path, size in (("/newroot/tmp", spec["tmp_mb"]), ("/newroot/dev/shm", spec["shm_mb"])):
        os.makedirs(path)
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={int(size)}m")
    for source, path, writable in sorted(spec["binds"], key=lambda bind: bind[1]):
        source, target = "/oldroot" + source, "/newroot" + path
        if not os.path.exists(source):
            continue
        _make_mountpoint(target, source)
        mount(source, target, None, MS_BIND | MS_REC)
        remount(target, read_only=not writable)
    if spec.get("handin"):
        _copy_in(*spec["handin"])
    for path, target in spec["links"]:
        if not os.path.lexists("/newroot" + path):
            os.symlink(target, "/newroot" + path)
    _write("/blocked.py", BLOCKED)
    for path in spec["masks"]:
        _mask("/newroot" + path)
    for source, path in spec["copies"]:
        os.makedirs(os.path.dirname("/newroot" + path), exist_ok=True)
        try:
            shutil.copyfile("/oldroot" + source, "/newroot" + path)
        except OSError:                           # a cache: without it, only slower
            pass
    os.makedirs("/newroot/proc", exist_ok=True)
    mount("proc", "/newroot/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    remount("/newroot/dev", extra=MS_NOSUID)
    remount("/newroot")
    _check(libc.umount2(b"/oldroot", MNT_DETACH), "umount /oldroot")
    os.chdir("/newroot")
    pivot_root(".", ".")
    _check(libc.umount2(b".", MNT_DETACH), "umount the staging root")
    os.chdir("/")


def _copy_in(path: str, room_mb: int) -> None:
    """The hand-in at ``path``, copied into a file system in memory with ``room_mb`` to spare."""
    source, target = "/oldroot" + path, "/newroot" + path
    size = sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(source)
               for f in files)
    os.makedirs(target, exist_ok=True)
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
          f"mode=755,size={size // 2 ** 20 + 1 + int(room_mb)}m")
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)


def _mask(path: str) -> None:
    """Replace the package or module at ``path`` by one whose import raises ImportError."""
    if not os.path.lexists(path):
        return
    if os.path.isdir(path):
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16k")
        _write(os.path.join(path, "__init__.py"), BLOCKED)
    else:
        mount("/blocked.py", path, None, MS_BIND)
    remount(path)


def _devices() -> None:
    os.makedirs("/newroot/dev")
    mount("tmpfs", "/newroot/dev", "tmpfs", MS_NOSUID, "mode=755,size=64k")
    for name in DEVICES:
        _write(f"/newroot/dev/{name}", "")
        mount(f"/oldroot/dev/{name}", f"/newroot/dev/{name}", None, MS_BIND)
    os.symlink("/proc/self/fd", "/newroot/dev/fd")
    for number, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{number}", f"/newroot/dev/{name}")


def init(spec: dict, command: list, report: int) -> None:
    """pid 1 of the new pid namespace: build the root, run COMMAND as pid 2 (an init ignores
    the signals it does not handle, so COMMAND must not be one), reap orphans until COMMAND
    ends, write its wait status to ``report``. When this process ends, the kernel kills every
    process left in the namespace."""
    try:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        build_root(spec)
        worker = os.fork()
        if worker == 0:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            os.chdir(spec["cwd"])
            os.execv(command[0], command)
    except BaseException as error:               # noqa: B902 - report, never go on unconfined
        os.write(2, f"confine: {error}\n".encode())
        os._exit(SETUP_FAILED)
    _detach_stdio(os.open("/dev/null", os.O_RDWR))
    budget = int(spec.get("memory_mb") or 0) * 2 ** 20
    while True:
        pid, status = os.waitpid(-1, os.WNOHANG if budget else 0)
        if pid == worker:
            os.write(report, str(status).encode())
            os._exit(0)
        if pid == 0:
            if _resident() > budget:
                os.kill(-1, signal.SIGKILL)       # every process of the namespace but this
                os.waitpid(worker, 0)
                os.write(report, OVER_MEMORY)
                os._exit(0)
            time.sleep(POLL_SECONDS)


def _resident() -> int:
    """Bytes of memory the processes of this namespace other than pid 1 use: their
    proportional set sizes (shared pages counted once), or resident sizes if unavailable."""
    total = 0
    for directory in glob.glob("/proc/[0-9]*"):
        if directory == "/proc/1":
            continue
        try:
            with open(directory + "/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            try:
                with open(directory + "/statm", "rb") as handle:
                    total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                pass                               # ended meanwhile
    return total


def _detach_stdio(devnull: int) -> None:
    """Let go of the grader's pipes: it sees EOF as soon as the worker is gone."""
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)


def exit_as(status: int) -> None:
    """End this process as the wait ``status`` says: its exit code, or its signal."""
    if os.WIFSIGNALED(status):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.WTERMSIG(status) not in (signal.SIGKILL, signal.SIGSTOP):   # those have no handler
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else SETUP_FAILED)


def main(argv: list) -> None:
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: confine.py SPEC_JSON -- COMMAND...")
    spec, command = json.loads(argv[1]), argv[3:]
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        enter_namespaces()
    except OSError as error:
        sys.exit(f"confine: {error}")
    devnull = os.open(os.devnull, os.O_RDWR)      # before the child moves our root
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reading)
        init(spec, command, writing)
    os.close(writing)
    _detach_stdio(devnull)
    _, status = os.waitpid(child, 0)
    reported = os.read(reading, 64)
    if reported == OVER_MEMORY:
        os._exit(int(spec["memory_exit"]))
    exit_as(int(reported) if reported else status)


if __name__ == "__main__":
    main(sys.argv)
