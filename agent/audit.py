"""The audit trail: who asked what, in which conversation, on which datasets, the code that ran, the outcome.

One Redis stream per conversation, `{ns}:audit:{conversation}`, and the set of conversations that have
one, `{ns}:audit:conversations`. Per conversation rather than one stream for all: forgetting a
conversation deletes one key instead of scanning everyone's entries, and an export for one channel reads
only that channel. Each write trims the stream by MINID to the retention period (exactly, so nothing older
than the data it describes survives) and renews the key's expiry, so a conversation gone quiet loses its
trail with its data.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from agent.redis_client import RedisClient

_MAX_QUESTION = 4000
_MAX_CODE = 20_000


@dataclass(frozen=True)
class AuditEntry:
    """One finished question, as an admin reads it back."""

    at: float  # epoch seconds, from the stream entry's id
    user: str
    conversation: str
    thread: str
    question: str
    datasets: tuple[str, ...]
    code: str
    outcome: str  # answered, failed, refused (the engine), cancelled, dead, "refused (outsider|unknown)"
    tokens: int = 0  # LLM tokens the provider reported for the question, summed over its calls

    def to_json(self) -> str:
        return json.dumps(
            {
                "at": self.at,
                "user": self.user,
                "conversation": self.conversation,
                "thread": self.thread,
                "question": self.question,
                "datasets": list(self.datasets),
                "code": self.code,
                "outcome": self.outcome,
                "tokens": self.tokens,
            }
        )


class AuditLog:
    """Writes and reads the audit streams."""

    def __init__(self, client: RedisClient, *, namespace: str = "dataagent", retention_days: int = 7) -> None:
        self.redis = client
        self.ns = namespace
        self.retention_s = retention_days * 86_400

    def _stream(self, conversation: str) -> str:
        return f"{self.ns}:audit:{conversation}"

    @property
    def _index(self) -> str:
        return f"{self.ns}:audit:conversations"

    async def record(
        self,
        *,
        user: str,
        conversation: str,
        thread: str,
        question: str,
        datasets: tuple[str, ...],
        code: str,
        outcome: str,
        tokens: int = 0,
    ) -> None:
        fields = {
            # To the microsecond: entries of two conversations written in one millisecond keep their order.
            "at": repr(time.time()),
            "user": user,
            "thread": thread,
            "question": question[:_MAX_QUESTION],
            "datasets": json.dumps(list(datasets)),
            "code": code[:_MAX_CODE],
            "outcome": outcome,
            "tokens": str(tokens),
        }
        oldest_ms = int((time.time() - self.retention_s) * 1000)
        stream = self._stream(conversation)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(stream, fields)  # type: ignore[arg-type]
            pipe.xtrim(stream, minid=oldest_ms, approximate=False)
            pipe.expire(stream, self.retention_s)
            await pipe.execute()
        # A second transaction: the index is in another Cluster slot. Listed after the write, so the
        # index never names a conversation with nothing written (a stream missing from it would hide).
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(self._index, conversation)
            pipe.expire(self._index, self.retention_s)
            await pipe.execute()

    async def entries(self, *, conversation: str | None = None, since: float | None = None) -> list[AuditEntry]:
        """Entries of one conversation or all, oldest first, from `since` (epoch seconds) on."""
        floor = max(since or 0.0, time.time() - self.retention_s)
        start = str(int(floor * 1000))
        wanted = [conversation] if conversation else sorted(map(_text, await self.redis.smembers(self._index)))
        found: list[AuditEntry] = []
        for conv in wanted:
            for entry_id, fields in await self.redis.xrange(self._stream(conv), min=start) or []:
                if entry_id is None or fields is None:
                    continue
                found.append(_entry(conv, _text(entry_id), {_text(k): _text(v) for k, v in fields.items()}))
        return sorted(found, key=lambda e: e.at)

    async def forget(self, conversation: str) -> None:
        """Delete the conversation's trail (with its data, by `forget`)."""
        await self.redis.delete(self._stream(conversation))
        await self.redis.srem(self._index, conversation)


def _entry(conversation: str, entry_id: str, fields: dict[str, str]) -> AuditEntry:
    ms, _, _ = entry_id.partition("-")
    try:
        at = float(fields["at"])
    except (KeyError, ValueError):  # entries of releases before the field: the stream id's millisecond
        at = int(ms) / 1000
    try:
        datasets = tuple(str(d) for d in json.loads(fields.get("datasets") or "[]"))
    except ValueError:
        datasets = ()
    return AuditEntry(
        at=at,
        user=fields.get("user", ""),
        conversation=conversation,
        thread=fields.get("thread", ""),
        question=fields.get("question", ""),
        datasets=datasets,
        code=fields.get("code", ""),
        outcome=fields.get("outcome", ""),
        tokens=_int(fields.get("tokens", "")),
    )


def _int(value: str) -> int:
    """A count written by this module; entries of releases before it carry none (0)."""
    return int(value) if value.isdigit() else 0


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
