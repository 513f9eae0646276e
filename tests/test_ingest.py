"""Reading CSV files the way people really export them, and refusing the ones we cannot use."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import math
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from agent.errors import DatasetError
from agent.ingest import LoadedDataset, ingest, ingest_file, loader, var_name_for

MB = 1 << 20


def load(data: bytes | str, name: str = "data.csv", max_bytes: int = 10 * MB) -> LoadedDataset:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return ingest(name, raw, max_bytes=max_bytes)


def rows(ds: LoadedDataset) -> list[dict[str, Any]]:
    """Records with missing values as None, for readable comparisons."""
    out = []
    for record in ds.frame.astype(object).to_dict("records"):
        out.append(
            {
                k: None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v
                for k, v in record.items()
            }
        )
    return out


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# --- encodings, delimiters, line ends -------------------------------------------------------------


def test_cp1252_semicolon_file_with_decimal_commas_reads_names_and_amounts() -> None:
    text = "Name;Betrag;Menge\r\nMüller;1.234,56;3\r\nGrüße AG;12,5;4\r\nCafé Noël;-0,75;5\r\n"
    ds = load(text.encode("cp1252"), "umsatz.csv")
    assert (ds.encoding, ds.delimiter, ds.decimal) == ("cp1252", ";", ",")
    assert list(ds.frame["Name"]) == ["Müller", "Grüße AG", "Café Noël"]
    assert list(ds.frame["Betrag"]) == [1234.56, 12.5, -0.75]
    assert str(ds.frame["Menge"].dtype) == "int64"


def test_utf8_bom_does_not_leak_into_the_first_column_name() -> None:
    ds = load(b"\xef\xbb\xbfid,city\n1,Z\xc3\xbcrich\n")
    assert list(ds.frame.columns) == ["id", "city"]
    assert ds.frame["city"][0] == "Zürich"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_in_either_byte_order(codec: str) -> None:
    text = "name\tscore\nŁukasz\t7\nZoë\t9\n"
    data = text.encode(codec) if codec == "utf-16" else b"\xfe\xff" + text.encode(codec)
    ds = load(data, "export.txt")
    assert ds.delimiter == "\t"
    assert rows(ds) == [{"name": "Łukasz", "score": 7}, {"name": "Zoë", "score": 9}]


def test_latin1_export_reads_accented_names() -> None:
    ds = load("name,city\nJosé,São Paulo\nFrançois,Montréal\n".encode("latin-1"))
    assert list(ds.frame["city"]) == ["São Paulo", "Montréal"]
    assert list(ds.frame["name"]) == ["José", "François"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_common_delimiter_gives_the_same_table(delimiter: str) -> None:
    lines = [["region", "units", "note"], ["North", "3", "first"], ["South", "5", "second one"]]
    ds = load("\n".join(delimiter.join(line) for line in lines) + "\n")
    assert ds.delimiter == delimiter
    assert rows(ds) == [
        {"region": "North", "units": 3, "note": "first"},
        {"region": "South", "units": 5, "note": "second one"},
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_and_quoted_newlines_inside_cells(newline: str) -> None:
    text = newline.join(["id,comment", '1,"two' + newline + 'lines"', '2,"says ""hi"", ok"', ""])
    ds = load(text)
    assert len(ds.frame) == 2
    assert ds.frame["comment"][0].splitlines() == ["two", "lines"]
    assert ds.frame["comment"][1] == 'says "hi", ok'


# --- messy shapes ---------------------------------------------------------------------------------


def test_short_rows_are_padded_and_long_rows_keep_their_extra_values() -> None:
    ds = load("a,b,c\n1,2,3\n4,5\n6,7,8,9\n")
    assert list(ds.frame.columns) == ["a", "b", "c", "column_4"]
    assert rows(ds)[1] == {"a": 4, "b": 5, "c": None, "column_4": None}
    assert rows(ds)[2]["column_4"] == 9
    assert any("more values than the header" in w for w in ds.warnings)
    assert any("fewer values" in w for w in ds.warnings)


def test_title_lines_above_the_header_are_skipped() -> None:
    text = "Sales report Q1 2024\nExported by: finance\n\nregion;revenue\nNorth;10,5\nSouth;20\n"
    ds = load(text)
    assert ds.skipped_lines == 3
    assert list(ds.frame.columns) == ["region", "revenue"]
    assert list(ds.frame["revenue"]) == [10.5, 20.0]
    assert any("skipped 3 lines" in w for w in ds.warnings)


def test_excel_style_title_row_padded_with_delimiters_is_skipped() -> None:
    ds = load("Quarterly numbers;;\n;;\nregion;units;price\nNorth;3;1,5\n")
    assert list(ds.frame.columns) == ["region", "units", "price"]
    assert rows(ds) == [{"region": "North", "units": 3, "price": 1.5}]


def test_trailing_delimiters_and_empty_rows_do_not_become_data() -> None:
    ds = load("a;b;\n1;2;\n;;\n3;4;\n")
    assert list(ds.frame.columns) == ["a", "b"]
    assert len(ds.frame) == 2
    assert any("dropped 1 empty row" in w for w in ds.warnings)


def test_a_long_row_far_below_the_sample_keeps_its_extra_value() -> None:
    ds = load("a,b\n" + "1,2\n" * 30_000 + "3,4,5\n")
    assert len(ds.frame) == 30_001
    assert rows(ds)[-1] == {"a": 3, "b": 4, "column_3": 5}
    assert any("1 row(s) had more values than the header (first: row 30001)" in w for w in ds.warnings)


def test_a_one_column_file_with_a_comma_in_a_value_stays_one_column() -> None:
    ds = load("note\nhello\nfine, thanks\n")
    assert rows(ds) == [{"note": "hello"}, {"note": "fine, thanks"}]


def test_tab_file_with_commas_and_quoted_newlines_in_cells_is_read_as_tabs() -> None:
    line = 'a,b\t"line\nbreak"\t1.234,5\t2024-01-05\n'
    ds = load("name\tnote\tamount\twhen\n" + line * 4)
    assert ds.delimiter == "\t"
    assert list(ds.frame.columns) == ["name", "note", "amount", "when"]
    assert rows(ds)[0]["amount"] == 1234.5


def test_rows_holding_only_placeholders_are_kept_as_missing_values(tmp_path: Path) -> None:
    ds = load("score\n5\nn/a\n-\n7\n")
    assert str(ds.frame["score"].dtype) == "Int64"
    assert ds.frame["score"].isna().tolist() == [False, True, True, False]
    pd.testing.assert_frame_equal(run_load_code(ds, tmp_path)["data"], ds.frame)


def test_column_names_are_trimmed_unique_and_never_blank() -> None:
    ds = load(" id , amount ,amount,,  note\n1,2,3,4,x\n")
    assert list(ds.frame.columns) == ["id", "amount", "amount_2", "column_4", "note"]


def test_an_unclosed_quote_is_read_without_crashing() -> None:
    ds = load('a,b\n1,"oops\n2,fine\n')
    assert len(ds.frame) == 2
    assert any("quote" in w for w in ds.warnings)


# --- types ----------------------------------------------------------------------------------------


def test_codes_with_leading_zeros_stay_text() -> None:
    ds = load("zip,amount\n01234,5\n80331,6\n")
    assert list(ds.frame["zip"]) == ["01234", "80331"]
    assert ds.frame["amount"].dtype == "int64"


def test_integers_with_gaps_and_yes_no_columns_keep_their_types() -> None:
    ds = load("n,flag,label\n1,true,NA\n,false,x\n3,,y\n")
    assert str(ds.frame["n"].dtype) == "Int64"
    assert ds.frame["n"].isna().tolist() == [False, True, False]
    assert str(ds.frame["flag"].dtype) == "boolean"
    assert ds.frame["label"][0] == "NA"  # a text "NA" (e.g. Namibia) is not silently dropped


def test_currency_thousands_and_percent_columns_become_numbers_with_a_note() -> None:
    ds = load('price,growth,plain\n"$1,200.50",12.5%,7\n$3.00,-3%,8\n')
    assert list(ds.frame["price"]) == [1200.5, 3.0]
    assert list(ds.frame["growth"]) == [12.5, -3.0]
    assert any("$ sign" in w for w in ds.warnings)
    assert any("percent" in w for w in ds.warnings)


def test_mixed_values_keep_a_column_as_text() -> None:
    ds = load("amount\n5\napprox 7\n12\n")
    assert list(ds.frame["amount"]) == ["5", "approx 7", "12"]


def test_iso_european_and_us_dates_are_parsed() -> None:
    text = "iso;de;us\n2024-01-05;31.01.2024;01/31/2024\n2024-02-10 14:30;01.02.2024;02/01/2024\n"
    ds = load(text)
    for column in ("iso", "de", "us"):
        assert pd.api.types.is_datetime64_any_dtype(ds.frame[column]), column
    assert ds.frame["iso"][1] == pd.Timestamp("2024-02-10 14:30")
    assert list(ds.frame["de"]) == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-01")]
    assert list(ds.frame["us"]) == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-01")]


def test_dates_that_could_be_day_or_month_first_stay_text_with_a_warning() -> None:
    ds = load("when,n\n01/02/2024,1\n03/04/2024,2\n")
    assert list(ds.frame["when"]) == ["01/02/2024", "03/04/2024"]
    assert any("day-first or month-first" in w for w in ds.warnings)


def test_the_stored_dataset_is_parquet_with_each_column_typed() -> None:
    ds = load("Kunde;Betrag;Datum\nMüller;1.234,56;31.01.2024\n".encode("cp1252"))
    assert ds.stored_format == "parquet"
    table = pq.read_table(io.BytesIO(ds.stored))
    assert table.column_names == ["Kunde", "Betrag", "Datum"]
    assert pa.types.is_string(table.schema.field("Kunde").type) or pa.types.is_large_string(
        table.schema.field("Kunde").type
    )
    assert table.schema.field("Betrag").type == pa.float64()
    assert pa.types.is_timestamp(table.schema.field("Datum").type)
    assert table.to_pylist() == [{"Kunde": "Müller", "Betrag": 1234.56, "Datum": datetime(2024, 1, 31)}]


# --- compressed files -----------------------------------------------------------------------------


def test_gzip_zip_and_bzip2_files_hold_the_same_table() -> None:
    plain = b"id,city\n1,Oslo\n2,Lima\n"
    expected = load(plain).frame
    for name, data in (
        ("data.csv.gz", gzip.compress(plain)),
        ("data.zip", zipped({"folder/data.csv": plain, "__MACOSX/._data.csv": b"junk"})),
        ("data.csv.bz2", bz2.compress(plain)),
    ):
        ds = load(data, name)
        pd.testing.assert_frame_equal(ds.frame, expected)
        assert ds.sha256 == hashlib.sha256(data).hexdigest()


def test_a_gzip_bomb_is_stopped_at_the_size_limit() -> None:
    bomb = gzip.compress(b"a,b\n" + b"1,2\n" * (5 * MB))  # 20 MB of text in ~20 KB
    with pytest.raises(DatasetError, match=r"expands to more than 1 MB.*split"):
        load(bomb, "huge.csv.gz", max_bytes=MB)


def test_a_zip_bomb_is_stopped_at_the_size_limit() -> None:
    bomb = zipped({"huge.csv": b"a,b\n" + b"1,2\n" * (5 * MB)})
    with pytest.raises(DatasetError, match="expands to more than 1 MB"):
        load(bomb, "huge.zip", max_bytes=MB)


def test_a_zip_with_several_files_asks_for_one() -> None:
    with pytest.raises(DatasetError, match=r"holds 2 files.*exactly one CSV"):
        load(zipped({"a.csv": b"x\n1\n", "b.csv": b"y\n2\n"}), "both.zip")


# --- files we refuse, with a message that says what to do ------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \r\n\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(DatasetError, match=r"^empty\.csv is empty; export the data again"):
        load(data, "empty.csv")


def test_a_header_without_rows_is_refused() -> None:
    with pytest.raises(DatasetError, match="has a header but no rows; export it again with the data rows"):
        load("id,name,amount\n", "template.csv")


def test_a_file_over_the_limit_names_the_limit_and_suggests_splitting() -> None:
    with pytest.raises(DatasetError, match=r"big\.csv is 1\.5 MB, over the 1 MB limit; filter .* or split"):
        load(b"a\n" + b"1\n" * (3 * MB // 4), "big.csv", max_bytes=MB)


def test_an_excel_workbook_named_csv_asks_for_a_csv_export() -> None:
    xlsx = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    with pytest.raises(DatasetError, match=r"report\.csv is an Excel workbook .*export it as CSV"):
        load(xlsx, "report.csv")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Excel"),
        (b"\x00\x01\x02\x03garbage\x00\x00\xff\xfe\x00binary", "binary data"),
    ],
)
def test_binary_files_named_csv_are_refused(data: bytes, what: str) -> None:
    with pytest.raises(DatasetError, match=f"^upload.csv is {what}"):
        load(data, "upload.csv")


def test_an_html_page_saved_as_csv_says_the_download_failed() -> None:
    page = b"\n<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Log in</body></html>"
    with pytest.raises(DatasetError, match=r"is a web page .*download the file again"):
        load(page, "export.csv")


def test_a_json_file_named_csv_is_refused() -> None:
    with pytest.raises(DatasetError, match="is JSON, not a CSV"):
        load('[{"a": 1}, {"a": 2}]', "records.csv")


# --- names and loading in the sandbox -------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("sales_2024.csv", "sales_2024"),
        ("Sales Report (final).CSV", "sales_report_final"),
        ("2024-sales.csv", "data_2024_sales"),
        ("class.tsv", "data_class"),
        ("pd.csv", "data_pd"),
        ("Müller Daten.csv.gz", "muller_daten"),
        ("C:\\Users\\me\\exports\\orders.txt", "orders"),
        (").csv", "data"),
    ],
)
def test_var_name_is_a_usable_python_identifier(file_name: str, expected: str) -> None:
    assert var_name_for(file_name) == expected
    assert expected.isidentifier()


def run_load_code(ds: LoadedDataset, tmp_path: Path, var: str | None = None) -> dict[str, Any]:
    path = tmp_path / "stored.parquet"
    path.write_bytes(ds.stored)
    namespace: dict[str, Any] = {}
    exec(ds.load_code(str(path), var), namespace)
    return namespace


def test_load_code_round_trips_types_and_values(tmp_path: Path) -> None:
    text = (
        "zip;amount;count;when;stamp;flag;note\n"
        '01234;1.234,56;1;31.01.2024;2024-01-05T10:00:00Z;true;"multi\nline"\n'
        "80331;0,1;;01.02.2024;2024-01-06T12:30:00+02:00;;NA\n"
    )
    ds = load(text, "messy.csv")
    namespace = run_load_code(ds, tmp_path)
    assert sorted(k for k in namespace if k != "__builtins__") == ["messy"]  # the helper is gone
    pd.testing.assert_frame_equal(namespace["messy"], ds.frame)
    assert list(namespace["messy"]["zip"]) == ["01234", "80331"]
    assert str(namespace["messy"]["count"].dtype) == "Int64"
    assert str(namespace["messy"]["stamp"].dt.tz) == "UTC"


def test_load_code_is_safe_with_hostile_column_names_and_paths(tmp_path: Path) -> None:
    evil = ["x'); import os; os.system('touch pwned') #", '"""', "a\\", "{spec}"]
    header = ",".join('"' + name.replace('"', '""') + '"' for name in evil)
    ds = load(header + "\n1,2,3,4\n", "evil.csv")
    weird = tmp_path / 'it\'s "here"'
    weird.mkdir()
    path = weird / "data.parquet"
    path.write_bytes(ds.stored)
    namespace: dict[str, Any] = {}
    exec(ds.load_code(str(path), "frame"), namespace)
    assert list(namespace["frame"].columns) == evil
    assert not (Path.cwd() / "pwned").exists()


