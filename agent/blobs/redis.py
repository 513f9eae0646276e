"""Blobs as Redis strings (small blobs, and every blob when no other store is configured)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Callable

from agent.blobs.base import StoredBlob, checked_sha
from agent.redis_client import RedisClient

# Parquet pages are already zstd-compressed: zlib over them costs CPU for nothing. Blobs stored before
# (and anything that is not Parquet) are zlib streams, told apart by Parquet's leading magic.
_PARQUET = b"PAR1"


class RedisBlobs:
    """Blob bytes under the keys `key(sha)` gives (the key names belong to `agent.store`)."""

    def __init__(self, client: RedisClient, key: Callable[[str], str], ttl_s: int) -> None:
        self._redis = client
        self._key = key
        self._ttl_s = ttl_s
        self.name = "redis"

    async def put(self, sha: str, data: bytes) -> None:
        # Off the event loop: a big non-Parquet blob (BLOB_URL=redis) would stall it.
        stored = data if data.startswith(_PARQUET) else await asyncio.to_thread(zlib.compress, data, 6)
        await self._redis.set(self._key(checked_sha(sha)), stored, ex=self._ttl_s)

    async def get(self, sha: str) -> bytes | None:
        key = self._key(checked_sha(sha))
        raw = await self._redis.get(key)
        if raw is None:
            return None
        await self._redis.expire(key, self._ttl_s)
        data = raw if isinstance(raw, bytes) else raw.encode("latin-1")
        return data if data.startswith(_PARQUET) else await asyncio.to_thread(zlib.decompress, data)

    async def delete(self, sha: str) -> None:
        await self._redis.delete(self._key(checked_sha(sha)))

    async def exists(self, sha: str) -> bool:
        return bool(await self._redis.exists(self._key(checked_sha(sha))))

    async def listing(self) -> AsyncIterator[StoredBlob]:
        # Redis expires its own blobs: the sweep has nothing to do here.
        none: tuple[StoredBlob, ...] = ()
        for blob in none:
            yield blob

    async def check(self) -> str:
        await self._redis.ping()
        return "blobs in Redis"

    async def aclose(self) -> None:
        return None
