"""Deciding what each column of strings holds: yes/no, integers, numbers, dates or text.

Work is done on each column's distinct values (Arrow's dictionary encoding, in C++), so a million
rows with a few thousand distinct values cost a few thousand parses, and results are spread back
with `take`.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from agent.ingest import strbuf
from agent.ingest.dates import Dates, Undecided, parse_dates
from agent.ingest.numbers import NULL_TOKENS, decimal_evidence, parse_numbers
from agent.ingest.plainnum import MIN_DISTINCT, plain_numbers
from agent.ingest.shapes import cannot_be_dates, cannot_be_numbers

# The kinds a column can get (kept on `LoadedDataset.kinds`; the stored Parquet holds the types).
TEXT, INTEGER, NULLABLE_INTEGER, FLOAT = "str", "int64", "Int64", "float64"
BOOL, NULLABLE_BOOL, DATE, DATE_UTC = "bool", "boolean", "date", "date_utc"
_EVIDENCE_SAMPLE = 2000
_TRUE, _FALSE = frozenset({"true"}), frozenset({"false"})
_MAX_BOOL_DISTINCT = 32
# A big column whose first cells are mostly distinct is typed on its cells, not its distinct values.
_SAMPLE_CELLS, _MOSTLY_DISTINCT_CELLS = 10_000, 100_000
_THREADS = min(4, os.cpu_count() or 1)
_PADDED = re.compile(r"\n\s|\s\n")
# What Python's str.strip() removes (none lies above U+3000), for Arrow, whose notion of space differs.
_SPACE_CHARS = [chr(c) for c in range(0x3001) if chr(c).isspace()]
_SPACES = pa.array(_SPACE_CHARS, pa.large_string())
_SPACE_FIRST, _SPACE_LAST = strbuf.byte_table(_SPACE_CHARS, last=False), strbuf.byte_table(_SPACE_CHARS, last=True)


@dataclass(frozen=True)
class Typed:
    """Typed columns, their storage kinds, the file's decimal mark and notes for the user."""

    frame: pd.DataFrame
    kinds: tuple[tuple[str, str], ...]
    decimal: str
    warnings: tuple[str, ...]
    blank_rows: np.ndarray  # rows whose every cell was empty or spaces (a "-" or "n/a" is not empty)


class _Distinct:
    """A column's distinct values and each cell's code; held in Arrow when the column came that way,
    and turned into Python strings only if a decision needs them (a million ids never do)."""

    def __init__(
        self, codes: np.ndarray, raw: list[str] | None, arrow: pa.Array | pa.ChunkedArray | None, *, cells: bool = False
    ) -> None:
        self.codes = codes
        self._cells = cells  # `arrow` holds every cell, repeats included (see _MOSTLY_DISTINCT)
        self._raw = raw
        self._arrow = arrow
        if arrow is not None:
            self.count = len(arrow)
            self.padded = _padded(arrow)
            self.has_cr = strbuf.holds_byte(arrow, ord("\r"))
        else:
            joined = "\n" + "\n".join(self.raw) + "\n"
            self.count = len(self.raw)
            self.padded = _PADDED.search(joined) is not None
            self.has_cr = "\r" in joined

    @cached_property
    def raw(self) -> list[str]:
        return self._raw if self._raw is not None else self._arrow.to_pylist()  # type: ignore[union-attr]

    @cached_property
    def stripped(self) -> list[str]:
        return [u.strip() for u in self.raw] if self.padded else self.raw

    @property
    def whole(self) -> bool:
        """The values are the cells themselves, in order (no codes to spread them back)."""
        return self._cells

    @property
    def arrow(self) -> pa.Array | pa.ChunkedArray | None:
        """The values in Arrow when none needs stripping, for whole-column shortcuts."""
        return None if self.padded else self._arrow

    def empty(self) -> np.ndarray:
        """Per distinct value: nothing but spaces?"""
        if self.arrow is not None:
            return np.asarray(strbuf.byte_lengths(self.arrow) == 0)
        return np.array([not v for v in self.stripped], dtype=bool)


def _padded(values: pa.Array | pa.ChunkedArray) -> bool:
    """Does some value start or end with a space? (First and last characters looked up: no regex scan.)"""
    first, last = strbuf.edge_bytes(values)
    if not (_SPACE_FIRST[first].any() or _SPACE_LAST[last].any()):
        return False  # no value even starts or ends with a byte a space could start or end with
    for end in (pc.utf8_slice_codeunits(values, 0, 1), pc.utf8_slice_codeunits(values, -1)):
        if pc.any(pc.is_in(end, pc.cast(_SPACES, end.type))).as_py():
            return True
    return False


def type_columns(frame: pd.DataFrame, delimiter: str) -> Typed:
    """Give every string column of `frame` its type; text stays text unless every value agrees.

    Consumes `frame`: each column leaves it when its typing starts, so a big file's strings are freed
    column by column instead of living on beside every typed column.

    Args:
        frame: cells as strings, "" when empty.
        delimiter: the file's delimiter; a comma-separated file without other clues uses decimal points.
    """
    names, rows = [str(c) for c in frame.columns], len(frame)
    comma = dot = 0
    for name in frame.columns:
        c, p = decimal_evidence(_head(frame[name], _EVIDENCE_SAMPLE))
        comma, dot = comma + c, dot + p
    hint = "," if comma > dot else "." if dot > comma or delimiter == "," else None
    # Arrow's kernels let go of the GIL, so columns are typed side by side, one per core.
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        typed = list(pool.map(lambda column: _type_column(column, hint), (frame.pop(c) for c in list(frame.columns))))
    columns: dict[str, pd.Series] = {}
    kinds: list[tuple[str, str]] = []
    warnings: list[str] = []
    used_decimal = hint or "."  # what the file shows; a column that needed "," overrides a guess
    blank = np.ones(rows, dtype=bool)
    for name, (series, kind, note, decimal, empty) in zip(names, typed, strict=True):
        blank &= empty
        columns[name] = series
        kinds.append((name, kind))
        if decimal == ",":
            used_decimal = decimal
        if note:
            warnings.append(f"column {name!r}: {note}")
    # One block per column, as typed: consolidating would copy every number column once more.
    frame = pd.DataFrame(columns, index=pd.RangeIndex(rows), copy=False)
    return Typed(frame, tuple(kinds), used_decimal, tuple(warnings), blank)


