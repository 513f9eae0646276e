"""A thread's datasets: ingest a file, profile it, keep it in Redis, name it for the code."""

from __future__ import annotations

import asyncio
import keyword
import time
from dataclasses import replace

from agent.ingest import ingest
from agent.profile import profile, profile_text
from agent.sandbox.base import DATA_DIR
from agent.store import DatasetRecord, Store


def unique_name(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`… so two files never share a DataFrame name."""
    if not base.isidentifier() or keyword.iskeyword(base) or base == "df":
        base = f"data_{base}" if base.isidentifier() else "data"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


class Datasets:
    """Turns uploaded bytes into stored, profiled datasets for a thread."""

    def __init__(self, store: Store, *, max_bytes: int) -> None:
        self._store = store
        self.max_bytes = max_bytes

    async def add(self, thread: str, name: str, data: bytes) -> tuple[DatasetRecord, int]:
        """Ingest and store a file for `thread`; returns the record and its position.

        Raises:
            DatasetError: the file cannot be used; the message says why and what to do.
        """
        loaded = await asyncio.to_thread(ingest, name, data, max_bytes=self.max_bytes)
        prof = await asyncio.to_thread(profile, loaded)
        existing = await self._store.datasets(thread)
        var = unique_name(loaded.var_name, {r.var_name for r in existing})
        file_name = f"{var}.csv"
        sha = await self._store.put_blob(loaded.normalized_csv, thread)
        record = DatasetRecord(
            name=name,
            var_name=var,
            blob_sha256=sha,
            file_name=file_name,
            load_code=loaded.load_code(f"{DATA_DIR}/{file_name}", var),
            profile_text=profile_text(prof),
            profile=prof,
            rows=int(loaded.frame.shape[0]),
            columns=tuple(str(c) for c in loaded.frame.columns),
            stored_at=time.time(),
        )
        await self._store.add_dataset(thread, record)
        return record, len(existing)

    async def link(self, thread: str, record: DatasetRecord) -> DatasetRecord:
        """Make a dataset of another thread available in `thread` (the blob is shared)."""
        existing = await self._store.datasets(thread)
        if any(r.blob_sha256 == record.blob_sha256 for r in existing):
            return next(r for r in existing if r.blob_sha256 == record.blob_sha256)
        await self._store.put_blob(await self._store.get_blob(record.blob_sha256), thread)
        # Its retention starts again here: the thread's copy lives as long as the thread's other data.
        linked = replace(record, stored_at=time.time())
        await self._store.add_dataset(thread, linked)
        return linked
