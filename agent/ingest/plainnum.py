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

from agent.ingest.numbers import MAX_NUMBER_CHARS, NULL_TOKENS, Numbers

_INTEGER = r"^-?(?:0|[1-9][0-9]{0,17})$"  # 19+ digits are identifiers to `parse_numbers`
_FLOAT = r"^-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+)$"
_AMBIGUOUS = r"^[+-]?[0-9]{1,3}[.,][0-9]{3}$"  # "1.234": a decimal or a thousands mark
_DOLLARS = r"^\$(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})*|[1-9][0-9]*)\.[0-9]{2}$"
_NULL_WORDS = pa.array(sorted(NULL_TOKENS - {""}))
_NULL_CHARS = max(len(t) for t in NULL_TOKENS)
# Below this many distinct values the careful path is as fast; the shortcut earns its keep on big columns.
MIN_DISTINCT = 5000
_PROBE = 1000


def plain_numbers(values: pa.Array, file_decimal: str | None) -> Numbers | None:
    """The distinct, unpadded cell values of a column read as numbers, or None to decide carefully."""
    if len(values) < MIN_DISTINCT:
        return None
    lengths = pc.utf8_length(values)
    # Lower-casing keeps the length, so only values as short as a null word can be one.
    short = pc.filter(values, pc.less_equal(lengths, _NULL_CHARS))
    if pc.any(pc.is_in(pc.utf8_lower(short), _NULL_WORDS)).as_py():
        return None
    missing = pc.equal(values, "")
    present = pc.filter(values, pc.invert(missing))
    if len(present) == 0 or pc.max(lengths).as_py() > MAX_NUMBER_CHARS:
        return None
    if _all(present, _INTEGER):
        return _numbers(values, missing, pa.int64(), None)
    if file_decimal == ",":
        return None  # a decimal comma file: "1.5" may be a grouped thousand
    if _all(present, _FLOAT) and pc.any(pc.match_substring(present, ".")).as_py():
        # Without a point anywhere it is an integer column with an over-long value: an identifier.
        if file_decimal is None and pc.any(pc.match_substring_regex(present, _AMBIGUOUS)).as_py():
            return None
        return _numbers(values, missing, pa.float64(), None)
    if _all(present, _DOLLARS):
        bare = pc.replace_substring(pc.utf8_slice_codeunits(values, 1), ",", "")
        return _numbers(bare, missing, pa.float64(), "the $ sign was removed")
    return None


def _all(values: pa.Array, pattern: str) -> bool:
    # The first values usually show a column is of another shape, without a pass over all of it.
    if not pc.all(pc.match_substring_regex(values.slice(0, _PROBE), pattern)).as_py():
        return False
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def _numbers(values: pa.Array, missing: pa.Array, kind: pa.DataType, note: str | None) -> Numbers:
    gaps = missing.to_numpy(zero_copy_only=False)
    filled = pc.if_else(missing, pa.scalar("0"), values)
    out = pc.cast(filled, kind).to_numpy(zero_copy_only=False)
    integer = kind == pa.int64()
    if not integer:
        out = out.copy()
        out[gaps] = np.nan
    return Numbers(out, gaps, integer, ".", note)