def _head(column: pd.Series, n: int) -> list[str]:
    """The column's first `n` distinct values, stripped (what decides a file's decimal mark)."""
    cells = n
    while True:
        seen = column.iloc[:cells].dropna().unique()
        if len(seen) >= n or cells >= len(column):
            return [str(v).strip() for v in seen[:n]]
        cells *= 2


def _type_column(column: pd.Series, hint: str | None) -> tuple[pd.Series, str, str | None, str | None, np.ndarray]:
    """(typed values, storage kind, note, decimal mark used, which cells are empty)."""
    d = _distinct(column)
    return (*_type_one(d, hint), d.empty()[d.codes])


def _distinct(column: pd.Series) -> _Distinct:
    """Distinct values in order of first appearance, and each cell's code."""
    arrow = _arrow_strings(column)
    if arrow is None:
        codes, uniques = pd.factorize(column.astype(object), sort=False)
        raw = [str(u) for u in uniques] if len(uniques) and not isinstance(uniques[0], str) else list(uniques)
        return _Distinct(np.asarray(codes), raw, None)
    if len(arrow) >= _MOSTLY_DISTINCT_CELLS and len(pc.unique(arrow.slice(0, _SAMPLE_CELLS))) * 2 > _SAMPLE_CELLS:
        # Ids and amounts: hashing a million distinct strings would cost more than it saves.
        return _Distinct(np.arange(len(arrow)), None, arrow, cells=True)
    encoded = pc.dictionary_encode(arrow).combine_chunks()
    return _Distinct(encoded.indices.to_numpy(zero_copy_only=False), None, encoded.dictionary)


def _arrow_strings(column: pd.Series) -> pa.ChunkedArray | None:
    """The column as Arrow strings without nulls, or None when it is held otherwise."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray):
        return None
    arrow = pa.chunked_array(pa.array(column.array))
    return arrow if arrow.null_count == 0 else None


def _type_one(d: _Distinct, hint: str | None) -> tuple[pd.Series, str, str | None, str | None]:
    """(typed values, storage kind, note, decimal mark used if numeric)."""
    # Yes/no columns hold a handful of distinct values; skip the check for the rest.
    lowered = {s.lower() for s in d.stripped} - NULL_TOKENS if d.count <= _MAX_BOOL_DISTINCT else set()
    if lowered and lowered <= (_TRUE | _FALSE):
        flags = [True if s.lower() in _TRUE else False if s.lower() in _FALSE else None for s in d.stripped]
        if None in flags:
            return pd.Series(pd.array(flags, dtype="boolean").take(d.codes)), NULLABLE_BOOL, None, None
        return pd.Series(np.array(flags, dtype=bool)[d.codes], copy=False), BOOL, None, None
    # A big text column (names, ids with letters) is ruled out in Arrow before any per-value Python.
    big = d.arrow if d.arrow is not None and d.count >= MIN_DISTINCT else None
    numbers = plain_numbers(d.arrow, hint) if d.arrow is not None else None
    if numbers is None and (big is None or not cannot_be_numbers(big)):
        numbers = parse_numbers(d.stripped, hint)
    if numbers is not None:
        missing = numbers.missing if d.whole else numbers.missing[d.codes]
        values = numbers.values if d.whole else numbers.values[d.codes]
        if numbers.integer and missing.any():
            return pd.Series(pd.arrays.IntegerArray(values, missing)), NULLABLE_INTEGER, numbers.note, numbers.decimal
        # Not copied: the values are this column's own (often Arrow's buffer of the cast, read-only).
        return pd.Series(values, copy=False), INTEGER if numbers.integer else FLOAT, numbers.note, numbers.decimal
    dates = None if big is not None and cannot_be_dates(big) else parse_dates(d.stripped, hint == ",")
    if isinstance(dates, Dates):
        values = pd.Series(dates.values.array.take(d.codes))
        return values, DATE_UTC if dates.utc else DATE, dates.note, None
    note = None
    if isinstance(dates, Undecided):
        note = f"dates like {dates.example!r} could be day-first or month-first, so the column is kept as text"
    return _text(d), TEXT, note, None


def _text(d: _Distinct) -> pd.Series:
    """Each cell's text, missing where it holds nothing but spaces; held in Arrow, as the loader reads
    text back from Parquet (a million distinct names as Python strings would cost more than the rest of
    the column's typing)."""
    if d.arrow is not None and not d.has_cr:
        # Unpadded, so a value is empty exactly when it is "".
        empty = pa.array(strbuf.byte_lengths(d.arrow) == 0)
        values = pc.if_else(empty, pa.scalar(None, d.arrow.type), d.arrow)
    else:
        # Line breaks in a cell are kept as LF, as the CSV storage of earlier releases kept them.
        raw = [r.replace("\r\n", "\n").replace("\r", "\n") for r in d.raw] if d.has_cr else d.raw
        values = pa.array([r if s else None for r, s in zip(raw, d.stripped, strict=True)], pa.large_string())
    held: pd.Series = (values if d.whole else values.take(pa.array(d.codes))).to_pandas()
    return held
