"""Splitting a well-formed CSV into string columns with Arrow's multithreaded C++ reader.

Used only for a file whose sample shows one field count on every row. Arrow refuses, rather than
guesses at, anything it cannot split the way the careful reader in `agent.ingest.csvread` would
(a row of another width, a quote never closed), and then this returns None and the careful reader
takes the file, so what a user sees never depends on which reader ran.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from agent.ingest.text import Text

# Arrow splits the text into blocks it parses in parallel; a block must hold whole rows. Smaller blocks
# hold less in flight (4 MB: 45 MB less at the peak of a 100 MB file than 16 MB, as fast).
_BLOCK_BYTES = 1 << 22


def read_strings(text: Text, delimiter: str, width: int) -> pd.DataFrame | None:
    """Every record as `width` string cells ("" when empty), columns numbered from 0, or None."""
    quotes = text.count('"')
    if quotes % 2:
        return None  # a quote left open, which Arrow would run to the end of the file
    utf8 = text.utf8
    if utf8 is None:
        try:
            utf8 = memoryview(text.text.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate: the careful reader copes
            return None
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(utf8)),
            read_options=pacsv.ReadOptions(column_names=names, block_size=_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                # Only a quoted cell can hold a line break; without quote marks Arrow may cut anywhere.
                newlines_in_values=quotes > 0,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    del utf8
    frame: pd.DataFrame = table.to_pandas()
    frame.columns = pd.RangeIndex(width)
    return frame
