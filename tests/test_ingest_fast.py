"""The fast paths read a file exactly as the careful ones do, only sooner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from agent.ingest import ingest
from agent.ingest.csvread import _pandas
from agent.ingest.fastcsv import read_strings
from agent.ingest.numbers import parse_numbers
from agent.ingest.plainnum import MIN_DISTINCT, plain_numbers

RNG = np.random.default_rng(7)
N = MIN_DISTINCT + 500


def distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def ids() -> list[str]:
    return [str(v) for v in RNG.integers(-(10**8), 10**9, N)]


def amounts() -> list[str]:
    return [f"{v:.2f}" for v in RNG.integers(-(10**7), 10**7, N) / 100]


def dollars() -> list[str]:
    return [f"${v:,.2f}" for v in RNG.integers(0, 10**9, N) / 100]


def thousands() -> list[str]:
    return [f"{v}.{w:03d}" for v, w in zip(RNG.integers(1, 999, N), RNG.integers(0, 999, N), strict=True)]


COLUMNS = {
    "ids": ids,
    "ids with blanks": lambda: [*ids(), ""],
    "ids with a leading zero": lambda: [*ids(), "0123"],
    "ids with a 19-digit one": lambda: [*ids(), "1234567890123456789"],
    "ids with n/a": lambda: [*ids(), "n/a"],
    "amounts": amounts,
    "amounts with blanks": lambda: ["", *amounts()],
    "amounts with a dot-less .5": lambda: [*amounts(), ".5", "-.25"],
    "amounts with 1.234": lambda: [*amounts(), "1.234"],
    "thousands only": thousands,
    "dollars": dollars,
    "dollars with blanks": lambda: [*dollars(), ""],
    "dollars and a euro": lambda: [*dollars(), "€1.00"],
    "scientific": lambda: [*amounts(), "1e5"],
    "text": lambda: [*ids(), "x"],
}


@pytest.mark.parametrize("hint", [None, ".", ","])
@pytest.mark.parametrize("column", list(COLUMNS))
def test_a_column_read_by_the_shortcut_is_read_as_the_careful_path_reads_it(column: str, hint: str | None) -> None:
    values = distinct(COLUMNS[column]())
    fast = plain_numbers(pa.array(values, pa.large_string()), hint)
    careful = parse_numbers(values, hint)
    if fast is None:
        return  # the careful path decides; nothing to compare
    assert careful is not None, "the shortcut read a column the careful path keeps as text"
    np.testing.assert_array_equal(fast.values, careful.values)
    np.testing.assert_array_equal(fast.missing, careful.missing)
    assert (fast.integer, fast.decimal, fast.note) == (careful.integer, careful.decimal, careful.note)
    assert fast.values.dtype == careful.values.dtype


def test_the_shortcut_takes_the_common_big_columns() -> None:
    for column in ("ids", "ids with blanks", "amounts", "dollars"):
        assert plain_numbers(pa.array(distinct(COLUMNS[column]())), ".") is not None, column


REGULAR_TEXTS = {
    "plain": "a,b\n1,2\n3,4\n",
    "quoted newline and comma": 'a,b\n"x\ny","1,5"\n"",z\n',
    "doubled quotes": 'a,b\n"say ""hi""",2\n',
    "crlf and lone cr": "a,b\r\n1,2\r3,4\r\n",
    "blank and space-only lines": "a,b\n\n1,2\n   \n3,4\n",
    "empty cells": "a,b,c\n,,\n1,,3\n",
    "text after a closing quote": 'a,b\n"abc"def,1\n',
    "quotes inside a field": 'a,b\nab"c"d,1\n',
    "unicode": "ä,ß\n€,日本\n",
    "tabs": "a\tb\n1\t2\n",
    "no final newline": "a,b\n1,2",
    "nul and controls": "a,b\n\x00x,\x1b[31m\n",
}


@pytest.mark.parametrize("name", list(REGULAR_TEXTS))
def test_the_arrow_reader_splits_cells_as_the_careful_reader_does(name: str) -> None:
    text = REGULAR_TEXTS[name]
    delimiter = "\t" if "\t" in text else ","
    width = len(text.splitlines()[0].split(delimiter))
    fast = read_strings(text, delimiter, width)
    try:
        careful = _pandas(text, delimiter, width, quoted=True)
    except pd.errors.ParserError:
        assert fast is None
        return
    if fast is not None:
        pd.testing.assert_frame_equal(fast, careful)


def test_the_arrow_reader_declines_an_unclosed_quote_and_a_ragged_row() -> None:
    assert read_strings('a,b\n1,"oops\n2,fine\n', ",", 2) is None
    assert read_strings("a,b\n1,2,3\n", ",", 2) is None
    assert read_strings("a,b\n1\n", ",", 2) is None
    assert read_strings("a,b\n1,2\n", ",", 2) is not None


def test_a_big_file_of_mostly_distinct_values_is_typed_as_a_small_one_would_be() -> None:
    rows = 120_000
    ids = [str(i) for i in range(1, rows)] + ["007"]  # one id with a leading zero: the column stays text
    prices = [f"${i * 1.25:,.2f}" for i in range(rows)]
    text = "id,price,qty\n" + "".join(f'{i},"{p}",{n % 7}\n' for i, p, n in zip(ids, prices, range(rows), strict=True))
    ds = ingest("big.csv", text.encode(), max_bytes=1 << 30)
    assert dict(ds.kinds) == {"id": "str", "price": "float64", "qty": "int64"}
    assert ds.frame["id"].iloc[-1] == "007" and ds.frame["id"].iloc[0] == "1"
    assert ds.frame["price"].iloc[-1] == (rows - 1) * 1.25
    assert "column 'price': the $ sign was removed" in ds.warnings
