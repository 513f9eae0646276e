"""Moving the keys of releases before Redis Cluster support to their hash-tagged names, on start.

Migrated on start rather than read under both names: every reader would otherwise carry the old
names for as long as data lives, and forget would have to delete both. Only a single Redis can hold
old keys (earlier releases did not run on Cluster), and there RENAMENX is one atomic step per key, so
two replicas starting together move each key once and never overwrite a newer one. The job queue's
stream is not renamed here: `JobQueue.ensure_group` re-enqueues its jobs (a stream cannot be merged
by RENAME when the new one already exists). Audit streams and Slack-side keys kept their names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from agent.redis_client import RedisClient
from agent.store import THREAD_KEYS

log = logging.getLogger(__name__)


def tagged_name(namespace: str, key: str) -> str | None:
    """The new name of an old key, or None when the key is not one that moved."""
    for prefix, rename in _renames(namespace):
        if key.startswith(prefix):
            return rename(key[len(prefix) :])
    return None


def _renames(ns: str) -> list[tuple[str, Callable[[str], str | None]]]:
    def thread(rest: str) -> str | None:
        # A thread key holds colons itself (channel:ts); what follows the last one names the key.
        thread_key, _, what = rest.rpartition(":")
        return f"{{{ns}:t:{thread_key}}}:{what}" if thread_key and what in THREAD_KEYS else None

    return [
        (f"{ns}:t:", thread),
        (f"{ns}:blob:", lambda sha: f"{{{ns}:blob:{sha}}}"),
        (f"{ns}:blobrefs:", lambda sha: f"{{{ns}:blob:{sha}}}:refs"),
        (f"{ns}:limit:", lambda rest: f"{{{ns}:limit}}:{rest}"),
    ]


async def migrate_keys(redis: RedisClient, namespace: str) -> int:
    """Rename every old key of `namespace` on a single Redis; returns how many moved (0 on Cluster)."""
    if not isinstance(redis, aioredis.Redis):
        return 0
    moved = 0
    for prefix, _ in _renames(namespace):
        async for raw in redis.scan_iter(match=f"{_glob_escape(prefix)}*", count=500):
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            new = tagged_name(namespace, key)
            if new is None:
                continue
            try:
                moved += bool(await redis.renamenx(key, new))
            except ResponseError:  # another replica moved it between SCAN and RENAMENX
                continue
    if moved:
        log.info("redis_keys_migrated count=%d namespace=%s", moved, namespace)
    return moved


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
