"""Everything DataAgent remembers, in Redis.

Keys (all under one namespace, all expiring after the retention period):

    {ns}:blob:{sha256}            zlib-compressed dataset bytes, shared by content hash
    {ns}:t:{thread}:datasets      list of dataset records (JSON), in upload order
    {ns}:t:{thread}:turns         recent conversation turns (JSON), bounded
    {ns}:t:{thread}:cells         code cells that succeeded, replayed on a new sandbox, bounded
    {ns}:t:{thread}:sandbox       the thread's sandbox handle (JSON)

`thread` is an opaque key chosen by the caller (the Slack layer uses channel and thread ts).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import zlib
from dataclasses import asdict, dataclass
from typing import TypeVar

import redis.asyncio as aioredis

from agent.errors import DatasetError
from agent.profile.model import DatasetProfile

MAX_TURNS = 20
MAX_CELLS = 40

_Record = TypeVar("_Record", bound="JsonRecord")


class JsonRecord:
    """Frozen dataclasses stored in Redis as JSON."""

    def to_json(self) -> str:
        return json.dumps(asdict(self))  # type: ignore[call-overload]

    @classmethod
    def from_json(cls: type[_Record], raw: str | bytes) -> _Record:
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class DatasetRecord:
    """A dataset as stored for a thread: how to find its bytes, how to load them, what they hold."""

    name: str  # the file name the user uploaded
    var_name: str  # the DataFrame's name in the sandbox
    blob_sha256: str  # of the normalized CSV stored under blob:{sha}
    file_name: str  # the normalized file's name in the sandbox data dir
    load_code: str  # Python that loads the file into `var_name`
    profile_text: str  # what the model is shown (`agent.profile.profile_text` at ingest)
    profile: DatasetProfile
    rows: int
    columns: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "profile": self.profile.to_json(), "columns": list(self.columns)})

    @classmethod
    def from_json(cls, raw: str | bytes) -> DatasetRecord:
        d = json.loads(raw)
        return cls(**{**d, "profile": DatasetProfile.from_json(d["profile"]), "columns": tuple(d["columns"])})


@dataclass(frozen=True)
class Turn(JsonRecord):
    """One question and what came of it, as the model will see it next time."""

    question: str
    answer: str
    code: str | None
    ok: bool


@dataclass(frozen=True)
class SandboxHandle(JsonRecord):
    """Which sandbox serves a thread; `kind` tells which provider can reattach to it."""

    kind: str
    sandbox_id: str
    versions: str = ""


class Store:
    """Typed access to DataAgent's Redis keys."""

    def __init__(self, client: aioredis.Redis, *, namespace: str = "dataagent", retention_days: int = 7) -> None:
        self.redis = client
        self.ns = namespace
        self.ttl_s = retention_days * 86_400

    def key(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    def _t(self, thread: str, what: str) -> str:
        return self.key("t", thread, what)

    # Blobs

    async def put_blob(self, data: bytes) -> str:
        # Hashing and compressing up to MAX_FILE_MB would stall the event loop: do it off-loop.
        sha = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
        key = self.key("blob", sha)
        # Same bytes from another thread: only extend the lifetime.
        if not await self.redis.expire(key, self.ttl_s):
            await self.redis.set(key, await asyncio.to_thread(zlib.compress, data, 6), ex=self.ttl_s)
        return sha

    async def get_blob(self, sha: str) -> bytes:
        raw = await self.redis.get(self.key("blob", sha))
        if raw is None:
            raise DatasetError("This thread's data has expired from storage; please upload the file again.")
        await self.redis.expire(self.key("blob", sha), self.ttl_s)
        return await asyncio.to_thread(zlib.decompress, raw if isinstance(raw, bytes) else raw.encode("latin-1"))

    # Datasets

    async def add_dataset(self, thread: str, record: DatasetRecord) -> None:
        key = self._t(thread, "datasets")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, record.to_json())
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def datasets(self, thread: str) -> list[DatasetRecord]:
        return [DatasetRecord.from_json(raw) for raw in await self.redis.lrange(self._t(thread, "datasets"), 0, -1)]

    # Conversation memory and replayable cells

    async def add_turn(self, thread: str, turn: Turn) -> None:
        await self._push_bounded(self._t(thread, "turns"), turn.to_json(), MAX_TURNS)

    async def turns(self, thread: str, last: int = MAX_TURNS) -> list[Turn]:
        return [Turn.from_json(raw) for raw in await self.redis.lrange(self._t(thread, "turns"), -last, -1)]

    async def add_cell(self, thread: str, code: str) -> None:
        await self._push_bounded(self._t(thread, "cells"), code, MAX_CELLS)

    async def cells(self, thread: str) -> list[str]:
        raw = await self.redis.lrange(self._t(thread, "cells"), 0, -1)
        return [c.decode() if isinstance(c, bytes) else str(c) for c in raw]

    async def _push_bounded(self, key: str, value: str, bound: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, value)
            pipe.ltrim(key, -bound, -1)
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    # Sandbox handle

    async def set_handle(self, thread: str, handle: SandboxHandle) -> None:
        await self.redis.set(self._t(thread, "sandbox"), handle.to_json(), ex=self.ttl_s)

    async def handle(self, thread: str) -> SandboxHandle | None:
        raw = await self.redis.get(self._t(thread, "sandbox"))
        return SandboxHandle.from_json(raw) if raw else None

    async def clear_handle(self, thread: str) -> None:
        await self.redis.delete(self._t(thread, "sandbox"))

    async def forget(self, thread: str) -> None:
        """Delete a thread's datasets, memory, cells and handle (blobs expire on their own)."""
        await self.redis.delete(*(self._t(thread, w) for w in ("datasets", "turns", "cells", "sandbox")))
