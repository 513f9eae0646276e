"""Excel (.xlsx, .xlsm, .xls) and OpenDocument (.ods) workbooks: each visible sheet holding a table.

python-calamine reads the cells without running anything (no macros; a formula is its cached value).
On each sheet the header is the first row that fills most of the table's width with text, under
any title rows (a merged title cell counts as a title); a note at the bottom is dropped and a total
row is left out (and said so), as a person reading the sheet would.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import python_calamine as calamine

from agent.errors import DatasetError
from agent.ingest.cells import text_of, type_frame
from agent.ingest.csvread import MAX_COLUMNS
from agent.ingest.formats import ENCRYPTED_MARK

Row = list[object]

# A sheet's XML is far larger than its cells; past this many times the upload limit it is a bomb.
_MAX_EXPANSION = 20
_MAX_PARTS = 10_000
_MAX_CELLS = 30_000_000
_HEADER_SEARCH = 30
_WIDTH_SAMPLE = 50
_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
_TOTAL = re.compile(r"^\s*(grand\s+|sub\s*-?)?totals?\b|^\s*(sum|summe|total général)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Sheet:
    """One sheet's table: cells typed, rows above the header counted, notes for the user."""

    sheet: str
    frame: pd.DataFrame
    skipped_rows: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Workbook:
    """The sheets that hold tables, and notes about the workbook (hidden or empty sheets)."""

    sheets: tuple[Sheet, ...]
    warnings: tuple[str, ...]
    kind: str  # "Excel workbook" or "OpenDocument spreadsheet", for the profile


def read_workbook(name: str, data: bytes, *, max_bytes: int) -> Workbook:
    """Every visible sheet with a table; the whole file is refused if it cannot be opened.

    Raises:
        DatasetError: password-protected, damaged, a bomb, too wide, or no sheet holds a table.
    """
    _refuse_unsafe(name, data, max_bytes)
    try:
        book = calamine.CalamineWorkbook.from_object(io.BytesIO(data))
    except calamine.PasswordError:
        raise _locked(name) from None
    except Exception as exc:  # calamine's errors share no base; every one means "cannot open"
        raise DatasetError(
            f"{name} is not a workbook that can be opened ({type(exc).__name__}); save it again from "
            "Excel (or LibreOffice) as .xlsx and upload that."
        ) from None
    sheets: list[Sheet] = []
    hidden, empty = 0, []
    for meta in book.sheets_metadata:
        if meta.visible != calamine.SheetVisibleEnum.Visible:
            hidden += 1
            continue
        if meta.typ != calamine.SheetTypeEnum.WorkSheet:
            continue  # a chart or dialog sheet holds no cells
        sheet = _read_sheet(name, book, meta.name)
        if sheet is None:
            empty.append(meta.name)
        else:
            sheets.append(sheet)
    if not sheets:
        raise DatasetError(
            f"{name} has no sheet with a table (a header row with rows under it); put the data on a "
            "visible sheet and upload it again."
        )
    kind = "OpenDocument spreadsheet" if b"opendocument" in data[:120] else "Excel workbook"
    return Workbook(tuple(sheets), _book_notes(hidden, empty), kind)


def _book_notes(hidden: int, empty: Sequence[str]) -> tuple[str, ...]:
    notes = []
    if hidden:
        notes.append(f"skipped {hidden} hidden sheet{'' if hidden == 1 else 's'}")
    if empty:
        listed = ", ".join(repr(s) for s in empty[:5])
        notes.append(f"skipped sheet{'' if len(empty) == 1 else 's'} without a table: {listed}")
    return tuple(notes)


def _locked(name: str) -> DatasetError:
    return DatasetError(f"{name} is password-protected; remove the password in Excel and upload it again.")


