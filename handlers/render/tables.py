"""Spot a small printed table (pandas `to_string()` / Series output) in a cell's stdout."""

from __future__ import annotations

import re

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
