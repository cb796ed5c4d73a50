"""The message format between the grader and the student process.

Messages are JSON with numpy arrays embedded as ``{"__ndarray__": base64, "dtype", "shape"}``.
Nothing is unpickled: the student process is untrusted, and decoding its replies must not be
able to run code in the grader. Each message is framed as an 8-byte big-endian length and
that many bytes of UTF-8 JSON.
"""
from __future__ import annotations

import base64
import json
import struct
from typing import Any, BinaryIO

import numpy as np

# Only plain numeric and boolean arrays cross the boundary.
ALLOWED_DTYPES = {"float64", "float32", "int64", "int32", "uint8", "bool"}
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_HEADER = struct.Struct(">Q")


class WireError(Exception):
    """A message that is malformed, too large, or holds a value that may not cross."""


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.name not in ALLOWED_DTYPES:
            raise WireError(f"cannot send an array of dtype {value.dtype}")
        return {"__ndarray__": base64.b64encode(value.tobytes(order="C")).decode("ascii"),
                "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise WireError(f"cannot send a value of type {type(value).__name__}")


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = value.get("dtype")
            if dtype not in ALLOWED_DTYPES:
                raise WireError(f"refusing an array of dtype {dtype!r}")
            shape = tuple(int(n) for n in value["shape"])
            raw = base64.b64decode(value["__ndarray__"], validate=True)
            array = np.frombuffer(raw, dtype=np.dtype(dtype))
            if array.size != int(np.prod(shape)):
                raise WireError("array payload does not match its shape")
            return array.reshape(shape).copy()
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value


def encode(message: Any) -> bytes:
    body = json.dumps(_to_jsonable(message), allow_nan=True).encode("utf-8")
    return _HEADER.pack(len(body)) + body


def decode_body(body: bytes) -> Any:
    try:
        return _from_jsonable(json.loads(body.decode("utf-8")))
    except (ValueError, KeyError, TypeError) as error:
        raise WireError(f"malformed message: {error}") from None


def read_message(stream: BinaryIO) -> Any:
    """Read one framed message from a blocking stream; EOFError when the stream has ended."""
    header = _read_exact(stream, _HEADER.size)
    (length,) = _HEADER.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {length} bytes is over the limit")
    return decode_body(_read_exact(stream, length))


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError("stream ended")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
