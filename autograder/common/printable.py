"""Text that came from a hand-in, made safe to print, store and open in a spreadsheet.

A student's exception message or file name can hold terminal escape sequences (a ``cat`` of
the feedback would clear the screen and print a fake score), other control characters, or
megabytes of text. ``printable`` keeps newlines and tabs, shows every other control character
as ``\\xNN`` (or ``\\uNNNN``), and cuts the text to a length with a note of what was cut.
"""
from __future__ import annotations

import unicodedata
from typing import Optional

KEPT = "\n\t"


def _visible(char: str) -> str:
    if char in KEPT or unicodedata.category(char) not in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, limit: Optional[int] = None) -> str:
    """``text`` with control characters made visible, at most ``limit`` characters long."""
    cut = 0
    if limit is not None and len(text) > limit:
        text, cut = text[:limit], len(text) - limit
    shown = "".join(map(_visible, text))
    return shown + (f" ... ({cut:,} more characters)" if cut else "")

# How much of a hand-in's text a report keeps: one message (a reason, an error) and the
# feedback of one part.
MESSAGE_CHARS = 2_000
FEEDBACK_CHARS = 20_000
