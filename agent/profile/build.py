"""Build a dataset's profile from its loaded frame.

Every statistic is a vectorised pandas call per column (no per-row Python), so a million rows
profile in seconds. Cell values and column names are untrusted: they are stored cut short and
stripped of control characters (see `agent.profile.text.clean`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from agent.ingest import LoadedDataset
from agent.profile.model import ColumnProfile, DatasetProfile
from agent.profile.suspicious import find_suspicious
from agent.profile.text import SAMPLE_CELL_CHARS, clean, scalar

TOP_VALUES = 5
SAMPLE_ROWS = 3
_THREADS = min(4, os.cpu_count() or 1)


def profile(ds: LoadedDataset) -> DatasetProfile:
    """Describe a loaded dataset."""
    frame = ds.frame
    # pandas' hashing and reductions mostly let go of the GIL: columns are described two at a time.
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        columns = tuple(pool.map(_column, [str(n) for n in frame.columns], [frame[n] for n in frame.columns]))
    head = frame.head(SAMPLE_ROWS)
    samples = tuple(tuple(_cell(head[c].iloc[i]) for c in head.columns) for i in range(len(head)))
    return DatasetProfile(
        name=ds.name,
        var_name=ds.var_name,
        rows=len(frame),
        columns=columns,
        date_columns=tuple(c.name for c in columns if c.dtype == "date"),
        sample_rows=samples,
        suspicious=find_suspicious(frame, columns),
        warnings=ds.warnings,
        encoding=ds.encoding,
        delimiter=ds.delimiter,
        decimal=ds.decimal,
        skipped_lines=ds.skipped_lines,
    )


def friendly_dtype(series: pd.Series) -> str:
    """number / integer / text / date / bool."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    return "text"


def _column(name: str, series: pd.Series) -> ColumnProfile:
    kind = friendly_dtype(series)
    nulls = int(series.isna().sum())
    if kind in ("number", "integer"):
        values = series.dropna() if nulls else series
        finite = values
        if kind == "number":  # filtered (a copy of the column) only when some value is infinite
            mask = np.isfinite(values.to_numpy(dtype="float64"))
            finite = values if mask.all() else values[mask]
        if finite.empty:
            return ColumnProfile(name, kind, nulls, int(values.nunique()))
        mean = float(finite.astype("float64").mean())
        return ColumnProfile(
            name,
            kind,
            nulls,
            int(values.nunique()),
            scalar(finite.min()),
            scalar(finite.max()),
            mean if np.isfinite(mean) else None,
        )
    if kind == "date":
        values = series.dropna()
        low, high = (scalar(values.min()), scalar(values.max())) if len(values) else (None, None)
        return ColumnProfile(name, kind, nulls, int(values.nunique()), low, high)
    counts = series.value_counts(dropna=True, sort=True)
    # Ties in order of value, so the same file always shows the same top values.
    head = sorted(((int(n), str(v)) for v, n in counts.head(TOP_VALUES * 4).items()), key=lambda t: (-t[0], t[1]))
    top = tuple((clean(v, SAMPLE_CELL_CHARS), n) for n, v in head[:TOP_VALUES])
    return ColumnProfile(name, kind, nulls, len(counts), top=top)


def _cell(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):  # type: ignore[call-overload]
        return None
    shown = scalar(value)
    return clean(str(shown), SAMPLE_CELL_CHARS)
