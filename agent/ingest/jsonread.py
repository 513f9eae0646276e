"""JSON exports as tables: an array of records, an object of columns, an object wrapping one array of
records (`{"data": [...]}`), or JSON Lines (one record per line, whatever the extension says).

Nested objects become dotted columns (`customer.city`); a list inside a record stays one cell, as
its JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from agent.errors import DatasetError
from agent.ingest.cells import text_of, type_frame
from agent.ingest.csvread import MAX_COLUMNS

_NOT_A_TABLE = (
    "{name} is JSON but not a table; upload an array of records ([{{...}}, {{...}}]), an object of columns, "
    "or one record per line (JSON Lines)."
)


class NotJson(Exception):
    """The text is neither JSON nor JSON Lines (a caller that only guessed JSON reads it as CSV)."""


@dataclass(frozen=True)
class JsonTable:
    frame: pd.DataFrame
    kind: str  # "JSON" or "JSON Lines", for the profile
    warnings: tuple[str, ...]


def read_json(name: str, data: bytes, *, lines: bool) -> JsonTable:
    """Parse JSON (or, with `lines` or when the text is one value per line, JSON Lines) into a frame.

    Raises:
        NotJson: the text parses as neither.
        DatasetError: JSON that holds no table, too wide, or a JSON Lines line that is not a record.
    """
    text = _decode(name, data)
    if not lines:
        try:
            value = json.loads(text)
        except ValueError:
            lines = True  # a .json that is really NDJSON
        else:
            records, note = _records(name, value)
            return _table(name, records, "JSON", note)
    return _table(name, _lines(name, text), "JSON Lines", None)


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DatasetError(f"{name} is not UTF-8 text; export the JSON again as UTF-8.") from None


def _records(name: str, value: object) -> tuple[list[dict[str, object]] | pd.DataFrame, str | None]:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return list(value), None
    if isinstance(value, dict) and value:
        columns = _columns(name, value)
        if columns is not None:
            return columns, None
        wrapped = [k for k, v in value.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
        if len(wrapped) == 1:
            return list(value[wrapped[0]]), f"read the records under {wrapped[0]!r}"
    raise DatasetError(_NOT_A_TABLE.format(name=name))


def _columns(name: str, value: dict[str, object]) -> pd.DataFrame | None:
    """`{"a": [1, 2], "b": [3, 4]}`: every value a list of scalars, all of one length."""
    lists = list(value.values())
    if not all(isinstance(v, list) for v in lists) or len({len(v) for v in lists if isinstance(v, list)}) != 1:
        return None
    if not all(not isinstance(x, dict | list) for v in lists if isinstance(v, list) for x in v):
        return None
    if len(value) > MAX_COLUMNS:
        _wide(f"{len(value):,}", name)
    return pd.DataFrame({str(k): pd.Series(v, dtype=object) for k, v in value.items()})


def _lines(name: str, text: str) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            if not records:
                raise NotJson from None
            raise DatasetError(
                f"{name} line {number} is not valid JSON; fix or remove that line and upload the file again."
            ) from None
        if not isinstance(value, dict):
            raise DatasetError(f"{name} line {number} is not a record ({{...}}); " + _NOT_A_TABLE.format(name=name))
        records.append(value)
    if not records:
        raise DatasetError(_NOT_A_TABLE.format(name=name))
    return records


def _table(name: str, records: list[dict[str, object]] | pd.DataFrame, kind: str, note: str | None) -> JsonTable:
    if isinstance(records, pd.DataFrame):
        frame = records
    else:
        _check_width(name, records)
        frame = pd.json_normalize(records, sep=".")
    if frame.shape[1] > MAX_COLUMNS:
        _wide(f"{frame.shape[1]:,}", name)
    # Lists (and anything else json_normalize left whole) stay one cell, as their JSON text.
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, list | dict)).any():
            frame[column] = frame[column].map(lambda v: text_of(v) if isinstance(v, list | dict) else v)
    cells = type_frame(frame.reset_index(drop=True))
    return JsonTable(cells.frame, kind, ((note,) if note else ()) + cells.warnings)


def _check_width(name: str, records: list[dict[str, object]]) -> None:
    """Refuse before flattening when the records alone name more columns than the cap."""
    keys: set[str] = set()
    for record in records:
        keys.update(record)
        if len(keys) > MAX_COLUMNS:
            _wide("more", name)


def _wide(count: str, name: str) -> None:
    raise DatasetError(
        f"{name} has {count} columns, more than the {MAX_COLUMNS:,} this bot reads; keep the fields you need "
        "and upload again."
    )
