"""Turn an uploaded file into a clean DataFrame and the Parquet file the sandbox loads.

    bytes ─ sniff (size, compression, binary/HTML, encoding) ─ csvread (delimiter, title lines,
    header, ragged rows) ─ coltypes (numbers, dates, yes/no) ─ Parquet (zstd) ─ loader ─ frame

The frame kept is the one the loader (`agent.ingest.loader`, which `LoadedDataset.load_code` ships to the
sandbox) reads from the stored Parquet, so what the profile describes is what the model's code will see:
a frame whose dtypes Parquet gives back unchanged (numbers, yes/no, dates, Arrow-backed text; every
CSV's) is that frame already, any other is read back through the loader. Parquet keeps every column's
type, so the sandbox needs no column spec.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import keyword
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from agent.errors import DatasetError
from agent.ingest import loader
from agent.ingest.coltypes import (
    BOOL,
    DATE,
    DATE_UTC,
    FLOAT,
    INTEGER,
    NULLABLE_BOOL,
    NULLABLE_INTEGER,
    TEXT,
    type_columns,
)
from agent.ingest.columnar import read_columnar
from agent.ingest.csvread import MAX_COLUMNS, read_table
from agent.ingest.csvread import _clean_names as clean_names
from agent.ingest.csvread import _refuse_wide as refuse_wide
from agent.ingest.excel import read_workbook
from agent.ingest.formats import detect
from agent.ingest.jsonread import NotJson, read_json
from agent.ingest.sniff import read_text

# The loader's own source is what the sandbox runs, so host and sandbox read a dataset identically.
LOADER_SOURCE = inspect.getsource(loader.dataagent_load)
STORED_FORMAT = "parquet"

_COMPRESSED = (".gz", ".gzip", ".zip", ".bz2", ".xz")
_TABULAR: tuple[str, ...] = (".csv", ".tsv", ".tab", ".txt", ".dat", ".psv")
_TABULAR += (".xlsx", ".xlsm", ".xls", ".ods", ".parquet", ".pq", ".feather", ".arrow", ".jsonl", ".ndjson", ".json")
# Names the model's code relies on; a dataset must not shadow them.
_RESERVED = frozenset(
    {
        "df",
        "pd",
        "np",
        "plt",
        "sns",
        "pandas",
        "numpy",
        "matplotlib",
        "scipy",
        "math",
        "os",
        "sys",
        "re",
        "json",
        "datetime",
        "time",
        "random",
        "io",
        "csv",
        "display",
        "print",
        "len",
        "sum",
        "min",
        "max",
        "list",
        "dict",
        "set",
        "str",
        "int",
        "float",
        "type",
        "id",
        "input",
        "open",
        "range",
        "format",
    }
)


@dataclass(frozen=True)
class LoadedDataset:
    """A file read into a DataFrame, with everything needed to load it again in a sandbox."""

    name: str
    var_name: str
    frame: pd.DataFrame = field(repr=False, compare=False)
    stored: bytes = field(repr=False)
    encoding: str
    delimiter: str
    decimal: str
    skipped_lines: int
    warnings: tuple[str, ...]
    sha256: str
    kinds: tuple[tuple[str, str], ...] = ()
    stored_format: str = STORED_FORMAT

    def load_code(self, path: str, var_name: str | None = None, *, large: bool = False) -> str:
        """Python that loads the stored file at `path` into a DataFrame named `var_name`.

        The path enters the source only as a string literal (`repr`), so a hostile name cannot
        inject code; column names travel inside the Parquet file, never in the source.

        Args:
            large: the model will be offered DuckDB for this table, so the load makes sure it is there.

        Raises:
            ValueError: `var_name` is not a plain Python identifier.
        """
        var = var_name or self.var_name
        if not var.isidentifier() or keyword.iskeyword(var):
            raise ValueError(f"not a usable variable name: {var!r}")
        extra = ", large=True" if large else ""
        return f"{LOADER_SOURCE}\n{var} = dataagent_load({str(path)!r}{extra})\ndel dataagent_load\n"


def ingest(name: str, data: bytes, *, max_bytes: int) -> LoadedDataset:
    """Read an uploaded CSV/TSV (plain or compressed) into a typed DataFrame.

    Args:
        name: the file name as uploaded (used in messages and for the DataFrame's name).
        data: the file's bytes.
        max_bytes: the largest file, and the largest decompressed size, accepted.

    Raises:
        DatasetError: the file cannot be used; the message says what is wrong and what to do.
    """
    with _hostile_shapes(name, "export the data as a plain CSV and upload that"):
        return _ingest(name, data, max_bytes=max_bytes)


def ingest_file(name: str, data: bytes, *, max_bytes: int) -> tuple[LoadedDataset, ...]:
    """Read any supported upload: CSV/TSV, an Excel or OpenDocument workbook (one dataset per visible
    sheet with a table), Parquet, Feather, JSON or JSON Lines, plain or compressed.

    A workbook is all or nothing: a sheet that cannot be read refuses the file (storing the others
    would answer questions about a workbook with a sheet silently missing); sheets without a table
    are skipped and named in the warnings.

    Raises:
        DatasetError: the file cannot be used; the message says what is wrong and what to do.
    """
    with _hostile_shapes(name, "flatten it (one record per row) and upload that"):
        return _dispatch(name, data, max_bytes=max_bytes)


@contextlib.contextmanager
def _hostile_shapes(name: str, flatten: str) -> Iterator[None]:
    """A shape a parser recursed on (brackets nested thousands deep) or ran out of memory for: the file's
    fault, said in one sentence, not a crash the job queue would retry."""
    try:
        yield
    except RecursionError:
        raise DatasetError(f"{name} is nested too deeply to read as a table; {flatten}.") from None
    except MemoryError:
        raise DatasetError(
            f"{name} needs more memory to read than this bot has; filter it to the rows and columns you need "
            "or split it into smaller files, then upload again."
        ) from None


def _dispatch(name: str, data: bytes, *, max_bytes: int) -> tuple[LoadedDataset, ...]:
    found = detect(name, data, max_bytes=max_bytes)
    if found.kind == "excel":
        return _workbook(name, found.data, max_bytes=max_bytes)
    if found.kind in ("parquet", "feather"):
        table = read_columnar(name, found.data, parquet=found.kind == "parquet", max_bytes=max_bytes)
        return (finish(name, var_name_for(name), table.frame, data, ReadAs(table.kind), ()),)
    if found.kind in ("json", "jsonl"):
        try:
            parsed = read_json(name, found.data, lines=found.kind == "jsonl")
        except NotJson:
            if found.insisted:
                raise DatasetError(
                    f"{name} is not valid JSON; export it again (an array of records, or one record per line)."
                ) from None
        else:
            return (finish(name, var_name_for(name), parsed.frame, data, ReadAs(parsed.kind), parsed.warnings),)
    return (_ingest(name, data, max_bytes=max_bytes),)


def _workbook(name: str, data: bytes, *, max_bytes: int) -> tuple[LoadedDataset, ...]:
    book = read_workbook(name, data, max_bytes=max_bytes)
    several = len(book.sheets) > 1
    out = []
    for index, sheet in enumerate(book.sheets):
        shown = f"{name} ({sheet.sheet})" if several else name
        var = var_name_for(f"{var_name_for(name)} {sheet.sheet}") if several else var_name_for(name)
        notes = (*sheet.warnings, *(book.warnings if index == 0 else ()))
        read = ReadAs(book.kind, skipped_lines=sheet.skipped_rows)
        out.append(finish(shown, var, sheet.frame, data, read, notes))
    return tuple(out)


def _ingest(name: str, data: bytes, *, max_bytes: int) -> LoadedDataset:
    text = read_text(name, data, max_bytes=max_bytes)
    table = read_table(name, text)
    encoding, text_warnings = text.encoding, text.warnings
    # Each stage's input is dropped as soon as the next holds the data, so peak memory stays near
    # two copies of the file, not one per stage.
    del text
    typed = type_columns(table.frame, table.delimiter)
    read = ReadAs(encoding, table.delimiter, typed.decimal, table.skipped_lines)
    warnings = (*text_warnings, *table.warnings, *typed.warnings)
    del table
    return finish(name, var_name_for(name), typed.frame, data, read, warnings, blank=typed.blank_rows)


@dataclass(frozen=True)
class ReadAs:
    """How a file was read, for the profile: "utf-8, comma-separated", or a format such as "Excel sheet"."""

    encoding: str
    delimiter: str = ""
    decimal: str = "."
    skipped_lines: int = 0


def finish(
    name: str,
    var_name: str,
    frame: pd.DataFrame,
    source: bytes,
    read: ReadAs,
    warnings: Sequence[str],
    *,
    blank: np.ndarray | None = None,
) -> LoadedDataset:
    """Every format's last step: drop blank rows, store as Parquet, and keep the frame the sandbox's loader
    will read (loading it back only when its dtypes would not come back unchanged).

    Args:
        frame: typed columns (numbers, dates, booleans as such; text as str with NaN for missing).
        source: the uploaded bytes (the dataset's identity).
        blank: rows to drop as empty; by default those whose every cell is missing.

    Raises:
        DatasetError: no rows left, or more columns than this bot reads.
    """
    if frame.shape[1] > MAX_COLUMNS:
        refuse_wide(name, frame.shape[1])
    notes = list(warnings)
    frame = frame.set_axis(clean_names([str(c) for c in frame.columns], notes), axis=1)
    empty = np.asarray(frame.isna().all(axis=1)) if blank is None else blank
    dropped = int(empty.sum()) if len(empty) else 0
    frame = (frame[~empty] if dropped else frame).reset_index(drop=True)
    if frame.empty or not frame.shape[1]:
        raise DatasetError(f"{name} has a header but no rows; export it again with the data rows included.")
    if dropped:
        notes.append(f"dropped {dropped} empty row{'' if dropped == 1 else 's'}")
    frame, kinds = _with_kinds(frame)
    stored = to_parquet(frame)
    if not loads_as_is(frame):
        frame = loader.dataagent_load(io.BytesIO(stored))
    return LoadedDataset(
        name=name,
        var_name=var_name,
        frame=frame,
        stored=stored,
        encoding=read.encoding,
        delimiter=read.delimiter,
        decimal=read.decimal,
        skipped_lines=read.skipped_lines,
        warnings=tuple(notes),
        sha256=hashlib.sha256(source).hexdigest(),
        kinds=kinds,
    )


def _with_kinds(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[tuple[str, str], ...]]:
    """The storage kind of each column, from its dtype; time-zoned dates become UTC (how they load back)."""
    kinds: list[tuple[str, str]] = []
    changed: dict[str, pd.Series] = {}
    for name in frame.columns:
        column, kind = _kind_of(frame[name])
        if column.dtype != frame[name].dtype:
            changed[str(name)] = column
        kinds.append((str(name), kind))
    if changed:
        frame = frame.copy(deep=False)
        for name, column in changed.items():
            frame[name] = column
    return frame, tuple(kinds)


def _kind_of(column: pd.Series) -> tuple[pd.Series, str]:
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC"), DATE_UTC
    if pd.api.types.is_datetime64_dtype(dtype):
        return column, DATE
    if pd.api.types.is_bool_dtype(dtype):
        return column, NULLABLE_BOOL if isinstance(dtype, pd.BooleanDtype) else BOOL
    if pd.api.types.is_integer_dtype(dtype):
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            return column.astype("Int64"), NULLABLE_INTEGER
        return column.astype("int64"), INTEGER
    if pd.api.types.is_float_dtype(dtype):
        return column.astype("float64"), FLOAT
    return column, TEXT


# What the loader gives back unchanged from Parquet. A frame of only these (on a plain RangeIndex) is
# already the frame the sandbox will load; reading a big file back would cost a tenth of its ingest and
# a second copy of it in memory.
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
_AS_IS = (np.dtype("int64"), np.dtype("float64"), np.dtype("bool"), pd.Int64Dtype(), pd.BooleanDtype(), _TEXT)


def loads_as_is(frame: pd.DataFrame) -> bool:
    """Would `frame`, stored by `to_parquet`, come back from the loader exactly as it is?"""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        return False
    return all(_loads_as_is(dtype) for dtype in frame.dtypes)


def _loads_as_is(dtype: object) -> bool:
    # Parquet has no seconds unit: datetime64[s] comes back as [ms].
    if isinstance(dtype, pd.DatetimeTZDtype):
        return str(dtype.tz) == "UTC" and dtype.unit != "s"
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return np.datetime_data(dtype)[0] in ("ms", "us", "ns")
    return dtype in _AS_IS


def to_parquet(frame: pd.DataFrame) -> bytes:
    """A typed frame as the Parquet bytes a dataset is stored as (zstd, no index)."""
    out = io.BytesIO()
    frame.to_parquet(out, engine="pyarrow", compression="zstd", index=False)
    return out.getvalue()


def var_name_for(file_name: str) -> str:
    """A Python identifier for a file's DataFrame: "Sales 2024.csv" → `sales_2024`, "2024.csv" → `data_2024`."""
    base = PurePosixPath(file_name.replace("\\", "/")).name
    for suffixes in (_COMPRESSED, _TABULAR):
        for suffix in suffixes:
            if base.lower().endswith(suffix) and len(base) > len(suffix):
                base = base[: -len(suffix)]
                break
    plain = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    ident = re.sub(r"[^0-9a-zA-Z]+", "_", plain).strip("_").lower()[:40].rstrip("_")
    if not ident:
        return "data"
    if ident[0].isdigit() or keyword.iskeyword(ident) or ident in _RESERVED:
        return f"data_{ident}"
    return ident
