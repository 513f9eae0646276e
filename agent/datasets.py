"""A thread's datasets: parse a file in the ingest worker, keep it in Redis, name it for the code."""

from __future__ import annotations

import keyword
import time
from dataclasses import replace

from agent.ingest.worker import IngestPool, ParsedFile
from agent.sandbox.base import DATA_DIR
from agent.store import DatasetRecord, Store, is_large


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

    def __init__(self, store: Store, *, max_bytes: int, pool: IngestPool | None = None) -> None:
        self._store = store
        self.max_bytes = max_bytes
        self._pool = pool or IngestPool()

    async def add(self, thread: str, name: str, data: bytes) -> tuple[tuple[DatasetRecord, int], ...]:
        """Ingest and store a file for `thread`: one dataset, or one per sheet of a workbook.

        Every dataset is read and profiled before any is stored, so a file that fails stores nothing.

        Returns:
            Each dataset's record and its position in the thread.

        Raises:
            DatasetError: the file cannot be used; the message says why and what to do.
        """
        parsed = await self._pool.parse(name, data, max_bytes=self.max_bytes)
        existing = await self._store.datasets(thread)
        taken = {r.var_name for r in existing}
        out: list[tuple[DatasetRecord, int]] = []
        for one in parsed:
            var = unique_name(one.dataset.var_name, taken)
            taken.add(var)
            record = await self._store_one(thread, one, var)
            out.append((record, len(existing) + len(out)))
        return tuple(out)

    async def _store_one(self, thread: str, parsed: ParsedFile, var: str) -> DatasetRecord:
        file_name = f"{var}.{parsed.dataset.stored_format}"
        sha = await self._store.put_blob(parsed.blob, thread)
        record = DatasetRecord(
            name=parsed.dataset.name,
            var_name=var,
            blob_sha256=sha,
            file_name=file_name,
            load_code=parsed.dataset.load_code(f"{DATA_DIR}/{file_name}", var, large=is_large(parsed.rows)),
            profile_text=parsed.profile_text,
            profile=parsed.profile,
            rows=parsed.rows,
            columns=parsed.columns,
            stored_at=time.time(),
        )
        await self._store.add_dataset(thread, record)
        return record

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
