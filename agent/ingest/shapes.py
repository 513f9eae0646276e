"""Ruling a big text column out as numbers or dates with one Arrow pass, before any Python loop.

`parse_numbers` and `parse_dates` accept a column only when every value parses, so one value that
neither could ever read settles the question. These tests are deliberately looser than the
parsers (a value passing them may still be refused later); they only ever say "cannot", and when
they cannot tell, the careful parsers decide as before, so results never differ.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from agent.ingest.dates import MAX_DATE_CHARS
from agent.ingest.numbers import NULL_TOKENS

_NULL_WORDS = pa.array(sorted(NULL_TOKENS))
# Python's `\d` and `float()` take any Unicode decimal digit; RE2's `\d` is ASCII only.
_DIGIT = r"[0-9\p{Nd}]"
# Every character a value `parse_numbers` reads can hold: digits, marks, signs, currency signs and
# codes, percent, brackets, group spaces and any Unicode space, and the letters of "inf"/"nan".
_NUMBER_CHARS = (
    r"^[0-9\p{Nd}.,eE+\-\x{2212}$€£¥₹₩₽%()'\t\n\x{0b}\x{0c}\r\p{Z}\x{85}\x{1c}-\x{1f}"
    r"USDEURGBPCHFJPYCADAUINiInNfFtTyYaA]*$"
)
# The union of the shapes `parse_dates` tries, as RE2 full matches (see agent.ingest.dates).
_TIME = rf"(?:[ T]{_DIGIT}{{1,2}}:{_DIGIT}{{2}}(?::{_DIGIT}{{2}}(?:\.{_DIGIT}{{1,9}})?)?)?"
_ISO = (
    rf"{_DIGIT}{{4}}-{_DIGIT}{{2}}-{_DIGIT}{{2}}"
    rf"(?:[T ]{_DIGIT}{{2}}:{_DIGIT}{{2}}(?::{_DIGIT}{{2}}(?:[.,]{_DIGIT}{{1,9}})?)?)?"
    rf"(?:Z|[+-]{_DIGIT}{{2}}(?::?{_DIGIT}{{2}})?)?"
)
_YMD = rf"{_DIGIT}{{4}}[/.]{_DIGIT}{{1,2}}[/.]{_DIGIT}{{1,2}}{_TIME}"
_XY = rf"{_DIGIT}{{1,2}}[/.-]{_DIGIT}{{1,2}}[/.-]{_DIGIT}{{4}}{_TIME}"
_NAMED = rf"{_DIGIT}{{1,2}}[ -][A-Za-z]{{3,9}}[ -]{_DIGIT}{{2,4}}|[A-Za-z]{{3,9}} {_DIGIT}{{1,2}},? {_DIGIT}{{4}}"
_DATE_SHAPE = f"^(?:{_ISO}|{_YMD}|{_XY}|{_NAMED})$"


def cannot_be_numbers(values: pa.Array) -> bool:
    """Some non-null value holds a character no number `parse_numbers` reads can hold."""
    present = _present(values)
    return len(present) > 0 and not pc.all(pc.match_substring_regex(present, _NUMBER_CHARS)).as_py()


def cannot_be_dates(values: pa.Array) -> bool:
    """Some non-null value is too long for a date or has none of the shapes `parse_dates` reads."""
    present = _present(values)
    if len(present) == 0:
        return False
    if pc.max(pc.utf8_length(present)).as_py() > MAX_DATE_CHARS:
        return True
    return not pc.all(pc.match_substring_regex(present, _DATE_SHAPE)).as_py()


def _present(values: pa.Array) -> pa.Array:
    return pc.filter(values, pc.invert(pc.is_in(pc.utf8_lower(values), _NULL_WORDS)))
