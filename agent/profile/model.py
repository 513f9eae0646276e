"""What a dataset looks like: the profile values, stored in Redis and read by every view of them.

Only plain values live here; building a profile (`agent.profile.build`) and rendering it as text
(`agent.profile.text`) import this module, never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Scalar = float | int | str | bool | None


@dataclass(frozen=True)
class ColumnProfile:
    """One column: friendly type (number/integer/text/date/bool), gaps, spread and common values."""

    name: str
    dtype: str
    nulls: int
    distinct: int
    min: float | int | str | None = None
    max: float | int | str | None = None
    mean: float | None = None
    top: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "nulls": self.nulls,
            "distinct": self.distinct,
            "min": self.min,
            "max": self.max,
            "mean": self.mean,
            "top": [{"value": v, "count": c} for v, c in self.top],
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ColumnProfile:
        """The inverse of `to_json`."""
        top = tuple((str(t["value"]), int(t["count"])) for t in d.get("top", ()))
        return cls(
            str(d["name"]),
            str(d["dtype"]),
            int(d["nulls"]),
            int(d["distinct"]),
            d.get("min"),
            d.get("max"),
            d.get("mean"),
            top,
        )


@dataclass(frozen=True)
class DatasetProfile:
    """A dataset's shape, columns, sample rows and the oddities worth a user's attention."""

    name: str
    var_name: str
    rows: int
    columns: tuple[ColumnProfile, ...]
    date_columns: tuple[str, ...]
    sample_rows: tuple[tuple[str | None, ...], ...]
    suspicious: tuple[str, ...]
    warnings: tuple[str, ...]
    encoding: str
    delimiter: str
    decimal: str
    skipped_lines: int

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types only (it is stored in Redis and printed by `dataagent profile --json`)."""
        names = [c.name for c in self.columns]
        return {
            "name": self.name,
            "var_name": self.var_name,
            "rows": self.rows,
            "column_count": len(self.columns),
            "columns": [c.to_json() for c in self.columns],
            "date_columns": list(self.date_columns),
            "sample_rows": [dict(zip(names, row, strict=True)) for row in self.sample_rows],
            "suspicious": list(self.suspicious),
            "warnings": list(self.warnings),
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "decimal": self.decimal,
            "skipped_lines": self.skipped_lines,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DatasetProfile:
        """The inverse of `to_json` (a profile read back from Redis)."""
        columns = tuple(ColumnProfile.from_json(c) for c in d["columns"])
        names = [c.name for c in columns]
        samples = tuple(tuple(row.get(n) for n in names) for row in d.get("sample_rows", ()))
        return cls(
            name=str(d["name"]),
            var_name=str(d["var_name"]),
            rows=int(d["rows"]),
            columns=columns,
            date_columns=tuple(d.get("date_columns", ())),
            sample_rows=samples,
            suspicious=tuple(d.get("suspicious", ())),
            warnings=tuple(d.get("warnings", ())),
            encoding=str(d.get("encoding", "")),
            delimiter=str(d.get("delimiter", "")),
            decimal=str(d.get("decimal", ".")),
            skipped_lines=int(d.get("skipped_lines", 0)),
        )
