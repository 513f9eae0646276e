"""From decoded text to a table of strings: delimiter, title lines, header, ragged rows.

The delimiter is chosen by parsing a sample with each candidate and keeping the one that splits
the most rows into the same number of fields. Lines above the header (report titles, blank lines)
are skipped. Every cell stays a string here; `agent.ingest.coltypes` decides what the columns hold.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass

import pandas as pd

from agent.errors import DatasetError
from agent.ingest.fastcsv import read_strings
from agent.ingest.text import Text

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE_CHARS = 1 << 16
# Typing and profiling cost grows with every column; a wider file is refused before that work.
MAX_COLUMNS = 2000
_SAMPLE_ROWS = 200
_MAX_TITLE_LINES = 20
_FEW_TITLE_LINES = 3
_UNUSED = ("\x1f", "\x1e", "\x1d")  # ASCII unit/record/group separators
_NUMBER = re.compile(r"^\s*[+-]?(\d+([.,]\d+)?|[.,]\d+)\s*$")
csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class Table:
    """Cells as strings ("" when empty) under clean, unique column names."""

    frame: pd.DataFrame
    delimiter: str
    skipped_lines: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Shape:
    delimiter: str
    header: int  # index of the header record in the sample
    skipped_lines: int  # physical lines above the header
    width: int  # widest record in the sample
    header_width: int
    ragged: bool
    score: float


def read_table(name: str, source: Text) -> Table:
    """Split CSV text into a string DataFrame with a cleaned header.

    Raises:
        DatasetError: no rows under the header.
    """
    if source.head(1) == "\ufeff":
        source = source.after(1)
    head = source.head(_SAMPLE_CHARS + 1)  # one more than the sample: is there text past it?
    shape = _sniff(head, source)
    rest = source.after(_line_chars(head, shape.skipped_lines)) if shape.skipped_lines else source
    if shape.width > MAX_COLUMNS:
        _refuse_wide(name, max(shape.width, _header_width(rest.text, shape.delimiter)))
    warnings: list[str] = []
    if shape.skipped_lines:
        s = "" if shape.skipped_lines == 1 else "s"
        warnings.append(f"skipped {shape.skipped_lines} line{s} above the header (a title or notes)")
    raw = _read_frame(rest, shape, warnings)
    if raw.shape[1] > MAX_COLUMNS:  # wider than the sample showed (a very long header line)
        _refuse_wide(name, raw.shape[1])
    header = [str(v) for v in raw.iloc[0].tolist()] if len(raw) else []
    data = raw.iloc[1:]
    if header and all(_NUMBER.match(h) for h in header[: shape.header_width]):
        warnings.append(
            "the first row holds numbers, not column names, so it is kept as data "
            "and the columns are named column_1, column_2, …"
        )
        header, data = [""] * len(header), raw
    data = data.reset_index(drop=True)
    names = _clean_names(header, warnings)
    data.columns = pd.Index(names)
    keep = [c for i, c in enumerate(names) if header[i].strip() or (data[c] != "").any()]
    data = data[keep]
    kept = set(keep)
    unnamed = [c for i, c in enumerate(names) if not header[i].strip() and c in kept]
    extra = [c for i, c in enumerate(names) if i >= shape.header_width and c in kept]
    if extra and len(extra) < len(keep):
        warnings.append("the values past the last header column are in " + ", ".join(extra[:5]))
    unnamed = [c for c in unnamed if c not in extra]
    if unnamed and len(unnamed) < len(keep):
        warnings.append("named columns with no header: " + ", ".join(unnamed[:5]))
    if not len(keep):
        raise DatasetError(f"{name} has no columns; export the data again as CSV with a header row.")
    if data.empty:
        raise DatasetError(f"{name} has a header but no rows; export it again with the data rows included.")
    delimiter = shape.delimiter if shape.delimiter in DELIMITERS else ","
    return Table(data, delimiter, shape.skipped_lines, tuple(warnings))


def _header_width(rest: str, delimiter: str) -> int:
    """Fields in the header record, read in full (the sample may cut a very long header line)."""
    try:
        return len(next(csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter, strict=False), []))
    except csv.Error:
        return 0


def _refuse_wide(name: str, width: int) -> None:
    raise DatasetError(
        f"{name} has {width:,} columns, more than the {MAX_COLUMNS:,} this bot reads; keep the columns "
        "you need (or split the file by columns) and upload again."
    )


def _sample_records(head: str, delimiter: str) -> list[tuple[list[str], int]]:
    """(record, physical line where it ends) for the first records of the text (`head`: its start)."""
    sample = head[:_SAMPLE_CHARS]
    truncated = len(head) > _SAMPLE_CHARS
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
    out: list[tuple[list[str], int]] = []
    try:
        for row in reader:
            out.append((row, reader.line_num))
            if len(out) >= _SAMPLE_ROWS:
                truncated = False
                break
    except csv.Error:
        pass
    if truncated and len(out) > 1:
        out.pop()  # may be cut in the middle
    return out


def _sniff(head: str, source: Text) -> _Shape:
    best: _Shape | None = None
    for delimiter in DELIMITERS:
        shape = _score(_sample_records(head, delimiter), delimiter)
        if shape is not None and (best is None or (shape.score, shape.width) > (best.score, best.width)):
            best = shape
    if best is None:  # one column: split on a character the text does not hold
        split = next((c for c in _UNUSED if not source.holds(c)), ",")
        records = _sample_records(head, split)
        first = next((i for i, (r, _) in enumerate(records) if any(f.strip() for f in r)), 0)
        skipped = records[first - 1][1] if first else 0
        widths = [len(r) for r, _ in records[first:] if r] or [1]
        return _Shape(split, first, skipped, max(widths), widths[0], len(set(widths)) > 1, 0)
    return best


def _score(records: list[tuple[list[str], int]], delimiter: str) -> _Shape | None:
    rows = [(i, len(r), sum(1 for f in r if f.strip())) for i, (r, _) in enumerate(records)]
    rows = [row for row in rows if row[2]]
    counts = [n for _, n, _ in rows if n >= 2]
    if not counts:
        return None
    mode = max(set(counts), key=lambda n: (counts.count(n), n))
    header = next((i for i, n, filled in rows if filled >= 2 and n >= mode - 1), None)
    if header is None or header > _MAX_TITLE_LINES:
        return None
    titles = sum(1 for i, _, _ in rows if i < header)
    below = sum(1 for i, _, _ in rows if i > header)
    if header > 0 and not _plausible_header(records[header][0], titles, below):
        return None  # e.g. one column whose later values hold this delimiter
    after = [n for i, n, _ in rows if i >= header]
    matches = sum(1 for n in after if n == mode)
    mismatches = len(after) - matches
    if titles and mismatches >= matches:
        return None  # a "header" under titles that most rows disagree with: not this delimiter
    # Per record, so a delimiter that breaks quoted newlines into extra records gains nothing;
    # title lines count double against it: most files have none.
    score = (matches - mismatches - 2 * titles) / len(rows)
    skipped = records[header - 1][1] if header else 0
    header_width = len(records[header][0])
    ragged = any(n != header_width for n in after[1:])
    return _Shape(delimiter, header, skipped, max(after), header_width, ragged, score)


def _plausible_header(fields: list[str], titles: int, below: int) -> bool:
    """A header found below title lines names columns (no numbers) and has rows under it; a long
    "title" above a short table is more likely the first rows of a one-column file."""
    if below == 0 or (titles > _FEW_TITLE_LINES and below < titles):
        return False
    return not any(_NUMBER.match(f) for f in fields if f.strip())


def _line_chars(head: str, lines: int) -> int:
    """How many characters the first `lines` lines take (all of them lie in the sample `head`)."""
    stream = io.StringIO(head, newline="")
    return sum(len(stream.readline()) for _ in range(lines))


def _read_frame(rest: Text, shape: _Shape, warnings: list[str]) -> pd.DataFrame:
    if not shape.ragged:
        fast = read_strings(rest, shape.delimiter, shape.width)
        if fast is not None:
            return fast
        try:
            return _pandas(rest.text, shape.delimiter, shape.width, quoted=True)
        except pd.errors.ParserError:
            pass  # a longer row further down: count the fields properly
    text = rest.text
    counts = _field_counts(text, shape.delimiter)
    width = max([shape.width, *counts])
    _ragged_warnings(counts, warnings)
    try:
        return _pandas(text, shape.delimiter, width, quoted=True)
    except pd.errors.ParserError:
        warnings.append("a quote mark was never closed, so quote marks were read as plain text")
        return _pandas(text, shape.delimiter, max(width, _max_unquoted(text, shape.delimiter)), quoted=False)


def _pandas(text: str, delimiter: str, width: int, *, quoted: bool) -> pd.DataFrame:
    with warnings.catch_warnings():
        # pandas warns (and drops values) on a row longer than `names`: treat it as the error it is.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return _read_csv(text, delimiter, width, quoted=quoted)
        except pd.errors.ParserWarning as exc:
            raise pd.errors.ParserError(str(exc)) from None


def _read_csv(text: str, delimiter: str, width: int, *, quoted: bool) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        header=None,
        names=list(range(max(width, 1))),
        dtype=str,
        na_filter=False,
        keep_default_na=False,
        skip_blank_lines=True,
        engine="c",
        index_col=False,
        quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
    )


def _field_counts(text: str, delimiter: str) -> list[int]:
    """Fields per non-blank record, header first (a full pass; only for files that look ragged)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        return [len(row) for row in reader if row]
    except csv.Error:
        return []