def test_load_code_refuses_a_variable_name_that_is_not_an_identifier() -> None:
    ds = load("a\n1\n")
    with pytest.raises(ValueError, match="not a usable variable name"):
        ds.load_code("/data/a.csv", "x = 1; import os")


# --- the frame kept is the frame the sandbox loads -------------------------------------------------

AS_LOADED = {
    "messy csv": (
        "data.csv",
        "Report\n\nname ;amount;when;paid;n;stamp\n"
        " Ann ;1.234,5;31.01.2024;yes;1;2024-01-31T10:00:00+01:00\n"
        '"B\r\nob";-2,25;01.02.2024;no;;2024-02-01T10:00:00Z\n;;;;;\n'
        "Cy;n/a;;;3;\n",
    ),
    "clean csv": ("data.csv", "id,price,city\n" + "".join(f'{i},"${i * 1.5:,.2f}",c{i % 7}\n' for i in range(6000))),
    "csv with gaps": ("data.csv", "a,b,c\n1,,x\n,2.5,\n3,true,y\n"),
    "one column": ("data.csv", "note\nhello, world\nbye\n"),
    "json": ("data.json", '[{"a": 1, "b": {"c": "x"}, "d": [1, 2]}, {"a": null, "b": {"c": "y"}, "d": []}]'),
}


