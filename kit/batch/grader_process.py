"""Starting grader processes from the batch and reading what they send.

Graders are forked from a multiprocessing fork server that has preloaded PyTorch & co.
(kit/batch/grade_child.py). Each reports over a one-way pipe; the batch reads it until the
final message or the deadline, then kills the grader's whole process group.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sys
import time
from typing import List, Optional, Tuple

from autograder.common.paths import WORKER_DIR
from autograder.grader import confinement
from kit.batch import grade_child
from kit.batch.settings import Interrupted, Settings
from kit.isolation import sandbox, scratch

MAX_MESSAGE = 1 << 20


def make_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(grade_child.PRELOAD + ["kit.batch.grade_child"])
    return context


def check_isolation(context, settings: Settings, uid: Optional[int]) -> None:
    """Decide how the batch keeps student code apart (``settings.confine``), before grading.

    As root (``uid``: a leased slot uid), that uid must be able to run Python (or the batch
    stops), and the student
    process runs in namespaces of its own when that uid can create them. Without root, the
    namespaces are the only separation: the batch refuses to grade without them unless
    ``settings.unsafe_no_isolation``.
    """
    if uid is not None:
        why = _root_preflight(context, uid)
    else:
        why = sandbox.confinement_unavailable(str(WORKER_DIR))
    settings.confine = "off" if why else "require"
    if not why:
        return
    if uid is not None:
        print(f"warning: student code runs as slot uids but not in namespaces of its own ({why}):"
              " it can read what the machine lets every user read, and use the network "
              "(docs/isolation.md).", file=sys.stderr)
    elif settings.unsafe_no_isolation:
        print("warning: --unsafe-no-isolation: student code runs under your own uid and sees "
              f"what you can see ({why}).", file=sys.stderr)
    else:
        raise SystemExit(
            f"error: student code cannot be isolated here: not root, and no namespaces ({why}). "
            "Run the batch as root, or on a machine that allows unprivileged user namespaces, "
            "or accept the risk with --unsafe-no-isolation (docs/isolation.md).")


def _root_preflight(context, uid: int) -> str:
    """Check that a slot uid can run Python in the grader's sandbox (else stop the batch);
    return why it cannot be confined there ("" when it can)."""
    probe = scratch.make_dir("bind")
    try:
        launcher = probe / "autograder" / "worker"
        launcher.mkdir(parents=True)
        shutil.copy(WORKER_DIR / confinement.LAUNCHER, launcher)
        for directory in (probe, probe / "autograder", launcher):
            os.chmod(directory, 0o755)
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=sandbox.preflight, args=(
            sending, uid, sandbox.hidden_paths(), str(launcher)))
        process.start()
        sending.close()
        answer = receiving.recv_bytes(4096) if receiving.poll(120) else b"no answer"
        receiving.close()
        process.join(5)
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    report = json.loads(answer) if answer.startswith(b"{") else {"python": answer.decode(
        "utf-8", "replace")}
    if report["python"]:
        raise SystemExit("error: student code cannot run as an unprivileged uid here ("
                         + report["python"].strip() + "). Install Python where other users "
                         "can run it, or give the grader CAP_SYS_ADMIN.")
    return report["confinement"]


def run_grader(job: dict, context, settings: Settings) -> Tuple[List[dict], bool, Optional[int]]:
    """Run the grader process; return its messages, whether it timed out, its exit code."""
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=grade_child.grade, args=(sending, job), daemon=True)
    process.start()
    sending.close()
    deadline = time.monotonic() + settings.wall_seconds
    messages: List[dict] = []
    timed_out = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if settings.stop.is_set():
                raise Interrupted()
            if remaining <= 0:
                timed_out = True
                break
            if not receiving.poll(min(remaining, 1.0)):
                if not process.is_alive() and not receiving.poll(0):
                    break
                continue
            try:
                raw = receiving.recv_bytes(MAX_MESSAGE)
            except (EOFError, OSError):
                break
            try:
                message = json.loads(raw)
            except ValueError:
                break
            if isinstance(message, dict):
                messages.append(message)
                if "done" in message or "grader_error" in message:
                    break
    finally:
        receiving.close()
        if process.pid:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
        process.join(5)
    return messages, timed_out, process.exitcode
