"""Ruling a big text column out as numbers or dates with one Arrow pass, before any Python loop.

`parse_numbers` and `parse_dates` accept a column only when every value parses, so one value that
neither could ever read settles the question. These tests are deliberately looser than the
parsers (a value passing them may still be refused later); they only ever say "cannot", and when
they cannot tell, the careful parsers decide as before, so results never differ.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from agent.ingest.numbers import NULL_TOKENS

# A null word ("n/a", "-") says nothing about a column's type, so it passes every test.
_NULL_WORDS = "(?i:^(?:" + "|".join(re.escape(t) for t in sorted(NULL_TOKENS)) + ")$)"
_PROBE = 1000
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
# No value these match is longer than MAX_DATE_CHARS, beyond which `parse_dates` reads nothing.
_DATE_SHAPE = f"^(?:{_ISO}|{_YMD}|{_XY}|{_NAMED})$"


def cannot_be_numbers(values: pa.Array | pa.ChunkedArray) -> bool:
    """Some non-null value holds a character no number `parse_numbers` reads can hold."""
    return _some_not(values, _NUMBER_CHARS)


def cannot_be_dates(values: pa.Array | pa.ChunkedArray) -> bool:
    """Some non-null value has none of the shapes `parse_dates` reads."""
    return _some_not(values, _DATE_SHAPE)


def _some_not(values: pa.Array | pa.ChunkedArray, pattern: str) -> bool:
    # A text column usually shows itself in its first values, so most need no pass over all of it.
    return _some_present_not(values.slice(0, _PROBE), pattern) or _some_present_not(values, pattern)


def _some_present_not(values: pa.Array | pa.ChunkedArray, pattern: str) -> bool:
    return not pc.all(pc.match_substring_regex(values, f"{_NULL_WORDS}|{pattern}")).as_py()
