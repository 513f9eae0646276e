"""The `LLM_DATA` modes, and the profile the model is shown in each.

full      the profile as stored: column facts, top values, sample rows, notes from reading the file
redacted  the same text; the masking layer (`agent.privacy.mask`) swaps personal data for placeholders
schema    names, types, counts and numeric ranges only: no top values, sample rows, date ranges or notes
          (notes quote cells), so nothing of a cell is in the profile to begin with
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from agent.profile import profile_text
from agent.profile.model import ColumnProfile, DatasetProfile
from agent.store import DatasetRecord

Privacy = Literal["full", "redacted", "schema"]
PRIVACY_MODES: tuple[Privacy, ...] = ("full", "redacted", "schema")


def parse_privacy(raw: str) -> Privacy | None:
    """The mode named by `raw` (any case, spaces around), or None when it names none."""
    word = raw.strip().lower()
    for mode in PRIVACY_MODES:
        if word == mode:
            return mode
    return None


def _schema_column(column: ColumnProfile) -> ColumnProfile:
    numeric = column.dtype in ("number", "integer")
    return dataclasses.replace(
        column,
        min=column.min if numeric else None,
        max=column.max if numeric else None,
        mean=column.mean if numeric else None,
        top=(),
    )


def schema_profile(p: DatasetProfile) -> DatasetProfile:
    """`p` without a single cell value: what schema mode may show."""
    return dataclasses.replace(
        p,
        columns=tuple(_schema_column(c) for c in p.columns),
        sample_rows=(),
        suspicious=(),
        warnings=(),
    )


def shown_records(records: list[DatasetRecord], mode: Privacy) -> list[DatasetRecord]:
    """The records as the prompts of `mode` may describe them."""
    if mode != "schema":
        return records
    return [dataclasses.replace(r, profile_text=profile_text(schema_profile(r.profile))) for r in records]
