"""Stable placeholders per thread: the same value is `<EMAIL_1>` in every prompt of every turn of a thread.

The mapping lives in one Redis hash, `{ns:t:THREAD}:placeholders`, beside the thread's datasets and with
their lifetime (it holds values of the data, so it expires and is forgotten with it):

    v:{value}        → placeholder
    p:{placeholder}  → value
    n:{KIND}         → how many placeholders of that kind exist

It is read once per question and new entries are written after each model call.
"""

from __future__ import annotations

import re

from agent.store import Store

PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]{0,30})_(\d{1,6})>")
# A thread cannot grow the hash without end: past this many values new ones share one placeholder per kind.
MAX_ENTRIES = 20_000


class Vault:
    """The placeholders of one thread, in memory for one question."""

    def __init__(self, store: Store, thread: str, entries: dict[str, str]) -> None:
        self._store = store
        self._key = store.thread_key(thread, "placeholders")
        self._entries = entries
        self._new: dict[str, str] = {}

    @classmethod
    async def open(cls, store: Store, thread: str) -> Vault:
        raw = await store.redis.hgetall(store.thread_key(thread, "placeholders"))
        return cls(store, thread, {_text(k): _text(v) for k, v in raw.items()})

    def placeholder(self, value: str, kind: str) -> str:
        """The placeholder of `value`, made on first sight."""
        known = self._entries.get(f"v:{value}")
        if known is not None:
            return known
        count = int(self._entries.get(f"n:{kind}", "0")) + 1
        if len(self._entries) >= MAX_ENTRIES * 2:
            return f"<{kind}_0>"  # unmapped: it is shown to the user as the placeholder
        made = f"<{kind}_{count}>"
        for key, val in ((f"v:{value}", made), (f"p:{made}", value), (f"n:{kind}", str(count))):
            self._entries[key] = val
            self._new[key] = val
        return made

    def value(self, placeholder: str) -> str | None:
        return self._entries.get(f"p:{placeholder}")

    async def save(self) -> None:
        """Write the placeholders made since the last save."""
        if not self._new:
            return
        async with self._store.redis.pipeline(transaction=True) as pipe:
            # redis-py's Mapping is invariant in its key type; a dict[str, str] is what it takes.
            pipe.hset(self._key, mapping=self._new)  # type: ignore[arg-type]
            pipe.expire(self._key, self._store.ttl_s)
            await pipe.execute()
        self._new = {}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
