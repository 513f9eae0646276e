"""A thread's datasets: parse a file in the ingest worker, keep it in Redis, name it for the code."""

from __future__ import annotations

import keyword

from agent.ingest import var_name_for
from agent.ingest.worker import IngestPool
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

    def __init__(self, store: Store, *, max_bytes: int, pool: IngestPool | None = None) -> None:
        self._store = store
        self.max_bytes = max_bytes
        self._pool = pool or IngestPool()

    async def add(self, thread: str, name: str, data: bytes) -> tuple[DatasetRecord, int]:
        """Ingest and store a file for `thread`; returns the record and its position.

        Raises:
            DatasetError: the file cannot be used; the message says why and what to do.
        """
        # Named before parsing so the worker can write the load code; the job queue (or the engine's
        # thread lock) runs one add per thread at a time, so the name is still free afterwards.
        existing = await self._store.datasets(thread)
        var = unique_name(var_name_for(name), {r.var_name for r in existing})
        file_name = f"{var}.csv"
        parsed = await self._pool.parse(
            name, data, max_bytes=self.max_bytes, var_name=var, path=f"{DATA_DIR}/{file_name}"
        )
        sha = await self._store.put_blob(parsed.blob, thread)
        record = DatasetRecord(
            name=name,
            var_name=var,
            blob_sha256=sha,
            file_name=file_name,
            load_code=parsed.load_code,
            profile_text=parsed.profile_text,
            profile=parsed.profile,
            rows=parsed.rows,
            columns=parsed.columns,
        )
        await self._store.add_dataset(thread, record)
        return record, len(existing)

    async def link(self, thread: str, record: DatasetRecord) -> DatasetRecord:
        """Make a dataset of another thread available in `thread` (the blob is shared)."""
        existing = await self._store.datasets(thread)
        if any(r.blob_sha256 == record.blob_sha256 for r in existing):
            return next(r for r in existing if r.blob_sha256 == record.blob_sha256)
        await self._store.put_blob(await self._store.get_blob(record.blob_sha256), thread)
        await self._store.add_dataset(thread, record)
        return record
