"""The fast paths read a file exactly as the careful ones do, only sooner."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

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
