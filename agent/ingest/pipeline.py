"""Turn an uploaded file into a clean DataFrame and the Parquet file the sandbox loads.

    bytes ─ sniff (size, compression, binary/HTML, encoding) ─ csvread (delimiter, title lines,
    header, ragged rows) ─ coltypes (numbers, dates, yes/no) ─ Parquet (zstd) ─ loader ─ frame

The frame is produced by the very loader (`agent.ingest.loader`) that `LoadedDataset.load_code` ships to
the sandbox, run on the stored Parquet, so what the profile describes is what the model's code will see.
Parquet keeps every column's type, so the sandbox needs no column spec.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from agent.errors import DatasetError
from agent.ingest import loader
from agent.ingest.coltypes import type_columns
from agent.ingest.csvread import read_table
from agent.ingest.sniff import read_text

# The loader's own source is what the sandbox runs, so host and sandbox read a dataset identically.
LOADER_SOURCE = inspect.getsource(loader.dataagent_load)
STORED_FORMAT = "parquet"

_COMPRESSED = (".gz", ".gzip", ".zip", ".bz2", ".xz")
_TABULAR = (".csv", ".tsv", ".tab", ".txt", ".dat", ".psv")
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

    def load_code(self, path: str, var_name: str | None = None) -> str:
        """Python that loads the stored file at `path` into a DataFrame named `var_name`.

        The path enters the source only as a string literal (`repr`), so a hostile name cannot
        inject code; column names travel inside the Parquet file, never in the source.

        Raises:
            ValueError: `var_name` is not a plain Python identifier.
        """
        var = var_name or self.var_name
        if not var.isidentifier() or keyword.iskeyword(var):
            raise ValueError(f"not a usable variable name: {var!r}")
        return f"{LOADER_SOURCE}\n{var} = dataagent_load({str(path)!r})\ndel dataagent_load\n"


def ingest(name: str, data: bytes, *, max_bytes: int) -> LoadedDataset:
    """Read an uploaded CSV/TSV (plain or compressed) into a typed DataFrame.

    Args:
        name: the file name as uploaded (used in messages and for the DataFrame's name).
        data: the file's bytes.
        max_bytes: the largest file, and the largest decompressed size, accepted.

    Raises:
        DatasetError: the file cannot be used; the message says what is wrong and what to do.
    """
    try:
        return _ingest(name, data, max_bytes=max_bytes)
    except RecursionError:
        # A hostile shape (e.g. brackets nested thousands deep) a parser recursed on: the file, not a
        # crash to retry.
        raise DatasetError(
            f"{name} is nested too deeply to read as a table; export the data as a plain CSV and upload that."
        ) from None
    except MemoryError:
        raise DatasetError(
            f"{name} needs more memory to read than this bot has; filter it to the rows and columns you need "
            "or split it into smaller files, then upload again."
        ) from None


def _ingest(name: str, data: bytes, *, max_bytes: int) -> LoadedDataset:
    sha256 = hashlib.sha256(data).hexdigest()
    text = read_text(name, data, max_bytes=max_bytes)
    table = read_table(name, text.text)
    encoding, text_warnings = text.encoding, text.warnings
    # Each stage's input is dropped as soon as the next holds the data, so peak memory stays near
    # two copies of the file, not one per stage.
    del text
    typed = type_columns(table.frame, table.delimiter)
    delimiter, skipped, table_warnings = table.delimiter, table.skipped_lines, table.warnings
    del table
    warnings = [*text_warnings, *table_warnings, *typed.warnings]
    frame = typed.frame[~typed.blank_rows].reset_index(drop=True)
    dropped = int(typed.blank_rows.sum())
    decimal, kinds = typed.decimal, typed.kinds
    del typed
    if frame.empty:
        raise DatasetError(f"{name} has a header but no rows; export it again with the data rows included.")
    if dropped:
        warnings.append(f"dropped {dropped} empty row{'' if dropped == 1 else 's'}")
    stored = to_parquet(frame)
    del frame
    return LoadedDataset(
        name=name,
        var_name=var_name_for(name),
        frame=loader.dataagent_load(io.BytesIO(stored)),
        stored=stored,
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        skipped_lines=skipped,
        warnings=tuple(warnings),
        sha256=sha256,
        kinds=kinds,
    )


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
