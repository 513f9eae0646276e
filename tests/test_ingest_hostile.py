"""Small hostile files must be refused or read quickly: ingest runs in a thread, but a regex holds the GIL.

Each test runs the attack through the real `ingest` and bounds its wall time generously (the machine
is shared); before the fixes each of these took from 14 s to two minutes.
"""

from __future__ import annotations

import gzip
import io
import struct
import time
import zipfile
from collections.abc import Callable
from typing import TypeVar

import pytest

from agent.errors import DatasetError
from agent.ingest import LoadedDataset, ingest, ingest_file
from agent.ingest.csvread import _clean_names

MB = 1 << 20
BOUND_S = 5.0
T = TypeVar("T")


def timed(call: Callable[[], T]) -> T:
    start = time.perf_counter()
    try:
        return call()
    finally:
        elapsed = time.perf_counter() - start
        assert elapsed < BOUND_S, f"took {elapsed:.1f} s"


def load(data: bytes, name: str = "data.csv", max_bytes: int = 200 * MB) -> LoadedDataset:
    return timed(lambda: ingest(name, data, max_bytes=max_bytes))


def refused(data: bytes, name: str = "data.csv", max_bytes: int = 200 * MB) -> str:
    """The refusal, checked to be the same (and as quick) through `ingest_file`, the upload's entry."""
    with pytest.raises(DatasetError) as caught:
        load(data, name, max_bytes)
    with pytest.raises(DatasetError) as through_dispatch:
        timed(lambda: ingest_file(name, data, max_bytes=max_bytes))
    assert str(through_dispatch.value).split(";")[0].split(" ")[0] == name
    return str(caught.value)


def test_a_cell_of_inner_spaces_is_text_read_quickly() -> None:
    cell = "a" + " " * 30000 + "b"
    ds = load(f"id,note\n1,{cell}\n2,x\n".encode())
    assert ds.frame["note"].tolist() == [cell, "x"]


def test_a_long_run_of_digits_before_an_e_is_text_read_quickly() -> None:
    cell = "1" * 40000 + "e"
    ds = load(f'id,code\n1,{cell}\n2,"1,5"\n'.encode())  # a comma sends it to the full-column pattern
    assert ds.frame["code"].tolist() == [cell, "1,5"]


def test_a_long_cell_that_could_start_a_date_is_text() -> None:
    cell = "2024-01-31" + "1" * 40000
    ds = load(f"id,when\n1,{cell}\n2,2024-02-01\n".encode())
    assert ds.frame["when"].tolist() == [cell, "2024-02-01"]


def test_one_cp1252_byte_and_a_long_line_decode_quickly() -> None:
    data = b"id,city\n1,Z\xfcrich\n2," + b"a" * 100_000 + b"\n"
    ds = load(data)
    assert ds.encoding == "cp1252"
    assert ds.frame["city"][0] == "Zürich"


def test_a_header_of_many_duplicate_names_is_refused_quickly() -> None:
    header = ",".join(["a"] * 40_000)
    message = refused(f"{header}\n{','.join(['1'] * 40_000)}\n".encode())
    assert "40,000 columns" in message


def test_many_duplicate_names_are_renamed_in_linear_time() -> None:
    warnings: list[str] = []
    names = timed(lambda: _clean_names(["a"] * 40_000 + ["a_2", "b", "b"], warnings))
    assert names[:4] == ["a", "a_2", "a_3", "a_4"]
    assert names[-3:] == ["a_2_2", "b", "b_2"]  # a literal "a_2" after the renamed ones is renamed too
    assert len(set(names)) == len(names)


def test_a_file_wider_than_the_column_limit_is_refused_with_the_count() -> None:
    header = ",".join(f"c{i}" for i in range(50_000))
    message = refused(f"{header}\n{','.join(['0'] * 50_000)}\n".encode(), "wide.csv")
    assert message.startswith("wide.csv has 50,000 columns")
    assert "2,000" in message


def test_a_gzip_that_expands_a_thousandfold_is_refused_before_it_expands() -> None:
    bomb = gzip.compress(b"a,b\n" + b"1,2\n" * (25 * MB), compresslevel=9)  # 100 MB of rows
    assert len(bomb) < 200_000
    message = refused(bomb, "bomb.csv.gz")
    assert "bomb.csv.gz" in message and "decompress" in message


def _zip_of_many_entries(count: int) -> bytes:
    """One real member, then a central directory that lists it `count` times (no bytes per entry)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.csv", b"x\n1\n")
    real = buffer.getvalue()
    end = real.rindex(b"PK\x05\x06")
    start = struct.unpack_from("<I", real, end + 16)[0]
    entry = real[start:end]
    directory = entry * count
    return (
        real[:start]
        + directory
        + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, min(len(directory), 0xFFFFFFFF), start, 0)
    )


def test_a_zip_listing_two_million_entries_is_refused_from_its_directory() -> None:
    message = refused(_zip_of_many_entries(2_000_000), "many.zip")
    assert message.startswith("many.zip holds")
    assert "exactly one CSV" in message


def test_a_zip_that_understates_its_entry_count_is_still_refused() -> None:
    data = bytearray(_zip_of_many_entries(1_000_000))
    struct.pack_into("<2H", data, len(data) - 14, 1, 1)  # "1 entry" over a directory of a million
    message = refused(bytes(data), "liar.zip")
    assert message.startswith("liar.zip")


def test_deeply_nested_brackets_are_a_dataset_error_not_a_crash() -> None:
    message = refused(b"[" * 200_000, "deep.csv")
    assert message.startswith("deep.csv")


@pytest.mark.parametrize("error", [RecursionError, MemoryError])
def test_a_parser_running_out_of_stack_or_memory_is_a_dataset_error(
    error: type[BaseException], monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(*_: object) -> None:
        raise error

    monkeypatch.setattr("agent.ingest.pipeline.type_columns", exhausted)
    message = refused(b"id\n1\n", "data.csv")
    assert message.startswith("data.csv ")
