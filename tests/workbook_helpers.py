"""Realistic workbooks written with openpyxl: a merged title, a date column, formulas with the values
Excel caches for them, a note and a total under the table, and a hidden sheet."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl

SECRET = "do-not-show-7731"


def with_cached_values(xlsx: bytes, cached: dict[str, str]) -> bytes:
    """Give formulas the value Excel stores beside them (openpyxl writes formulas without one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode("utf-8")
                for formula, value in cached.items():
                    text = re.sub(rf"<f>{re.escape(formula)}</f><v\s*/>", f"<f>{formula}</f><v>{value}</v>", text)
                data = text.encode("utf-8")
            dst.writestr(item, data)
    return out.getvalue()


def sales_workbook() -> bytes:
    """Q1 (merged title, dates, a text number, a formula column, a total and a note), Q2, hidden Secret."""
    book = openpyxl.Workbook()
    q1 = book.active
    assert q1 is not None
    q1.title = "Q1"
    q1["A1"] = "Sales report, first quarter"
    q1.merge_cells("A1:E1")
    q1.append([])
    q1.append(["Date", "Region", "Units", "Price", "Revenue"])
    q1.append([dt.date(2024, 1, 5), "North", 3, 2.5, "=C4*D4"])
    q1.append([dt.date(2024, 2, 9), "South", 4, "1,234", "=C5*D5"])
    q1.append([dt.date(2024, 3, 1), "North", 2, 10, "=C6*D6"])
    q1.append(["Total", None, "=SUM(C4:C6)", None, "=SUM(E4:E6)"])
    q1.append([])
    q1.append(["Source: finance export"])
    q2 = book.create_sheet("Q2")
    q2.append(["Region", "Units"])
    q2.append(["East", 7])
    q2.append(["West", 11])
    secret = book.create_sheet("Secret")
    secret.append(["key", "value"])
    secret.append(["token", SECRET])
    secret.sheet_state = "hidden"
    raw = io.BytesIO()
    book.save(raw)
    cached = {"C4*D4": "7.5", "C5*D5": "4936", "C6*D6": "20", "SUM(C4:C6)": "9", "SUM(E4:E6)": "4963.5"}
    return with_cached_values(raw.getvalue(), cached)


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    """A plain workbook: one sheet per (title, rows)."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()
