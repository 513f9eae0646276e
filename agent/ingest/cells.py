"""Typing the columns of a frame read from a typed format (a sheet, JSON records, Arrow).

Columns that already hold one type (numbers, dates, booleans) keep it. Columns of text, or of mixed
values, are turned into strings and typed by `agent.ingest.coltypes`, the way a CSV's are, so "1,234"
typed into a sheet or a JSON string "2024-01-31" becomes a number or a date as in a CSV.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agent.ingest.coltypes import type_columns

_TYPE_KINDS: dict[type, str] = {
    bool: "bool",
    np.bool_: "bool",
    int: "number",
    float: "number",
    np.int64: "number",
    np.float64: "number",
    dt.datetime: "datetime",
    dt.date: "datetime",
    pd.Timestamp: "datetime",
}
# Types that only ever mean "no value" (a blank string is checked apart).
_BLANK_TYPES = {str, type(None), type(pd.NA), type(pd.NaT)}


@dataclass(frozen=True)
class Cells:
    """A typed frame and what was noticed while typing it."""

    frame: pd.DataFrame
    warnings: tuple[str, ...]


def type_frame(frame: pd.DataFrame) -> Cells:
    """Keep native column types; read text and mixed columns as a CSV's would be."""
    out: dict[str, pd.Series] = {}
    as_text: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        try:
            native = _native(column)
        except (ValueError, TypeError, OverflowError):  # e.g. dates in several time zones: read as text
            native = None
        if native is None:
            as_text[str(name)] = column.map(text_of).astype(object)
        else:
            out[str(name)] = native
    warnings: tuple[str, ...] = ()
    if as_text:
        typed = type_columns(pd.DataFrame(as_text, index=pd.RangeIndex(len(frame))), ",")
        out.update({str(c): typed.frame[c] for c in typed.frame.columns})
        warnings = typed.warnings
    ordered = pd.DataFrame({str(c): out[str(c)] for c in frame.columns}, index=pd.RangeIndex(len(frame)))
    return Cells(ordered, warnings)


def _native(column: pd.Series) -> pd.Series | None:
    """The column with its own type, or None when it holds text or a mix of kinds."""
    if column.dtype != object and not isinstance(column.dtype, pd.StringDtype):
        return column.reset_index(drop=True)
    raw = column.tolist()
    types = set(map(type, raw))  # by type, not by value: a sheet column has one or two
    if str in types and any(v.__class__ is str and v.strip() for v in raw):
        return None
    kinds = {_TYPE_KINDS.get(t, "other") for t in types - _BLANK_TYPES}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    cleaned = pd.Series([None if v.__class__ is str else v for v in raw], dtype=object)
    if kind == "number":
        return _numbers(cleaned)
    if kind == "datetime":
        return pd.to_datetime(cleaned)
    if kind == "bool":
        flags = [None if _missing(v) else bool(v) for v in raw]
        if None in flags:
            return pd.Series(pd.array(flags, dtype="boolean"))
        return pd.Series(np.array(flags, dtype=bool))
    return None


def _numbers(column: pd.Series) -> pd.Series:
    """Numbers; whole ones as integers (a sheet stores every number as a float), nullable if any is missing."""
    values = pd.to_numeric(column, errors="raise").reset_index(drop=True)
    present = values.dropna()
    if values.dtype.kind == "f" and len(present) and ((present % 1 == 0) & (present.abs() < 2**53)).all():
        return values.astype("Int64") if values.isna().any() else values.astype("int64")
    return values


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def text_of(value: object) -> str:
    """A cell as the text a CSV would hold: "" for missing, 3 for 3.0, JSON for a list or an object."""
    if _missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist(), ensure_ascii=False, default=str)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)
