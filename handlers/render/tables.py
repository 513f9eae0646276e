"""Spot a table printed by the code (pandas `to_string()` / Series output) in a cell's stdout."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

MAX_ROWS = 15
MAX_COLUMNS = 6
MAX_WIDTH = 120

_FOOTER = re.compile(r"^(Name: .*|dtype: \w+|Freq: .*|\[\d+ rows x \d+ columns\]|Length: \d+.*)$")
_CELL_GAP = re.compile(r"\s{2,}")
_DIGIT = re.compile(r"\d")


def find_small_table(stdout: str) -> str | None:
    """The last small table printed in `stdout`, as printed; None when there is none.

    A table is a blank-line separated block of at most 15 data rows and 6 columns (plus the
    index), whose lines mostly hold two or more cells separated by runs of spaces, as pandas
    prints DataFrames and Series.
    """
    blocks = [b for b in re.split(r"\n\s*\n", stdout.replace("\r\n", "\n")) if b.strip()]
    for block in reversed(blocks):
        table = _as_table(block)
        if table is not None:
            return table
    return None


def _as_table(block: str) -> str | None:
    lines = [line.rstrip() for line in block.split("\n") if line.strip()]
    body = [line for line in lines if not _FOOTER.match(line.strip())]
    if not 2 <= len(body) <= MAX_ROWS + 2:
        return None
    if any(len(line) > MAX_WIDTH or line.endswith("\\") for line in body):
        return None  # pandas wraps wide frames with a trailing backslash: not small
    widths = [len(_CELL_GAP.split(line.strip())) for line in body]
    if max(widths) > MAX_COLUMNS + 1 or sum(w >= 2 for w in widths) < max(2, (len(body) * 2 + 2) // 3):
        return None
    if not any(_DIGIT.search(line) for line in body):
        return None
    # Rows beyond the header(s): a header row is the first line, plus an index-name line if present.
    data_rows = len(body) - 1 - (1 if len(body) > 2 and widths[1] == 1 else 0)
    if data_rows > MAX_ROWS:
        return None
    return "\n".join(lines)


TABLE_MAX_ROWS = 100  # Slack's table block limits
TABLE_MAX_COLUMNS = 20
_SERIES_NAME = re.compile(r"^Name: (.*?)(?:, (?:dtype|Length): .*)?$")


@dataclass(frozen=True)
class ResultTable:
    """A table the code printed, read back into cells: a header row and the data rows."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue()


def find_result_table(stdout: str) -> ResultTable | None:
    """The last DataFrame or Series printed in `stdout` (pandas' text layout), as cells; None if none."""
    blocks = [b for b in re.split(r"\n\s*\n", stdout.replace("\r\n", "\n")) if b.strip()]
    for block in reversed(blocks):
        table = _cells(block)
        if table is not None:
            return table
    return None


def _cells(block: str) -> ResultTable | None:
    lines = [line.rstrip() for line in block.split("\n") if line.strip()]
    series_name = next((m.group(1) for line in lines if (m := _SERIES_NAME.match(line.strip()))), None)
    body = [line for line in lines if not _FOOTER.match(line.strip()) and "..." not in line.split()]
    if len(body) < 2 or any(line.endswith("\\") for line in body):
        return None
    split = [_CELL_GAP.split(line.strip()) for line in body]
    width = max(len(cells) for cells in split[1:])
    if width < 2 or not any(_DIGIT.search(line) for line in body[1:]):
        return None
    header, data = split[0], split[1:]
    indented = body[0][:1] == " "
    if not indented and len(header) == 1:  # a Series: its index name, then "index  value" rows
        header = [header[0], series_name or ""]
    elif indented and len(data) >= 2 and len(data[0]) == 1 and len(header) == width - 1:
        header, data = [data[0][0], *header], data[1:]  # a DataFrame whose index has a name
    elif len(header) == width - 1:
        header = ["", *header]
    rows = [cells for cells in data if len(cells) == width]
    if len(header) != width or len(rows) < max(1, len(data) * 2 // 3):
        return None
    if header[0] == "" and [r[0] for r in rows] == [str(n) for n in range(len(rows))]:
        header, rows = header[1:], [r[1:] for r in rows]  # the default 0, 1, 2… index says nothing
    return ResultTable(tuple(header), tuple(tuple(r) for r in rows))
