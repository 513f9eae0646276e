"""Whole-column questions about Arrow strings answered from their buffers with numpy, without a pass
that builds new strings: how long each value is, which bytes start and end values, whether a byte
occurs at all. A million values cost milliseconds, so the exact (slower) checks run only on columns
these cannot clear.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def _layout(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data): value i is data[offsets[i]:offsets[i + 1]], zero-copy."""
    if values.null_count:
        raise ValueError("strbuf reads only string arrays without nulls")
    _, offsets_buf, data_buf = values.buffers()
    kind = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=kind)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    return offsets, data


def _chunks(values: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return list(values.chunks) if isinstance(values, pa.ChunkedArray) else [values]


def byte_lengths(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Each value's length in bytes (equal to its length in characters for ASCII values)."""
    return np.concatenate([np.diff(_layout(chunk)[0]) for chunk in _chunks(values)] or [np.empty(0, np.int64)])


def edge_bytes(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last byte of every non-empty value."""
    firsts, lasts = [np.empty(0, np.uint8)], [np.empty(0, np.uint8)]
    for chunk in _chunks(values):
        offsets, data = _layout(chunk)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        firsts.append(data[starts[filled]])
        lasts.append(data[ends[filled] - 1])
    return np.concatenate(firsts), np.concatenate(lasts)


def holds_byte(values: pa.Array | pa.ChunkedArray, byte: int) -> bool:
    """Does any value contain this byte?"""
    for chunk in _chunks(values):
        offsets, data = _layout(chunk)
        if len(chunk) and (data[offsets[0] : offsets[-1]] == byte).any():
            return True
    return False


def byte_table(chars: list[str], *, last: bool) -> np.ndarray:
    """A 256-entry lookup: True for each byte that starts (or, with `last`, ends) one of `chars` in UTF-8."""
    table = np.zeros(256, dtype=bool)
    for char in chars:
        encoded = char.encode("utf-8", "surrogatepass")
        table[encoded[-1] if last else encoded[0]] = True
    return table
