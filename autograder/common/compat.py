"""What differs between the Pythons the kit supports (3.10 to 3.13), each in one place.

Both processes import it (the grader and the student's worker), so it uses the standard
library only, plus ``tomli`` on 3.10, where ``tomllib`` does not exist yet.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from types import FrameType
from typing import Union

if sys.version_info >= (3, 11):
    import tomllib
else:                                           # the same parser, before it joined the stdlib
    import tomli as tomllib

__all__ = ["tomllib", "sha256_file", "qualified_name"]


def sha256_file(path: Union[str, Path]) -> str:
    """The hex sha256 of a file's content, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2 ** 20), b""):
            digest.update(block)
    return digest.hexdigest()


def qualified_name(frame: FrameType) -> str:
    """The qualified name of the function a frame runs ("Sub.backward").

    Python 3.11+ keeps it on the code object; on 3.10 the class is found among the module's
    globals as the one whose attribute holds this code object."""
    code = frame.f_code
    if hasattr(code, "co_qualname"):
        return code.co_qualname
    for owner in list(frame.f_globals.values()):
        if isinstance(owner, type):
            for name, attribute in vars(owner).items():
                function = getattr(attribute, "__func__", attribute)
                if getattr(function, "__code__", None) is code:
                    return f"{owner.__name__}.{name}"
    return code.co_name
