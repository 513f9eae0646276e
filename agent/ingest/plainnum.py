"""Whole-column reading of the plainest number columns (ids, amounts, "$1,234.50"), in Arrow's C++.

`agent.ingest.numbers` decides every column correctly but walks values in Python; on a column of a
million distinct ids or prices that is most of an upload's wait. This module recognises, with one
regular-expression pass over the column's distinct values, the shapes whose reading `parse_numbers`
would settle without doubt, and reads them the same way. Anything else (null words, padding,
grouping that could be a decimal mark, signs other than a leading minus) returns None and takes
the careful path, so results never differ.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from agent.ingest import strbuf
from agent.ingest.numbers import MAX_NUMBER_CHARS, Numbers

# Each shape also matches the empty value (a missing cell), so one pass covers a column with gaps.
_INTEGER = r"^(?:-?(?:0|[1-9][0-9]{0,17}))?$"  # 19+ digits are identifiers to `parse_numbers`
_FLOAT = r"^(?:-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+))?$"
_AMBIGUOUS = r"^[+-]?[0-9]{1,3}[.,][0-9]{3}$"  # "1.234": a decimal or a thousands mark
_DOLLARS = r"^(?:\$(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})*|[1-9][0-9]*)\.[0-9]{2})?$"
# Below this many distinct values the careful path is as fast; the shortcut earns its keep on big columns.
MIN_DISTINCT = 5000
_PROBE = 1000


def plain_numbers(values: pa.Array | pa.ChunkedArray, file_decimal: str | None) -> Numbers | None:
    """The distinct, unpadded cell values of a column read as numbers, or None to decide carefully.

    No null word ("n/a", "-") needs looking for: each shape below holds a digit, which none of them does.
    """
    if len(values) < MIN_DISTINCT:
        return None
    lengths = strbuf.byte_lengths(values)
    missing = lengths == 0
    if missing.all() or lengths.max() > MAX_NUMBER_CHARS:
        return None
    if _all(values, _INTEGER):
        return _numbers(values, missing, pa.int64(), None)
    if file_decimal == ",":
        return None  # a decimal comma file: "1.5" may be a grouped thousand
    if _all(values, _FLOAT) and strbuf.holds_byte(values, ord(".")):
        # Without a point anywhere it is an integer column with an over-long value: an identifier.
        if file_decimal is None and pc.any(pc.match_substring_regex(values, _AMBIGUOUS)).as_py():
            return None
        return _numbers(values, missing, pa.float64(), None)
    if _all(values, _DOLLARS):
        bare = pc.replace_substring(pc.utf8_slice_codeunits(values, 1), ",", "")
        return _numbers(bare, missing, pa.float64(), "the $ sign was removed")
    return None


def _all(values: pa.Array | pa.ChunkedArray, pattern: str) -> bool:
    # The first values usually show a column is of another shape, without a pass over all of it.
    if not pc.all(pc.match_substring_regex(values.slice(0, _PROBE), pattern)).as_py():
        return False
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def _numbers(values: pa.Array | pa.ChunkedArray, missing: np.ndarray, kind: pa.DataType, note: str | None) -> Numbers:
    gaps = bool(missing.any())
    filled = pc.if_else(pa.array(missing), pa.scalar("0"), values) if gaps else values
    out = pc.cast(filled, kind).to_numpy(zero_copy_only=False)
    integer = kind == pa.int64()
    if not integer and gaps:
        out = out.copy()
        out[missing] = np.nan
    return Numbers(out, missing, integer, ".", note)
