"""Recognising date columns: ISO, 2024/01/31, 31.01.2024, 01/31/2024, "5 Jan 2024".

A column is a date column only when every non-empty value parses with one format. Day-first and
month-first are told apart by a value that only one of them allows (a day above 12); a dotted
date is day-first by convention. When nothing decides, the column stays text and a warning says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from agent.ingest.numbers import NULL_TOKENS

_TIME = r"(?:[ T](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?")
_YMD = re.compile(r"(?P<y>\d{4})(?P<sep>[/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME)
_XY = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})" + _TIME)
_NAMED = ("%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%y", "%b %d %Y")
_NAMED_SHAPE = re.compile(r"\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4}|[A-Za-z]{3,9} \d{1,2},? \d{4}")
_MIN_YEAR, _MAX_YEAR = 1678, 2261
# The longest date written here ("2024-01-31T12:34:56.123456789+02:00") is 35 characters; a longer
# cell is text, and the cap keeps the patterns cheap on hostile cells.
MAX_DATE_CHARS = 64


@dataclass(frozen=True)
class Dates:
    """A column read as dates: one Timestamp (or NaT) per input value."""

    values: pd.Series
    utc: bool
    note: str | None = None


@dataclass(frozen=True)
class Undecided:
    """Values that are dates but could be day-first or month-first."""

    example: str


def parse_dates(values: Sequence[str], day_first_hint: bool) -> Dates | Undecided | None:
    """Read distinct stripped cell values as dates, or None when they are not all dates.

    Args:
        values: distinct cell values of one column, stripped.
        day_first_hint: the file uses decimal commas (European), so ambiguous dates are day-first.
    """
    present = [v for v in values if v.lower() not in NULL_TOKENS]
    if not present or any(len(v) > MAX_DATE_CHARS for v in present):
        return None
    series = pd.Series(list(values), dtype=object)
    empty = series.str.lower().isin(NULL_TOKENS)
    if all(_ISO.fullmatch(v) for v in present):
        zones = {bool(m.group("tz")) for v in present if (m := _ISO.fullmatch(v))}
        if len(zones) > 1:
            return None
        utc = zones == {True}
        return _finish(series.where(~empty).str.replace(",", ".", regex=False), "ISO8601", empty, utc, None)
    if all(_YMD.fullmatch(v) for v in present):
        iso = series.where(~empty).str.replace(_YMD.pattern, _iso_ymd, regex=True)
        return _finish(iso, "ISO8601", empty, False, None)
    matches = [_XY.fullmatch(v) for v in present]
    if all(matches):
        return _day_month(series, empty, [m for m in matches if m], day_first_hint)
    if all(_NAMED_SHAPE.fullmatch(v) for v in present):
        for fmt in _NAMED:
            found = _finish(series.where(~empty), fmt, empty, False, None)
            if found is not None:
                return found
    return None


def looks_like_date(value: str) -> bool:
    """A cheap, pattern-only test of one value (no parsing): ISO, y/m/d, d/m/y or m/d/y."""
    return len(value) <= MAX_DATE_CHARS and bool(_ISO.fullmatch(value) or _YMD.fullmatch(value) or _XY.fullmatch(value))


def _day_month(
    series: pd.Series, empty: pd.Series, matches: list[re.Match[str]], hint: bool
) -> Dates | Undecided | None:
    day_first = any(int(m.group("a")) > 12 for m in matches)
    month_first = any(int(m.group("b")) > 12 for m in matches)
    note = None
    if day_first == month_first:
        if day_first:
            return None  # 31/12 and 12/31 in one column: not one format
        if matches[0].group("sep") == ".":
            day_first = True
        elif hint:
            day_first = True
            note = f"dates like {matches[0].group(0)!r} were read day-first, as the file uses decimal commas"
        else:
            return Undecided(matches[0].group(0))
    day, month = ("a", "b") if day_first else ("b", "a")

    def iso(m: re.Match[str]) -> str:
        time = f" {m.group('time')}" if m.group("time") else ""
        return f"{m.group('y')}-{int(m.group(month)):02d}-{int(m.group(day)):02d}{time}"

    return _finish(series.where(~empty).str.replace(_XY.pattern, iso, regex=True), "ISO8601", empty, False, note)


def _iso_ymd(m: re.Match[str]) -> str:
    time = f" {m.group('time')}" if m.group("time") else ""
    return f"{m.group('y')}-{int(m.group('m')):02d}-{int(m.group('d')):02d}{time}"


def _finish(text: pd.Series, fmt: str, empty: pd.Series, utc: bool, note: str | None) -> Dates | None:
    # Zero-padded ISO strings: pandas' ISO parser wants two-digit hours.
    text = text.str.replace(r" (\d):", r" 0\1:", regex=True)
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=utc)
    if bool((parsed.isna() & ~empty).any()):
        return None
    years = parsed.dropna().dt.year
    if len(years) and (years.min() < _MIN_YEAR or years.max() > _MAX_YEAR):
        return None  # pandas 2.x (the sandbox) cannot hold such dates in nanoseconds
    return Dates(parsed, utc, note)
