"""Workbooks, Parquet, Feather, JSON and JSON Lines read into datasets, and the ones we refuse."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zipfile

import pandas as pd
import pytest
import xlwt

from agent.errors import DatasetError
from agent.ingest import LoadedDataset, ingest_file
from agent.ingest.csvread import MAX_COLUMNS
from handlers.intake import looks_tabular
from tests.workbook_helpers import SECRET, sales_workbook, with_cached_values, workbook

MB = 1 << 20


def read(name: str, data: bytes | str, max_bytes: int = 10 * MB) -> tuple[LoadedDataset, ...]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return ingest_file(name, raw, max_bytes=max_bytes)


def one(name: str, data: bytes | str) -> LoadedDataset:
    (dataset,) = read(name, data)
    return dataset


# --- Excel and OpenDocument -----------------------------------------------------------------------


def test_each_visible_sheet_is_a_dataset_named_from_file_and_sheet_and_hidden_ones_are_skipped() -> None:
    q1, q2 = read("sales.xlsx", sales_workbook())
    assert (q1.name, q1.var_name) == ("sales.xlsx (Q1)", "sales_q1")
    assert (q2.name, q2.var_name) == ("sales.xlsx (Q2)", "sales_q2")
    assert "skipped 1 hidden sheet" in q1.warnings
    assert all(SECRET not in d.frame.to_csv() for d in (q1, q2))
    assert q2.frame.to_dict("list") == {"Region": ["East", "West"], "Units": [7, 11]}


def test_the_header_is_found_under_a_merged_title_and_formulas_read_as_their_cached_values() -> None:
    q1 = read("sales.xlsx", sales_workbook())[0]
    assert list(q1.frame.columns) == ["Date", "Region", "Units", "Price", "Revenue"]
    assert "skipped 2 rows above the header (a title or notes)" in q1.warnings
    assert q1.frame["Revenue"].tolist() == [7.5, 4936.0, 20.0]


def test_real_dates_stay_dates_and_a_number_typed_as_text_becomes_a_number() -> None:
    q1 = read("sales.xlsx", sales_workbook())[0]
    assert pd.api.types.is_datetime64_dtype(q1.frame["Date"])
    assert q1.frame["Date"].dt.month.tolist() == [1, 2, 3]
    assert q1.frame["Price"].tolist() == [2.5, 1234.0, 10.0]
    assert q1.frame["Units"].dtype == "int64"


def test_a_total_and_a_note_under_the_table_are_left_out_and_named() -> None:
    q1 = read("sales.xlsx", sales_workbook())[0]
    assert q1.frame["Units"].sum() == 9  # the total row (9) is not counted again
    assert "row 7 looks like a total ('Total'), so it was left out of the data" in q1.warnings
    assert any(w.startswith("dropped row 9, which looks like a note: 'Source: finance export'") for w in q1.warnings)


def test_a_workbook_with_one_table_sheet_is_named_like_a_csv() -> None:
    book = workbook(("Sheet1", [["city", "n"], ["Oslo", 1], ["Rome", 2]]), ("Notes", [["just a remark"]]))
    (only,) = read("Cities 2024.xlsx", book)
    assert (only.name, only.var_name) == ("Cities 2024.xlsx", "cities_2024")
    assert "skipped sheet without a table: 'Notes'" in only.warnings


def test_years_as_column_names_and_a_formula_error_keep_the_numbers_numeric() -> None:
    raw = workbook(("Pivot", [["Region", 2023, 2024], ["North", 1, "=1/0"], ["South", 3, 4]]))
    ds = one("pivot.xlsx", with_cached_values(raw, {"1/0": "#DIV/0!"}))
    assert list(ds.frame.columns) == ["Region", "2023", "2024"]
    assert dict(ds.kinds)["2024"] == "Int64" and ds.frame["2024"].isna().tolist() == [True, False]
    assert "1 cell held a formula error (#DIV/0!, #N/A…), read as empty" in ds.warnings


def test_an_opendocument_spreadsheet_is_read() -> None:
    raw = io.BytesIO()
    frame = pd.DataFrame({"day": pd.to_datetime(["2024-05-01", "2024-05-02"]), "sold": [3, 5]})
    frame.to_excel(raw, engine="odf", index=False, sheet_name="May")
    ods = one("shop.ods", raw.getvalue())
    assert ods.frame["sold"].tolist() == [3, 5]
    assert pd.api.types.is_datetime64_dtype(ods.frame["day"])
    assert ods.encoding == "OpenDocument spreadsheet"


def test_a_workbook_named_csv_is_still_read_as_a_workbook() -> None:
    book = workbook(("Data", [["a", "b"], [1, 2]]))
    assert one("report.csv", book).frame.to_dict("list") == {"a": [1], "b": [2]}


def test_an_old_excel_97_workbook_is_read_with_its_dates_and_hidden_sheets_skipped() -> None:
    book = xlwt.Workbook()
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    orders = book.add_sheet("Orders")
    for col, title in enumerate(["Day", "Region", "Units"]):
        orders.write(0, col, title)
    for row, (day, region, units) in enumerate(
        [(dt.date(2024, 1, 5), "North", 3), (dt.date(2024, 2, 9), "South", 4)], 1
    ):
        orders.write(row, 0, day, dates)
        orders.write(row, 1, region)
        orders.write(row, 2, units)
    secret = book.add_sheet("Secret")
    secret.write(0, 0, "key")
    secret.write(1, 0, SECRET)
    secret.visibility = 1  # hidden, as Excel's "Hide sheet" stores it
    raw = io.BytesIO()
    book.save(raw)
    (ds,) = read("legacy.xls", raw.getvalue())  # the one visible sheet: named after the file alone
    assert (ds.name, ds.var_name) == ("legacy.xls", "legacy")
    assert "skipped 1 hidden sheet" in ds.warnings and SECRET not in ds.frame.to_csv()
    assert ds.frame["Units"].tolist() == [3, 4]
    assert pd.api.types.is_datetime64_dtype(ds.frame["Day"])
    assert ds.frame["Day"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-02-09"]


def test_a_macro_enabled_workbook_is_read_and_its_macros_left_alone() -> None:
    # What Excel writes for .xlsm: the macro-enabled main part and a VBA project beside the sheets.
    source = zipfile.ZipFile(io.BytesIO(workbook(("Orders", [["Region", "Units"], ["East", 7], ["West", 11]]))))
    out = io.BytesIO()
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Sub Workbook_Open(): Shell "rm -rf /": End Sub'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                rel = (
                    b'<Relationship Id="rIdVba" Target="vbaProject.bin" '
                    b'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"/></Relationships>'
                )
                data = data.replace(b"</Relationships>", rel)
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", vba)
    ds = one("orders.xlsm", out.getvalue())
    assert ds.frame.to_dict("list") == {"Region": ["East", "West"], "Units": [7, 11]}
    assert "vbaProject" not in ds.frame.to_csv() and "Workbook_Open" not in ds.frame.to_csv()


def test_a_password_protected_workbook_is_refused_in_one_sentence() -> None:
    # An encrypted .xlsx is an OLE compound file holding an "EncryptionInfo" stream.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(512)
    with pytest.raises(DatasetError, match=r"^locked\.xlsx is password-protected; remove the password"):
        read("locked.xlsx", ole)


def test_a_damaged_workbook_is_refused() -> None:
    book = sales_workbook()
    with pytest.raises(DatasetError, match=r"^cut\.xlsx is (a damaged workbook|not a workbook that can be opened)"):
        read("cut.xlsx", book[: len(book) // 2] + book[-200:])


def test_a_workbook_without_a_table_is_refused() -> None:
    book = workbook(("Cover", [["Quarterly report"]]), ("Empty", []))
    with pytest.raises(DatasetError, match=r"^cover\.xlsx has no sheet with a table"):
        read("cover.xlsx", book)


def test_a_sheet_wider_than_the_cap_refuses_the_whole_workbook() -> None:
    book = workbook(("Fine", [["a"], [1]]), ("Wide", [[f"c{i}" for i in range(MAX_COLUMNS + 1)], [1]]))
    with pytest.raises(DatasetError, match=r"^w\.xlsx sheet 'Wide' has 2,001 columns, more than the 2,000"):
        read("w.xlsx", book)


def test_a_workbook_whose_parts_expand_far_past_the_limit_is_refused() -> None:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * (30 * MB))
    with pytest.raises(DatasetError, match="expands to far more data than its size suggests"):
        read("bomb.xlsx", raw.getvalue(), max_bytes=MB)


# --- Parquet and Feather --------------------------------------------------------------------------


def typed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "small": pd.array([1, 2, 3], dtype="int8"),
            "maybe": pd.array([1, None, 3], dtype="Int32"),
            "price": [1.5, None, 3.25],
            "when": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 00:00", None]).tz_localize("Europe/Oslo"),
            "day": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03"]),
            "kind": pd.Categorical(["a", "b", "a"]),
            "code": ["007", None, "010"],
            "flag": [True, False, True],
        }
    )


@pytest.mark.parametrize("suffix", ["parquet", "feather"])
def test_columnar_files_keep_their_types(suffix: str) -> None:
    raw = io.BytesIO()
    typed_frame().to_parquet(raw) if suffix == "parquet" else typed_frame().to_feather(raw)
    ds = one(f"orders.{suffix}", raw.getvalue())
    kinds = dict(ds.kinds)
    assert kinds == {
        "small": "int64",
        "maybe": "Int64",
        "price": "float64",
        "when": "date_utc",
        "day": "date",
        "kind": "str",
        "code": "str",
        "flag": "bool",
    }
    assert ds.frame["code"].tolist()[::2] == ["007", "010"]  # text that looks numeric stays text
    assert ds.frame["when"].iloc[0] == pd.Timestamp("2024-01-01 09:00", tz="UTC")
    assert ds.var_name == "orders"


def test_a_parquet_file_inside_gzip_is_read() -> None:
    raw = io.BytesIO()
    typed_frame().to_parquet(raw)
    assert len(one("orders.parquet.gz", gzip.compress(raw.getvalue())).frame) == 3


def test_a_damaged_parquet_file_is_refused() -> None:
    with pytest.raises(DatasetError, match=r"^x\.parquet is not a Parquet file that can be read"):
        read("x.parquet", b"PAR1" + b"\x00garbage" * 20 + b"PAR1")


def test_a_parquet_file_wider_than_the_cap_is_refused() -> None:
    raw = io.BytesIO()
    pd.DataFrame({f"c{i}": [1] for i in range(MAX_COLUMNS + 1)}).to_parquet(raw)
    with pytest.raises(DatasetError, match=r"has 2,001 columns, more than the 2,000"):
        read("wide.parquet", raw.getvalue())


# --- JSON and JSON Lines --------------------------------------------------------------------------

RECORDS = [
    {"id": 1, "customer": {"name": "Ana", "city": "Oslo"}, "tags": ["new", "vip"], "when": "2024-01-05"},
    {"id": 2, "customer": {"name": "Bo"}, "tags": [], "when": "2024-02-07", "total": "1,250.50"},
]


def test_an_array_of_records_is_flattened_with_dotted_names_and_lists_kept_as_text() -> None:
    ds = one("orders.json", json.dumps(RECORDS))
    assert set(ds.frame.columns) == {"id", "customer.name", "customer.city", "tags", "when", "total"}
    assert ds.frame["tags"].tolist() == ['["new", "vip"]', "[]"]
    assert ds.frame["customer.city"].isna().tolist() == [False, True]
    assert pd.api.types.is_datetime64_dtype(ds.frame["when"])
    assert ds.frame["total"].tolist()[1] == 1250.5
    assert ds.encoding == "JSON"


def test_an_object_of_columns_and_an_object_wrapping_records_are_tables() -> None:
    columns = one("c.json", json.dumps({"city": ["Oslo", "Rome"], "n": [1, 2]}))
    assert columns.frame.to_dict("list") == {"city": ["Oslo", "Rome"], "n": [1, 2]}
    wrapped = one("w.json", json.dumps({"data": RECORDS, "meta": {"page": 1}}))
    assert wrapped.frame["id"].tolist() == [1, 2]
    assert "read the records under 'data'" in wrapped.warnings


@pytest.mark.parametrize("name", ["events.jsonl", "events.ndjson", "events.json", "events.txt", "events.jsonl.gz"])
def test_json_lines_are_read_by_extension_or_by_content(name: str) -> None:
    text = "\n".join(json.dumps(r) for r in RECORDS) + "\n"
    data = gzip.compress(text.encode()) if name.endswith(".gz") else text.encode()
    ds = one(name, data)
    assert ds.frame["id"].tolist() == [1, 2]
    assert "customer.name" in ds.frame.columns
    assert ds.encoding == "JSON Lines"


def test_a_jsonl_file_is_never_read_as_a_csv() -> None:
    with pytest.raises(DatasetError, match=r"^bad\.jsonl line 2 is not valid JSON"):
        read("bad.jsonl", '{"a": 1}\nnot json at all, with, commas\n')


def test_a_csv_starting_with_a_bracket_is_still_a_csv() -> None:
    assert list(one("odd.csv", "[id],name\n1,Ana\n").frame.columns) == ["[id]", "name"]


@pytest.mark.parametrize(
    "text", ["42", '"just text"', '{"server": {"port": 8080, "tls": {"on": true}}, "debug": false}', "[1, 2, 3]"]
)
def test_json_that_is_not_a_table_is_refused_in_one_sentence(text: str) -> None:
    with pytest.raises(DatasetError, match=r"^config\.json is JSON but not a table; upload an array of records"):
        read("config.json", text)


def test_deeply_nested_json_is_refused() -> None:
    deep = '[{"a": ' * 5000 + "1" + "}]" * 5000
    with pytest.raises(DatasetError, match="nested too deeply"):
        read("deep.json", deep)


def test_a_json_array_over_the_size_limit_is_refused_before_parsing() -> None:
    big = json.dumps([{"n": i} for i in range(200_000)])
    with pytest.raises(DatasetError, match=r"over the 1 MB limit"):
        read("big.json", big, max_bytes=MB)


def test_json_records_with_more_fields_than_the_cap_are_refused() -> None:
    wide = json.dumps([{f"f{i}": i for i in range(MAX_COLUMNS + 1)}])
    with pytest.raises(DatasetError, match=r"more than the 2,000 this bot reads"):
        read("wide.json", wide)


def test_a_json_export_loads_the_same_in_the_sandbox_loader() -> None:
    ds = one("orders.json", json.dumps(RECORDS))
    code = ds.load_code("/tmp/x.csv")
    assert "dataagent_load" in code
    assert dict(ds.kinds)["when"] == "date"
    assert ds.frame["when"].tolist()[0] == pd.Timestamp(dt.date(2024, 1, 5))


@pytest.mark.parametrize(
    ("name", "taken"),
    [("sales.xlsx", True), ("Book.ods", True), ("orders.parquet", True), ("events.jsonl", True), ("a.png", False)],
)
def test_shared_workbooks_parquet_and_json_files_are_taken_for_reading(name: str, taken: bool) -> None:
    assert looks_tabular({"name": name, "filetype": "binary"}) is taken
