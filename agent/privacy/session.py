"""Setting up the privacy mode of one question: the thread's placeholders, and in schema mode the value index."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

import pandas as pd

from agent.llm.base import LLM
from agent.privacy.llm import MaskedLLM
from agent.privacy.mask import Masker
from agent.privacy.modes import Privacy
from agent.privacy.values import ValueIndex, build_index, read_text_columns
from agent.privacy.vault import Vault
from agent.store import DatasetRecord, Store

# Value indexes kept in memory, by the datasets they index; a few MB each at most (see agent.privacy.values).
_CACHED_INDEXES = 4


class PrivacyLayer:
    """Wraps the model for a question in the mode asked for; caches schema mode's value indexes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._indexes: OrderedDict[tuple[str, ...], ValueIndex] = OrderedDict()

    async def model(self, llm: LLM, thread: str, records: list[DatasetRecord], mode: Privacy) -> LLM:
        """`llm` as the question may use it: itself in full mode, else masked."""
        if mode == "full":
            return llm
        vault = await Vault.open(self._store, thread)
        values = await self._index(records) if mode == "schema" else None
        return MaskedLLM(llm, Masker(vault, values))

    async def _index(self, records: list[DatasetRecord]) -> ValueIndex:
        key = tuple(sorted(r.blob_sha256 for r in records))
        cached = self._indexes.get(key)
        if cached is not None:
            self._indexes.move_to_end(key)
            return cached
        frames: list[tuple[DatasetRecord, pd.DataFrame]] = []
        for record in records:
            data = await self._store.get_blob(record.blob_sha256)
            frames.append((record, await asyncio.to_thread(read_text_columns, record, data)))
        index = await asyncio.to_thread(build_index, frames)
        self._indexes[key] = index
        while len(self._indexes) > _CACHED_INDEXES:
            self._indexes.popitem(last=False)
        return index
