"""The profile as compact text, and the cleaning every untrusted value goes through before display.

Cell values and column names come from the user's file and end up in an LLM prompt and a
terminal: control characters (newlines, escape sequences, bidi overrides) are removed so a cell
cannot start a new prompt line or repaint a terminal, `<`, `>` and backticks are swapped for
look-alikes so it cannot close the prompt's tags or fences, and everything is cut short.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd

from agent.ingest.csvread import describe_delimiter
from agent.profile.model import ColumnProfile, DatasetProfile

SAMPLE_CELL_CHARS = 40
TEXT_BUDGET = 3000
_COLUMN_STEPS = (20, 14, 8)
_NAME_CHARS = 60
_TOP_CHARS = 24
_LINE_CHARS = 120
_ROW_CHARS = 200
_OMITTED_CHARS = 400
_NOTE_CHARS = 160
_MAX_NOTES = 6
_SPACES = re.compile(r"\s+")
_EMPTY = "(empty)"
_MARKUP = str.maketrans({"<": "‹", ">": "›", "`": "'"})


def clean(text: str, limit: int) -> str:
    """One line of printable text, at most `limit` characters ("…" marks a cut)."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text[: limit * 4])
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe(text: str, limit: int) -> str:
    """`clean`, and no characters that could close a prompt tag or a code fence."""
    return clean(text.translate(_MARKUP), limit)


def scalar(value: object) -> float | int | str | bool | None:
    """A pandas/numpy value as a plain JSON value; dates as ISO text, non-finite floats as None."""
    if isinstance(value, pd.Timestamp):
        if value.tz is None and value == value.normalize():
            return value.strftime("%Y-%m-%d")
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def number(value: float | int | str | bool | None) -> str:
    """A number for reading: integers whole, others with up to 6 decimals (no digit grouping)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return str(int(value))
    if 1e-4 <= abs(value) < 1e15:
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{value:.6g}"


def profile_text(p: DatasetProfile) -> str:
    """A compact description (about 3 KB at most) for a prompt or a terminal: fewer column details if it runs long."""
    text = ""
    for shown in _COLUMN_STEPS:
        text = _render(p, shown)
        if len(text) <= TEXT_BUDGET:
            break
    return text


def _render(p: DatasetProfile, max_columns: int) -> str:
    lines = [f"{safe(p.name, 80)}: {p.rows:,} rows × {len(p.columns)} columns (DataFrame `{p.var_name}`)"]
    # Typed formats (a workbook, Parquet, JSON) have no delimiter; their encoding names the format.
    read = [f"encoding {p.encoding}", f"{describe_delimiter(p.delimiter)}-separated"] if p.delimiter else [p.encoding]
    if p.decimal != ".":
        read.append(f"decimal mark {p.decimal!r}")
    lines.append("Read as: " + ", ".join(read))
    shown = p.columns[:max_columns]
    lines.append("Columns:")
    lines.extend("- " + _column_line(c) for c in shown)
    if len(p.columns) > len(shown):
        rest = ", ".join(safe(c.name, _NAME_CHARS) for c in p.columns[len(shown) :])
        more = len(p.columns) - len(shown)
        lines.append(f"- … {more} more column(s), details left out: {_cut(rest, _OMITTED_CHARS)}")
    if p.sample_rows:
        lines.append(f"First {len(p.sample_rows)} row(s), values in column order:")
        for row in p.sample_rows:
            cells = (_EMPTY if v is None else safe(v, SAMPLE_CELL_CHARS) for v in row)
            lines.append("  " + _cut(" | ".join(cells), _ROW_CHARS))
    for title, notes in (("Notes from reading the file:", p.warnings), ("Worth checking:", p.suspicious)):
        if notes:
            lines.append(title)
            lines.extend("- " + safe(n, _NOTE_CHARS) for n in notes[:_MAX_NOTES])
            if len(notes) > _MAX_NOTES:
                lines.append(f"- … and {len(notes) - _MAX_NOTES} more")
    return "\n".join(lines)


def _column_line(c: ColumnProfile) -> str:
    facts = [c.dtype]
    if c.nulls:
        facts.append(f"{c.nulls:,} missing")
    facts.append(f"{c.distinct:,} distinct")
    line = f"{safe(c.name, _NAME_CHARS)} ({', '.join(facts)})"
    if c.dtype in ("number", "integer") and c.min is not None:
        line += f": {number(c.min)} to {number(c.max)}"
        if c.mean is not None:
            line += f", mean {number(round(c.mean, 6))}"
    elif c.dtype == "date" and c.min is not None:
        line += f": {c.min} to {c.max}"
    elif c.top:
        line += ": top " + ", ".join(f"{safe(v, _TOP_CHARS)} ({n:,})" for v, n in c.top[:3])
    return _cut(line, _LINE_CHARS)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
