"""Parquet and Feather (Arrow IPC) files: their columns keep the types they were written with.

Types the normalized dataset cannot hold as such are mapped: decimals to floats, categories and
nested values (lists, structs) to text, small integers to int64. The footer's sizes are checked
before any data is decoded, so a small file cannot expand without bound.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from agent.errors import DatasetError
from agent.ingest.cells import text_of
from agent.ingest.csvread import MAX_COLUMNS

# Parquet compresses well; past this many times the upload limit its decoded size is a bomb.
_MAX_EXPANSION = 20


@dataclass(frozen=True)
class Columnar:
    frame: pd.DataFrame
    kind: str  # "Parquet" or "Feather", for the profile


def read_columnar(name: str, data: bytes, *, parquet: bool, max_bytes: int) -> Columnar:
    """Read a Parquet or Feather file into a frame with its own column types.

    Raises:
        DatasetError: damaged, encrypted, too wide or expanding too far.
    """
    kind = "Parquet" if parquet else "Feather"
    try:
        table = _parquet(name, data, max_bytes) if parquet else feather.read_table(io.BytesIO(data))
    except DatasetError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DatasetError(
            f"{name} is not a {kind} file that can be read ({type(exc).__name__}); write it again "
            "(e.g. pandas `to_parquet`) and upload that."
        ) from None
    if table.num_columns > MAX_COLUMNS:
        _wide(name, table.num_columns)
    if table.nbytes > _MAX_EXPANSION * max_bytes:
        _bomb(name)
    return Columnar(_frame(table), kind)


def _parquet(name: str, data: bytes, max_bytes: int) -> pa.Table:
    source = pa.BufferReader(data)
    meta = pq.read_metadata(source)
    if meta.num_columns > MAX_COLUMNS:
        _wide(name, meta.num_columns)
    decoded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if decoded > _MAX_EXPANSION * max_bytes:
        _bomb(name)
    return pq.read_table(pa.BufferReader(data))


def _frame(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    frame.columns = pd.Index([str(c) for c in frame.columns])
    for column, field in zip(frame.columns, table.schema, strict=True):
        if pa.types.is_decimal(field.type):
            frame[column] = frame[column].astype("float64")
        elif isinstance(frame[column].dtype, pd.CategoricalDtype) or frame[column].dtype == object:
            frame[column] = frame[column].astype(object).map(lambda v: None if _empty(v) else text_of(v))
        elif pa.types.is_duration(field.type) or pa.types.is_time(field.type):
            frame[column] = frame[column].astype(str).where(frame[column].notna(), None)
    return frame


def _empty(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _wide(name: str, count: int) -> None:
    raise DatasetError(
        f"{name} has {count:,} columns, more than the {MAX_COLUMNS:,} this bot reads; keep the columns you "
        "need and upload again."
    )


def _bomb(name: str) -> None:
    raise DatasetError(
        f"{name} expands to far more data than its size suggests; filter it to the rows and columns you "
        "need and upload again."
    )