@pytest.mark.parametrize("case", list(AS_LOADED))
def test_the_profiled_frame_is_the_one_the_sandbox_loader_reads_back(case: str) -> None:
    name, text = AS_LOADED[case]
    (ds,) = ingest_file(name, text.encode(), max_bytes=10 * MB)
    pd.testing.assert_frame_equal(ds.frame, loader.dataagent_load(io.BytesIO(ds.stored)))


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_a_typed_file_is_profiled_as_the_sandbox_loader_reads_it_back(suffix: str) -> None:
    frame = pd.DataFrame(
        {
            "small": pd.array([1, 2, 3], dtype="int8"),
            "maybe": pd.array([1, None, 3], dtype="Int32"),
            "when": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 00:00", None]).tz_localize("Europe/Oslo"),
            "day": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03"]).astype("datetime64[s]"),
            "kind": pd.Categorical(["a", "b", "a"]),
            "ratio": pd.array([0.5, 1.5, None], dtype="float32"),
        }
    )
    raw = io.BytesIO()
    if suffix == "parquet":
        frame.to_parquet(raw)
    else:
        frame.assign(when=frame["when"].dt.tz_localize(None)).to_excel(raw, index=False)
    (ds,) = ingest_file(f"typed.{suffix}", raw.getvalue(), max_bytes=10 * MB)
    pd.testing.assert_frame_equal(ds.frame, loader.dataagent_load(io.BytesIO(ds.stored)))


@pytest.mark.parametrize(
    "sequence",
    [b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80", b"\xe2\x82\xac", b"\xf4\x8f\xbf\xbf"],
    ids=["surrogate", "overlong", "past U+10FFFF", "cut short", "lone continuation", "euro", "last code point"],
)
def test_a_file_is_read_as_utf8_exactly_when_it_is_valid_utf8(sequence: bytes) -> None:
    raw = b"name,n\nx" + sequence + b",1\n"
    ds = load(raw)
    try:
        expected = raw.decode("utf-8").splitlines()[1].split(",")[0]
    except UnicodeDecodeError:
        assert ds.encoding != "utf-8" or any("not valid UTF-8" in w for w in ds.warnings)
    else:
        assert ds.encoding == "utf-8" and ds.frame["name"].iloc[0] == expected