def _max_unquoted(text: str, delimiter: str) -> int:
    return max((line.count(delimiter) + 1 for line in text.splitlines()), default=1)


def _ragged_warnings(counts: list[int], warnings: list[str]) -> None:
    if not counts:
        return
    header, rows = counts[0], counts[1:]
    short = [i for i, n in enumerate(rows, 1) if n < header]
    long = [i for i, n in enumerate(rows, 1) if n > header]
    if short:
        warnings.append(
            f"{len(short)} row(s) had fewer values than the header (first: row {short[0]}); "
            "the missing values are empty"
        )
    if long:
        warnings.append(f"{len(long)} row(s) had more values than the header (first: row {long[0]})")


def _clean_names(header: list[str], warnings: list[str]) -> list[str]:
    """Whitespace collapsed, blanks named `column_N`, duplicates suffixed `_2`, `_3`…"""
    names: list[str] = []
    taken: set[str] = set()
    renamed: list[str] = []
    # Suffixes below a base's last one are all taken (`taken` only grows), so each search resumes
    # there: "a,a,a,…" costs one try per column instead of one per earlier duplicate.
    next_suffix: dict[str, int] = {}
    for index, raw in enumerate(header):
        base = " ".join(raw.replace("\ufeff", "").split()) or f"column_{index + 1}"
        name = base
        if name in taken:
            n = next_suffix.get(base, 2)
            while (name := f"{base}_{n}") in taken:
                n += 1
            next_suffix[base] = n + 1
        if name != base:
            renamed.append(f"{base!r} → {name!r}")
        taken.add(name)
        names.append(name)
    if renamed:
        warnings.append("renamed duplicate columns: " + ", ".join(renamed[:5]))
    return names


def describe_delimiter(delimiter: str) -> str:
    """`;` → "semicolon"."""
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))
