"""The student-to-grader channel carries data only."""
import io

import numpy as np
import pytest

from autograder.common import wire


def roundtrip(message):
    stream = io.BytesIO()
    stream.write(wire.encode(message))
    stream.seek(0)
    return wire.read_message(stream)


def test_arrays_of_every_rank_roundtrip():
    message = {"a": np.array(2.5), "b": np.arange(6.0).reshape(2, 3).T,
               "c": [None, True, 3, "x"], "d": np.array([1, 2], dtype=np.int64)}
    back = roundtrip(message)
    assert back["a"].shape == () and back["a"] == 2.5
    np.testing.assert_array_equal(back["b"], message["b"])
    assert back["c"] == [None, True, 3, "x"]
    assert back["d"].dtype == np.int64


def test_object_arrays_and_unknown_types_are_refused():
    with pytest.raises(wire.WireError):
        wire.encode({"x": np.array([object()], dtype=object)})
    with pytest.raises(wire.WireError):
        wire.encode({"x": object()})


def test_forged_dtype_and_bad_payloads_are_refused():
    with pytest.raises(wire.WireError):
        wire.decode_body(b'{"x": {"__ndarray__": "", "dtype": "object", "shape": [0]}}')
    with pytest.raises(wire.WireError):
        wire.decode_body(b'{"x": {"__ndarray__": "AAAA", "dtype": "float64", "shape": [5]}}')
    with pytest.raises(wire.WireError):
        wire.decode_body(b"not json")


def test_truncated_stream_is_eof():
    data = wire.encode({"x": 1})
    with pytest.raises(EOFError):
        wire.read_message(io.BytesIO(data[:-1]))
