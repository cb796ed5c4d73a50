"""Python source -> normalised tokens, with Python's own ``tokenize``.

Identifiers become ``I``, numbers ``N``, strings ``S`` (f-strings too); keywords and operators
stay; comments, blank lines, newlines and indentation tokens are dropped. So renaming,
reformatting (line breaks, spacing, parentheses kept) and recommenting change nothing.
"""
from __future__ import annotations

import io
import keyword
import tokenize
from typing import List, Tuple

SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENCODING, tokenize.ENDMARKER}
FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
FSTRING_PARTS = {getattr(tokenize, name, -2) for name in ("FSTRING_MIDDLE", "FSTRING_END")}
KEPT_NAMES = set(keyword.kwlist)


def normalise(source: str) -> List[Tuple[str, int]]:
    """[(token, line)] for ``source``; a file that does not tokenize keeps what came before."""
    found: List[Tuple[str, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = tok.type
            if kind in SKIPPED or kind in FSTRING_PARTS:
                continue
            if kind == tokenize.NAME:
                text = tok.string if tok.string in KEPT_NAMES else "I"
            elif kind == tokenize.NUMBER:
                text = "N"
            elif kind == tokenize.STRING or kind == FSTRING_START:
                text = "S"
            else:
                text = tok.string
            found.append((text, tok.start[0]))
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return found
