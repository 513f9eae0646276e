"""Everything DataAgent remembers, in Redis.

Keys (all under one namespace, all expiring after the retention period):

    {ns:blob:SHA}                 a small dataset's bytes (Parquet as is, older blobs zlib), shared by content hash
    {ns:blob:SHA}:refs            the threads that stored that blob (forget deletes it with the last one),
                                  wherever its bytes are: big blobs live in the `large` store (disk or S3),
                                  which `sweep_blobs` clears of blobs whose reference set has expired
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
import logging
import time
from dataclasses import asdict, dataclass
from typing import TypeVar

from agent import texts
from agent.blobs.base import BlobStore, BlobUnavailable
from agent.blobs.redis import RedisBlobs
from agent.errors import DatasetError
from agent.profile.model import DatasetProfile
from agent.redis_client import RedisClient

log = logging.getLogger(__name__)

MAX_TURNS = 20
THREAD_KEYS = ("datasets", "turns", "cells", "sandbox", "blobs", "placeholders")
MAX_CELLS = 40
# A big blob newer than this is never swept: it may be a rewrite whose reference is being added right now.
SWEEP_GRACE_S = 600.0

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


# Past this many rows a table is "large": DuckDB is offered, and made sure of when it is loaded.
LARGE_ROWS = 1_000_000


def is_large(rows: int) -> bool:
    return rows > LARGE_ROWS


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

    @property
    def large(self) -> bool:
        """Big enough that the model is told it may query the stored Parquet with DuckDB."""
        return is_large(self.rows) and self.file_name.endswith(".parquet")

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

    def __init__(
        self,
        client: RedisClient,
        *,
        namespace: str = "dataagent",
        retention_days: int = 7,
        large: BlobStore | None = None,
        large_min_bytes: int = 1 << 20,
    ) -> None:
        """`large` takes the bytes of blobs of at least `large_min_bytes`; without it every blob is in Redis."""
        self.redis = client
        self.ns = namespace
        self.ttl_s = retention_days * 86_400
        self.small = RedisBlobs(client, self.blob_key, self.ttl_s)
        self.large = large
        self.large_min_bytes = large_min_bytes

    def key(self, *parts: str) -> str:
        return ":".join((self.ns, *parts))

    def thread_key(self, thread: str, what: str) -> str:
        """One of the thread's keys; all of them share the thread's hash tag (one Cluster slot)."""
        return f"{{{self.ns}:t:{thread}}}:{what}"

    def blob_key(self, sha: str) -> str:
        return f"{{{self.ns}:blob:{sha}}}"

    def _refs(self, sha: str) -> str:
        return f"{self.blob_key(sha)}:refs"

    def _t(self, thread: str, what: str) -> str:
        return self.thread_key(thread, what)

    # Blobs

    async def put_blob(self, data: bytes, thread: str) -> str:
        """Store `data` once by content hash, as used by `thread` (so forgetting it can release the blob)."""
        # Hashing up to MAX_FILE_MB would stall the event loop: do it off-loop.
        sha = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
        key, refs, mine = self.blob_key(sha), self._refs(sha), self._t(thread, "blobs")
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
        if self.large is not None and len(data) >= self.large_min_bytes:
            # Written even when present: a rewrite refreshes its age, so a sweep racing this call keeps it;
            # and written again if a forget that decided before our reference went in deleted it meanwhile.
            try:
                await self.large.put(sha, data)
                if not await self.large.exists(sha):
                    await self.large.put(sha, data)
            except BlobUnavailable:
                log.warning("blob_store_unavailable store=%s", self.large.name, exc_info=True)
                # Nothing half-stored: this thread's reference goes, so no record points at missing bytes.
                await self._release(sha, thread, large_too=False)
                raise DatasetError(texts.BLOB_UNWRITABLE) from None
        elif not exists:  # same bytes from another thread: only the lifetime was extended
            await self.small.put(sha, data)
        return sha

    async def get_blob(self, sha: str) -> bytes:
        data = await self.small.get(sha)
        if data is None and self.large is not None:
            data = await self.large.get(sha)
        if data is None:
            raise DatasetError("This thread's data has expired from storage; please upload the file again.")
        return data

    async def sweep_blobs(self, *, grace_s: float = SWEEP_GRACE_S) -> int:
        """Delete the big blobs no thread references any more (their reference set expired); returns how many."""
        if self.large is None:
            return 0
        removed, now = 0, time.time()
        async for blob in self.large.listing():
            if now - blob.written_at < grace_s or await self.redis.exists(self._refs(blob.sha)):
                continue
            await self.large.delete(blob.sha)
            removed += 1
        return removed

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
        for sha in sorted(shas):
            # A blob stored before references were kept has no reference set: it is left to expire.
            await self._release(sha, thread)
        # One script per blob, in the blob's slot; the thread's own keys go after, in the thread's.
        await self.redis.delete(*(self._t(thread, w) for w in THREAD_KEYS))

    async def _release(self, sha: str, thread: str, *, large_too: bool = True) -> None:
        """Drop `thread`'s reference to `sha`; the last one deletes the bytes (`large_too`: in the big store too)."""
        await self.redis.srem(self._t(thread, "blobs"), sha)
        release = self.redis.register_script(_RELEASE_BLOB)
        last = await release(keys=[self._refs(sha), self.blob_key(sha)], args=[thread])
        # The bytes go after the reference set, unless a thread stored them again in between.
        if last and large_too and self.large is not None and not await self.redis.exists(self._refs(sha)):
            await self.large.delete(sha)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
