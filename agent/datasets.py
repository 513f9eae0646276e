"""A thread's datasets: ingest a file, profile it, keep it in Redis, name it for the code."""

from __future__ import annotations

import asyncio
import keyword

from agent.ingest import LoadedDataset, ingest_file
from agent.profile import DatasetProfile, profile, profile_text
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

    async def add(self, thread: str, name: str, data: bytes) -> tuple[tuple[DatasetRecord, int], ...]:
        """Ingest and store a file for `thread`: one dataset, or one per sheet of a workbook.

        Every dataset is read and profiled before any is stored, so a file that fails stores nothing.

        Returns:
            Each dataset's record and its position in the thread.

        Raises:
            DatasetError: the file cannot be used; the message says why and what to do.
        """
        loaded = await asyncio.to_thread(ingest_file, name, data, max_bytes=self.max_bytes)
        profiles = [await asyncio.to_thread(profile, one) for one in loaded]
        existing = await self._store.datasets(thread)
        taken = {r.var_name for r in existing}
        out: list[tuple[DatasetRecord, int]] = []
        for one, prof in zip(loaded, profiles, strict=True):
            var = unique_name(one.var_name, taken)
            taken.add(var)
            record = await self._store_one(thread, one, prof, var)
            out.append((record, len(existing) + len(out)))
        return tuple(out)

    async def _store_one(self, thread: str, loaded: LoadedDataset, prof: DatasetProfile, var: str) -> DatasetRecord:
        file_name = f"{var}.csv"
        sha = await self._store.put_blob(loaded.normalized_csv, thread)
        record = DatasetRecord(
            name=loaded.name,
            var_name=var,
            blob_sha256=sha,
            file_name=file_name,
            load_code=loaded.load_code(f"{DATA_DIR}/{file_name}", var),
            profile_text=profile_text(prof),
            profile=prof,
            rows=int(loaded.frame.shape[0]),
            columns=tuple(str(c) for c in loaded.frame.columns),
        )
        await self._store.add_dataset(thread, record)
        return record

    async def link(self, thread: str, record: DatasetRecord) -> DatasetRecord:
        """Make a dataset of another thread available in `thread` (the blob is shared)."""
        existing = await self._store.datasets(thread)
        if any(r.blob_sha256 == record.blob_sha256 for r in existing):
            return next(r for r in existing if r.blob_sha256 == record.blob_sha256)
        await self._store.put_blob(await self._store.get_blob(record.blob_sha256), thread)
        await self._store.add_dataset(thread, record)
        return record
