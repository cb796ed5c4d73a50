"""Starting grader processes from the batch and reading what they send.

Graders are forked from a multiprocessing fork server that has preloaded PyTorch & co.
(kit/batch/grade_child.py). Each reports over a one-way pipe; the batch reads it until the
final message or the deadline, then kills the grader's whole process group.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from typing import List, Optional, Tuple

from kit.batch import grade_child
from kit.batch.settings import Interrupted, Settings
from kit.isolation import sandbox

MAX_MESSAGE = 1 << 20


def make_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(grade_child.PRELOAD + ["kit.batch.grade_child"])
    return context


def check_isolation(context, uid: int) -> None:
    """As root, make sure a slot uid can run Python before grading anything."""
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=sandbox.preflight,
                              args=(sending, uid, sandbox.hidden_paths()))
    process.start()
    sending.close()
    answer = receiving.recv_bytes(4096) if receiving.poll(120) else b"no answer"
    receiving.close()
    process.join(5)
    if answer != b"ok":
        raise SystemExit("error: student code cannot run as an unprivileged uid here ("
                         + answer.decode("utf-8", "replace").strip() + "). Install Python where "
                         "other users can run it, or give the grader CAP_SYS_ADMIN.")


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
