"""Oddities worth a user's (and the model's) attention: empty columns, duplicates, IDs, text that
should be numbers or dates, stray spaces and case variants.

Text checks look at up to a few thousand distinct values from the top of each column, so their
cost does not grow with the row count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from agent.ingest.dates import looks_like_date
from agent.ingest.numbers import NULL_TOKENS, parse_numbers
from agent.profile.model import ColumnProfile

_SAMPLE_ROWS = 100_000
_SAMPLE_VALUES = 2000
_MIN_ROWS_FOR_IDS = 20
_MIN_ROWS_FOR_CONSTANT = 10
_LISTED = 6
_MOSTLY = 0.8
_DIGITS = re.compile(r"\d+")
_EXAMPLE_CHARS = 30


def find_suspicious(frame: pd.DataFrame, columns: Sequence[ColumnProfile]) -> tuple[str, ...]:
    """Short sentences, most important first."""
    rows = len(frame)
    out: list[str] = []
    duplicates = _duplicates(frame, columns)
    if duplicates:
        out.append(f"duplicate rows: {duplicates:,} (rows identical to an earlier row)")
    empty = [c.name for c in columns if rows and c.nulls == rows]
    constant = [c.name for c in columns if rows >= _MIN_ROWS_FOR_CONSTANT and c.distinct == 1]
    if empty:
        out.append(_listing("column {} is empty", "empty columns: {}", empty))
    if constant:
        out.append(_listing("column {} has the same value in every row", "columns with one value only: {}", constant))
    for c in columns:
        name = repr(c.name)
        if c.name in empty:
            continue
        if rows >= 10 and c.nulls * 2 >= rows:
            out.append(f"column {name} is {c.nulls * 100 // rows}% empty")
        if c.dtype == "text":
            out.extend(_text_checks(name, frame[c.name], c, rows))
        elif c.dtype == "integer" and _all_unique(c, rows):
            out.append(f"column {name} looks like IDs (every value is unique)")
    return tuple(out)


def _duplicates(frame: pd.DataFrame, columns: Sequence[ColumnProfile]) -> int:
    """Rows identical to an earlier row."""
    if len(frame) < 2 or any(c.distinct + min(c.nulls, 1) == len(frame) for c in columns):
        return 0  # a column with no value twice (an id) makes every row distinct, without hashing rows
    return int(frame.duplicated().sum())


def _listing(one: str, many: str, names: list[str]) -> str:
    if len(names) == 1:
        return one.format(repr(names[0]))
    shown = ", ".join(repr(n) for n in names[:_LISTED])
    return many.format(shown + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""))


def _all_unique(c: ColumnProfile, rows: int) -> bool:
    return rows >= _MIN_ROWS_FOR_IDS and c.nulls == 0 and c.distinct == rows


def _text_checks(name: str, series: pd.Series, c: ColumnProfile, rows: int) -> list[str]:
    values = [str(v) for v in series.head(_SAMPLE_ROWS).dropna().unique()[:_SAMPLE_VALUES]]
    if not values:
        return []
    out: list[str] = []
    stripped = [v.strip() for v in values]
    codes = all(_DIGITS.fullmatch(v) for v in stripped)
    if codes and any(v.startswith("0") and len(v) > 1 for v in stripped):
        example = next(v for v in stripped if v.startswith("0") and len(v) > 1)
        out.append(f"column {name} holds codes with leading zeros (e.g. {_ex(example)}); it is text so the zeros stay")
    elif _all_unique(c, rows) and sum(" " in v for v in stripped) * 10 < len(stripped):
        out.append(f"column {name} looks like IDs (every value is unique)")
    present = [v for v in stripped if v.lower() not in NULL_TOKENS]
    if present and not codes:
        out.extend(_stored_as_text(name, present))
    padded = next((v for v in values if v != v.strip()), None)
    if padded is not None:
        out.append(f"column {name} has values with spaces at the start or end (e.g. {_ex(padded)})")
    variant = _case_variant(values)
    if variant is not None:
        out.append(
            f"column {name} has values that differ only in case or spacing "
            f"(e.g. {_ex(variant[0])} and {_ex(variant[1])})"
        )
    return out


def _stored_as_text(name: str, present: list[str]) -> list[str]:
    not_numbers = [v for v in present if parse_numbers([v], None) is None]
    share = 1 - len(not_numbers) / len(present)
    if share >= _MOSTLY and not_numbers:
        return [
            f"numbers stored as text in column {name}: {share:.0%} of values are numbers but some are "
            f"not (e.g. {_ex(not_numbers[0])})"
        ]
    if share >= _MOSTLY:
        return [
            f"numbers stored as text in column {name}: the values do not agree on one format "
            f"(e.g. {_ex(present[0])}); convert them before doing arithmetic"
        ]
    not_dates = [v for v in present if not looks_like_date(v)]
    share = 1 - len(not_dates) / len(present)
    if share >= _MOSTLY and not_dates:
        return [
            f"dates stored as text in column {name}: {share:.0%} of values are dates but some are "
            f"not (e.g. {_ex(not_dates[0])})"
        ]
    return []


def _case_variant(values: list[str]) -> tuple[str, str] | None:
    seen: dict[str, str] = {}
    for v in values:
        key = " ".join(v.split()).casefold()
        if key in seen and seen[key] != v:
            return seen[key], v
        seen.setdefault(key, v)
    return None


def _ex(value: str) -> str:
    """A quoted example value, cut short (display code cleans it further)."""
    shown = value if len(value) <= _EXAMPLE_CHARS else value[: _EXAMPLE_CHARS - 1] + "…"
    return repr(shown)
