"""The fast paths read a file exactly as the careful ones do, only sooner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from agent.ingest import ingest
from agent.ingest.csvread import _pandas
from agent.ingest.dates import parse_dates
from agent.ingest.fastcsv import read_strings
from agent.ingest.numbers import parse_numbers
from agent.ingest.plainnum import MIN_DISTINCT, plain_numbers
from agent.ingest.shapes import cannot_be_dates, cannot_be_numbers
from agent.ingest.text import Text

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
    "ids with a plus sign": lambda: [*ids(), "+5"],
    "ids in hex": lambda: [*ids(), "0x1F"],
    "amounts with a bare point": lambda: [*amounts(), "5."],
    "amounts with N/A": lambda: [*amounts(), "N/A"],
    "nothing but blanks": lambda: [""] * N,
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
    fast = read_strings(Text.of(text), delimiter, width)
    try:
        careful = _pandas(text, delimiter, width, quoted=True)
    except pd.errors.ParserError:
        assert fast is None
        return
    if fast is not None:
        pd.testing.assert_frame_equal(fast, careful)


def test_the_arrow_reader_declines_an_unclosed_quote_and_a_ragged_row() -> None:
    assert read_strings(Text.of('a,b\n1,"oops\n2,fine\n'), ",", 2) is None
    assert read_strings(Text.of("a,b\n1,2,3\n"), ",", 2) is None
    assert read_strings(Text.of("a,b\n1\n"), ",", 2) is None
    assert read_strings(Text.of("a,b\n1,2\n"), ",", 2) is not None


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


# Every way of writing a number or a date the careful parsers read, each alone and with its kin.
READABLE = {
    "numbers": ["1", "-2", "3.5", "1e5", "-.25", "1,234.50", "(300)", "45-", "12.5%", "−7"],
    "european numbers": ["1.234,56", "0,5", "12,5"],
    "money": ["$1,200", "€3", "£4.50", "USD 5", "5 EUR", "R$ 3,00", "¥7", "₹8"],
    "spaced groups": ["1 234", "1\u00a0234", "1\u202f234", "1'234"],
    "infinities": ["1.5", "-inf", "+Infinity", "nan"],
    "other digits": ["١٢٣", "٤٥"],
    "with null words": ["1", "n/a", "NULL", "-", "?", "None"],
    "iso dates": ["2024-01-31", "2024-01-31T12:34", "2024-01-31 12:34:56.123", "2024-01-31T01:02:03,5"],
    "zoned dates": ["2024-01-31T12:34:56Z", "2024-01-31T12:34:56+02:00", "2024-01-31 12:00-0500"],
    "slashed dates": ["2024/01/31", "2024.1.5", "2024/01/31 9:05"],
    "day-month dates": ["31/01/2024", "1.2.2024", "12-25-2024", "31/01/2024 12:00:01"],
    "named dates": ["5 Jan 2024", "05-Jan-2024", "5 January 2024", "Jan 5, 2024", "January 5, 2024", "5-Jan-24"],
}


@pytest.mark.parametrize("kind", list(READABLE))
def test_the_shape_check_never_rules_out_a_column_the_parsers_read(kind: str) -> None:
    group = READABLE[kind]
    for values in [group, *([v] for v in group)]:
        arrow = pa.array(values, pa.large_string())
        if parse_numbers(values, None) is not None or parse_numbers(values, ",") is not None:
            assert not cannot_be_numbers(arrow), values
        if parse_dates(values, False) is not None or parse_dates(values, True) is not None:
            assert not cannot_be_dates(arrow), values


def test_the_shape_check_rules_out_names_and_codes() -> None:
    names = pa.array(["Cust 00001", "Cust 00002", "n/a"], pa.large_string())
    assert cannot_be_numbers(names) and cannot_be_dates(names)
    assert cannot_be_dates(pa.array(["2024-01-31", "2024-01-31 and more"]))
    assert not cannot_be_numbers(pa.array(["n/a", ""])), "only null words: the parsers decide"


def test_a_big_column_of_names_stays_text_with_its_blanks_missing() -> None:
    rows = MIN_DISTINCT * 3
    names = [f"Cust {i:05d}" if i % 10 else "" for i in range(rows)]
    text = "customer,n\n" + "".join(f"{c},{i}\n" for i, c in enumerate(names))
    ds = ingest("names.csv", text.encode(), max_bytes=1 << 30)
    assert dict(ds.kinds)["customer"] == "str"
    assert ds.frame["customer"].isna().sum() == rows // 10
    assert ds.frame["customer"].iloc[1] == "Cust 00001"


@pytest.mark.parametrize("pad", [" ", "\t", "\u00a0", "\u3000", "\u2009"])
def test_a_big_column_with_one_padded_amount_is_still_numbers(pad: str) -> None:
    rows = MIN_DISTINCT * 3
    amounts = [f"{i * 1.25:.2f}" for i in range(rows)]
    amounts[rows // 2] = f"{pad}7.25"
    amounts[rows // 3] = f"8.50{pad}"
    text = "amount,n\n" + "".join(f"{a},{i % 3}\n" for i, a in enumerate(amounts))
    ds = ingest("padded.csv", text.encode(), max_bytes=1 << 30)
    assert dict(ds.kinds)["amount"] == "float64"
    assert ds.frame["amount"].iloc[rows // 2] == 7.25 and ds.frame["amount"].iloc[rows // 3] == 8.5


@pytest.mark.parametrize("pad", [" ", "\t", "\u00a0", "\u3000", "\u2009"])
def test_a_big_column_of_names_reads_a_cell_of_nothing_but_spaces_as_missing(pad: str) -> None:
    rows = MIN_DISTINCT * 3
    names = [f"Cust {i:05d}" for i in range(rows)]
    names[rows // 2] = pad * 2
    text = "customer,n\n" + "".join(f"{c},{i}\n" for i, c in enumerate(names))
    ds = ingest("names.csv", text.encode(), max_bytes=1 << 30)
    assert ds.frame["customer"].isna().sum() == 1 and pd.isna(ds.frame["customer"].iloc[rows // 2])


def test_title_lines_in_any_script_above_a_big_file_leave_its_header_whole() -> None:
    rows = MIN_DISTINCT * 3
    body = "".join(f"Åsa {i},{i * 2}\n" for i in range(rows))
    text = "Rapport d’été – 日本 €\n\nnom,montant\n" + body
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        ds = ingest("report.csv", data, max_bytes=1 << 30)
        assert list(ds.frame.columns) == ["nom", "montant"]
        assert dict(ds.kinds) == {"nom": "str", "montant": "int64"}
        assert ds.frame["nom"].iloc[0] == "Åsa 0" and ds.frame["montant"].iloc[-1] == (rows - 1) * 2
        assert ds.skipped_lines == 2