def _refuse_unsafe(name: str, data: bytes, max_bytes: int) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0") and ENCRYPTED_MARK in data:
        raise _locked(name)
    if not data.startswith(b"PK\x03\x04"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise DatasetError(f"{name} is a damaged workbook; save it again from Excel and upload that.") from None
    if len(parts) > _MAX_PARTS or sum(p.file_size for p in parts) > _MAX_EXPANSION * max_bytes:
        raise DatasetError(
            f"{name} expands to far more data than its size suggests; save it again from Excel "
            "(or split it into smaller workbooks) and upload that."
        )


def _read_sheet(name: str, book: calamine.CalamineWorkbook, sheet_name: str) -> Sheet | None:
    try:
        sheet = book.get_sheet_by_name(sheet_name)
        # Checked before the cells become Python objects, the costly step.
        width, height = max(sheet.width, sheet.total_width), max(sheet.height, sheet.total_height)
        if width > MAX_COLUMNS:
            raise DatasetError(
                f"{name} sheet {sheet_name!r} has {width:,} columns, more than the {MAX_COLUMNS:,} "
                "this bot reads; keep the columns you need and upload again."
            )
        if width * height > _MAX_CELLS:
            raise DatasetError(
                f"{name} sheet {sheet_name!r} has more than {_MAX_CELLS:,} cells; split it into smaller "
                "sheets or files and upload again."
            )
        rows: list[Row] = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        merged = sheet.merged_cell_ranges or []
    except DatasetError:
        raise
    except Exception as exc:  # calamine's per-sheet errors (damaged XML, unsupported cells)
        raise DatasetError(
            f"{name} sheet {sheet_name!r} could not be read ({type(exc).__name__}); save the workbook again "
            "from Excel and upload that."
        ) from None
    return _table(sheet_name, rows, _title_cells(merged))


def _title_cells(merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> set[tuple[int, int]]:
    """Top-left cells of merges spanning several columns: where a title sits."""
    return {(r0, c0) for (r0, c0), (_, c1) in merged if c1 > c0}


def _filled(row: Row) -> list[int]:
    # calamine gives "" for an empty cell; only text can be blank otherwise.
    return [i for i, v in enumerate(row) if v != "" and not (isinstance(v, str) and v.isspace())]


def _table(sheet: str, rows: list[Row], titles: set[tuple[int, int]]) -> Sheet | None:
    header = _header_row(rows, titles)
    if header is None:
        return None
    names = [text_of(v).strip() for v in rows[header]]
    body = rows[header + 1 :]
    while body and not _filled(body[-1]):
        body.pop()
    warnings: list[str] = []
    if header:
        warnings.append(f"skipped {header} row{'' if header == 1 else 's'} above the header (a title or notes)")
    body = _drop_notes(body, header, warnings)
    if not body:
        return None
    body = _drop_total(body, header, warnings)
    width = max(len(names), *(len(r) for r in body))
    keep = [i for i in range(width) if (i < len(names) and names[i]) or any(_cell(r, i) != "" for r in body)]
    frame = pd.DataFrame({i: [_cell(r, i) for r in body] for i in keep}, dtype=object)
    frame.columns = pd.Index([names[i] if i < len(names) else "" for i in keep])
    errors = frame.isin(_ERRORS)
    if count := int(errors.to_numpy().sum()):
        # A formula's error is no value; kept as text it would turn its whole number column into text.
        frame = frame.mask(errors, "")
        warnings.append(f"{count} cell{'' if count == 1 else 's'} held a formula error (#DIV/0!, #N/A…), read as empty")
    cells = type_frame(frame)
    return Sheet(sheet, cells.frame, header, (*warnings, *cells.warnings))


def _cell(row: Row, index: int) -> object:
    value = row[index] if index < len(row) else ""
    return "" if isinstance(value, float) and math.isnan(value) else value


def _header_row(rows: list[Row], titles: set[tuple[int, int]]) -> int | None:
    """The first row that names most of the table's columns (text only), with a row under it."""
    content: list[int] = []
    for i, r in enumerate(rows):  # the first rows decide; a sheet of a million rows is not scanned here
        if _filled(r) and not _is_title(i, r, titles):
            content.append(i)
            if len(content) > _WIDTH_SAMPLE:
                break
    if len(content) < 2:
        return None
    width = max(len(_filled(rows[i])) for i in content[:_WIDTH_SAMPLE])
    for i in content[:_HEADER_SEARCH]:
        filled = _filled(rows[i])
        if len(filled) >= max(1, math.ceil(width / 2)) and _names_columns([rows[i][c] for c in filled]):
            return i if i != content[-1] else None
    return None


def _names_columns(cells: Sequence[object]) -> bool:
    """Text, or years among it ("Region, 2023, 2024"); no other numbers, dates or formula errors."""
    text = [c for c in cells if isinstance(c, str)]
    years = [c for c in cells if isinstance(c, int | float) and float(c).is_integer() and 1900 <= c <= 2100]
    return bool(text) and len(text) + len(years) == len(cells) and not any(c in _ERRORS for c in text)


def _is_title(index: int, row: Row, titles: set[tuple[int, int]]) -> bool:
    filled = _filled(row)
    return bool(filled) and all((index, c) in titles for c in filled)


def _drop_notes(body: list[Row], header: int, warnings: list[str]) -> list[Row]:
    """Drop lines of text alone in a row at the bottom ("Source: …"), which are not records."""
    columns = max((len(_filled(r)) for r in body[:_WIDTH_SAMPLE]), default=0)
    while columns > 1 and body:
        filled = _filled(body[-1])
        if len(filled) != 1 or not isinstance(body[-1][filled[0]], str):
            break
        row_number = header + 1 + len(body)
        warnings.append(f"dropped row {row_number}, which looks like a note: {_short(body[-1][filled[0]])}")
        body = body[:-1]
        while body and not _filled(body[-1]):
            body = body[:-1]
    return body


def _drop_total(body: list[Row], header: int, warnings: list[str]) -> list[Row]:
    """A total under the table is left out: kept, it doubles every sum and makes its label column text."""
    label = next((v for v in body[-1] if isinstance(v, str) and v.strip()), "")
    if len(body) < 2 or not _TOTAL.match(label):
        return body
    row_number = header + 1 + len(body)
    warnings.append(f"row {row_number} looks like a total ({_short(label)}), so it was left out of the data")
    return body[:-1]


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return repr(text if len(text) <= 40 else text[:39] + "…")
