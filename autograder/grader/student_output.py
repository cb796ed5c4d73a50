"""The student process's stderr, as the grader reads it (grader process).

A thread drains it for as long as the process lives. It keeps the last lines for a crash
report and, during a call with live output (Part 3's progress bar), also copies the bytes to
the grader's stderr as they arrive: chunks, not lines, so that a bar redrawn with carriage
returns moves; at most rubric.toml [isolation] output_kb per call.
"""
from __future__ import annotations

import collections
import subprocess
import sys
import threading
import time

from autograder.common.printable import printable
from autograder.grader import confinement


class StudentOutput:
    """The stderr of the student process, one process after another (it is restarted)."""

    def __init__(self) -> None:
        self.tail: collections.deque = collections.deque(maxlen=40)
        self.live = False           # copy it to the grader's stderr (progress bars)
        self.shown = 0              # bytes copied during this call

    def follow(self, process: subprocess.Popen) -> None:
        """Drain a newly started process's stderr from now on."""
        self.tail.clear()
        threading.Thread(target=self._drain, args=(process,), daemon=True).start()

    def begin_call(self, live: bool) -> None:
        """A call starts: a crash report quotes only its output (an earlier call may have been
        a hidden test, whose inputs the student's code could have printed)."""
        self.tail.clear()
        self.live, self.shown = live, 0

    def end_call(self) -> None:
        if self.live:
            time.sleep(0.2)     # let the drain thread pass on the bar's last redraw
        self.live = False

    def last_lines(self, count: int) -> str:
        return "\n".join(list(self.tail)[-count:])

    def _drain(self, process: subprocess.Popen) -> None:
        partial = ""
        allowed = int(confinement.limits()["output_kb"]) * 1024
        for chunk in iter(lambda: process.stderr.read1(1 << 16), b""):
            if self.live:
                self.shown += len(chunk)
                if self.shown <= allowed:
                    echo(chunk)
                elif self.shown - len(chunk) <= allowed:
                    echo(f"\n[the rest of this output is not shown: over {allowed // 1024} KiB "
                         "(rubric.toml [isolation] output_kb)]\n".encode())
            lines = (partial + chunk.decode("utf-8", "replace")).replace("\r", "\n").split("\n")
            partial = lines.pop()[-300:]
            self.tail.extend(line.rstrip()[:300] for line in lines if line.strip())
        if partial.strip():
            self.tail.append(partial.rstrip())


def echo(chunk: bytes) -> None:
    """Write the student's bytes to the grader's stderr: unchanged on a terminal (a progress
    bar redraws itself), with control characters made visible in a log or a pipe."""
    stream = getattr(sys.stderr, "buffer", None)
    try:
        if not sys.stderr.isatty():
            chunk = printable(chunk.decode("utf-8", "replace")).encode("utf-8")
        if stream is not None:
            stream.write(chunk)
        else:
            sys.stderr.write(chunk.decode("utf-8", "replace"))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
