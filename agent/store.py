"""Everything DataAgent remembers, in Redis.

Keys (all under one namespace, all expiring after the retention period):

    {ns:blob:SHA}                 zlib-compressed dataset bytes, shared by content hash
    {ns:blob:SHA}:refs            the threads that stored that blob (forget deletes it with the last one)
    {ns:t:THREAD}:blobs           the blobs the thread stored
    {ns:t:THREAD}:datasets        list of dataset records (JSON), in upload order
    {ns:t:THREAD}:turns           recent conversation turns (JSON), bounded
    {ns:t:THREAD}:cells           code cells that succeeded, replayed on a new sandbox, bounded
    {ns:t:THREAD}:sandbox         the thread's sandbox handle (JSON)
    {ns:t:THREAD}:placeholders    privacy-mode placeholders ↔ the values they hide (`agent.privacy.vault`)

`thread` is an opaque key chosen by the caller (the Slack layer uses channel and thread ts). The braces
are Redis Cluster hash tags: a thread's keys share a slot, a blob and its references share another, so
threads and blobs spread over the shards while every transaction stays in one slot. Nothing spans a
thread and a blob atomically (see `put_blob` and `forget`). Keys of releases before the tags are moved
by `bot.migrate`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import zlib
from dataclasses import asdict, dataclass
from typing import TypeVar

from agent.errors import DatasetError
from agent.profile.model import DatasetProfile
from agent.redis_client import RedisClient

MAX_TURNS = 20
THREAD_KEYS = ("datasets", "turns", "cells", "sandbox", "blobs", "placeholders")
MAX_CELLS = 40

_Record = TypeVar("_Record", bound="JsonRecord")

# Drop one thread's reference to a blob; the last reference takes the blob with it. One script, so a
# thread storing the same bytes at that moment either keeps the blob or finds it gone and writes it again.
_RELEASE_BLOB = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 and redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
"""


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
    blob_sha256: str  # of the stored dataset (Parquet; a normalized CSV before) under blob:{sha}
    file_name: str  # the stored file's name in the sandbox data dir
    load_code: str  # Python that loads the file into `var_name`
    profile_text: str  # what the model is shown (`agent.profile.profile_text` at ingest)
    profile: DatasetProfile
    rows: int
    columns: tuple[str, ...]
    stored_at: float = 0.0  # epoch seconds it was stored in this thread (0: stored before this was kept)

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

    def __init__(self, client: RedisClient, *, namespace: str = "dataagent", retention_days: int = 7) -> None:
        self.redis = client
        self.ns = namespace
        self.ttl_s = retention_days * 86_400

    def key(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    def thread_key(self, thread: str, what: str) -> str:
        """One of the thread's keys; all of them share the thread's hash tag (one Cluster slot)."""
        return f"{{{self.ns}:t:{thread}}}:{what}"

    def blob_key(self, sha: str) -> str:
        return f"{{{self.ns}:blob:{sha}}}"

    def _t(self, thread: str, what: str) -> str:
        return self.thread_key(thread, what)

    # Blobs

    async def put_blob(self, data: bytes, thread: str) -> str:
        """Store `data` once by content hash, as used by `thread` (so forgetting it can release the blob)."""
        # Hashing and compressing up to MAX_FILE_MB would stall the event loop: do it off-loop.
        sha = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
        key = self.blob_key(sha)
        refs, mine = f"{key}:refs", self._t(thread, "blobs")
        # The thread's note goes first, so forget always knows of a reference this thread may hold; a
        # note without a reference (a crash between the two) only makes forget release nothing.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(mine, sha)
            pipe.expire(mine, self.ttl_s)
            await pipe.execute()
        # The reference goes in in the same transaction that checks the blob (its slot): see _RELEASE_BLOB.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(refs, thread)
            pipe.expire(refs, self.ttl_s)
            pipe.expire(key, self.ttl_s)
            *_, exists = await pipe.execute()
        # Same bytes from another thread: only the lifetime was extended.
        if not exists:
            await self.redis.set(key, await asyncio.to_thread(zlib.compress, data, 6), ex=self.ttl_s)
        return sha

    async def get_blob(self, sha: str) -> bytes:
        raw = await self.redis.get(self.blob_key(sha))
        if raw is None:
            raise DatasetError("This thread's data has expired from storage; please upload the file again.")
        await self.redis.expire(self.blob_key(sha), self.ttl_s)
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
        """Delete a thread's datasets, memory, cells, handle and placeholders, and every blob no other thread uses."""
        shas = {r.blob_sha256 for r in await self.datasets(thread)}
        shas |= {_text(sha) for sha in await self.redis.smembers(self._t(thread, "blobs"))}
        release = self.redis.register_script(_RELEASE_BLOB)
        for sha in sorted(shas):
            # A blob stored before references were kept has no reference set: it is left to expire.
            # One script per blob, in the blob's slot; the thread's own keys go after, in the thread's.
            key = self.blob_key(sha)
            await release(keys=[f"{key}:refs", key], args=[thread])
        await self.redis.delete(*(self._t(thread, w) for w in THREAD_KEYS))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
