"""`JobQueue`: the Redis side of the queue (enqueue, deliver, own, ack and bury entries)."""

from __future__ import annotations

import asyncio
import logging
import math
from enum import Enum
from typing import Any, Generic

from redis.exceptions import ResponseError

from jobqueue import scripts
from jobqueue.client import RedisClient
from jobqueue.job import Codec, Delivery, Job, P

log = logging.getLogger(__name__)

# A delivered entry before decoding: (entry id, its fields, delivery count).
_Raw = tuple[str, Any, int]


class StartVerdict(Enum):
    """What `JobQueue.try_start` decided about a delivered entry."""

    RUN = "run"  # this consumer holds it and it heads its thread's order
    WAIT = "wait"  # an earlier job of its thread is still outstanding
    UNREAD = "unread"  # waiting, for an earlier job no worker has read yet
    LOST = "lost"  # another consumer holds it, or it is gone


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _position(at: float) -> str:
    """A position as the scripts store and compare it (the same text wherever it is written)."""
    if not math.isfinite(at):
        raise ValueError(f"a job's position must be a finite time, not {at!r}")
    return repr(float(at))


def _field(fields: Any, name: str) -> Any:
    """A stream entry's field, whether the client decodes responses or not."""
    if not isinstance(fields, dict):
        return None
    return fields.get(name.encode(), fields.get(name))


class JobQueue(Generic[P]):
    """The Redis side of the job queue: enqueue, deliver, own, ack and bury entries.

    Args:
        redis: The client: one Redis, or Redis Cluster (every key of the queue shares one hash tag,
            so each script runs in one slot).
        codec: Stores payloads; an entry it cannot decode is moved to the dead letters.
        namespace: Prefix of every key.
        stream: Name of the stream under the namespace.
        group: The consumer group every worker of this stream joins.
        consumer: Names this process in the group; unique per live process (for example host, pid
            and a random suffix).
        claim_idle_s: How long an entry's holder may stay silent before another worker takes it.
        max_deliveries: Deliveries before an entry is moved to the dead letters.
        dedupe_ttl_s: How long an enqueued job id is remembered.
        retention_s: TTL of the per-thread order lists and of the dead letters.
        dead_maxlen: Approximate cap of the dead-letter stream.
        op_timeout_s: Bound of every Redis call.
    """

    def __init__(
        self,
        redis: RedisClient,
        codec: Codec[P],
        *,
        namespace: str,
        stream: str = "jobs",
        group: str = "workers",
        consumer: str,
        claim_idle_s: float = 60.0,
        max_deliveries: int = 3,
        dedupe_ttl_s: float = 86_400.0,
        retention_s: float = 7 * 86_400.0,
        dead_maxlen: int = 10_000,
        op_timeout_s: float = 10.0,
    ) -> None:
        self.redis = redis
        self.codec = codec
        self.group = group
        self.consumer = consumer
        self.claim_idle_s = claim_idle_s
        self.max_deliveries = max_deliveries
        self.op_timeout_s = op_timeout_s
        # The hash tag puts every key of the queue in one slot: a script moves an entry between the
        # stream, its thread's order list and the dead letters atomically, so the queue cannot be spread.
        self.stream_key = f"{{{namespace}:q:{stream}}}"
        self.legacy_stream_key = f"{namespace}:q:{stream}"  # the untagged name of releases before Cluster
        self.dead_key = f"{self.stream_key}:dead"
        self._dedupe_ms = int(dedupe_ttl_s * 1000)
        self._retention_ms = int(retention_s * 1000)
        self._dead_maxlen = dead_maxlen
        self._cursor = "0-0"
        self._scripts = scripts.register(redis)

    def _order_key(self, thread: str) -> str:
        return f"{self.stream_key}:t:{thread}"

    def _running_key(self, thread: str) -> str:
        return f"{self._order_key(thread)}:run"

    def _incoming_key(self, thread: str) -> str:
        return f"{self._order_key(thread)}:incoming"

    async def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        async with asyncio.timeout(self.op_timeout_s):
            return await self._scripts[script](keys=keys, args=args)

    async def enqueue(self, job: Job[P], *, position: float | None = None) -> str:
        """Add a job; returns its stream entry id, or "" when this job id was enqueued before.

        Args:
            job: The job.
            position: Where it goes among its thread's waiting jobs, in seconds since the epoch: when
                the request it carries was made (a chat message's time), so requests made back to back
                run in the order they were made even if they reach the queue in reverse. Never ahead of
                a job that has started. Defaults to `job.enqueued_at`.
        """
        keys = [
            self.stream_key,
            f"{self.stream_key}:seen:{job.job_id}",
            self._order_key(job.thread),
            self._running_key(job.thread),
        ]
        at = job.enqueued_at if position is None else position
        args = [job.to_json(self.codec), self._dedupe_ms, self._retention_ms, _position(at)]
        entry = await self._run("enqueue", keys, args)
        if entry is None:
            log.info("job_duplicate job_id=%s thread=%s", job.job_id, job.thread)
            return ""
        log.info("job_enqueued job_id=%s thread=%s entry=%s", job.job_id, job.thread, _text(entry))
        return _text(entry)

    async def announce(self, thread: str, position: float, *, within_s: float = 10.0) -> None:
        """Say that a request of `thread` made at `position` is on its way to `enqueue`.

        Until it is withdrawn (`withdraw`, once its jobs are enqueued), or `within_s` passes (its process
        died), no job of the thread positioned after it starts: the checks a request passes before it
        is enqueued cannot let a request made after it overtake it.
        """
        await self._run("announce", [self._incoming_key(thread)], [_position(position), int(within_s * 1000)])

    async def withdraw(self, thread: str, position: float) -> None:
        """Take back an announcement once its request's jobs are enqueued (or it turned out to be none)."""
        async with asyncio.timeout(self.op_timeout_s):
            await self.redis.zrem(self._incoming_key(thread), _position(position))

    async def ensure_group(self) -> None:
        """Create the stream and consumer group if missing, then take in the jobs of the untagged stream."""
        try:
            async with asyncio.timeout(self.op_timeout_s):
                await self.redis.xgroup_create(self.stream_key, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        await self.adopt_legacy()

    async def adopt_legacy(self, batch: int = 200) -> int:
        """Move the jobs left in the untagged stream of an earlier release into this one; returns how many.

        Re-enqueued one by one in stream order rather than renamed: RENAME cannot cross slots, and the
        dedupe marker makes two processes adopting at once (or one that died half way) enqueue each job
        once, each thread's jobs still in order. A job held by a process of the earlier release runs again:
        upgrades stop the old processes first (docs/operations.md).
        """
        moved = 0
        while True:
            async with asyncio.timeout(self.op_timeout_s):
                entries: Any = await self.redis.xrange(self.legacy_stream_key, count=batch)
            if not entries:
                return moved
            for eid, fields in entries:
                body = _text(_field(fields, "job") or "")
                try:
                    job = Job.from_json(body, 1, self.codec)
                except (ValueError, KeyError, TypeError):
                    async with asyncio.timeout(self.op_timeout_s):  # the reader buries it, as any bad entry
                        await self.redis.xadd(self.stream_key, {"job": body})
                else:
                    moved += bool(await self.enqueue(job))
                async with asyncio.timeout(self.op_timeout_s):
                    await self.redis.xdel(self.legacy_stream_key, eid)
            log.info("job_legacy_adopted count=%d stream=%s", moved, self.legacy_stream_key)

    async def read(self, count: int, block_s: float) -> list[Delivery[P]]:
        """New entries for this consumer (at most `count`), waiting up to `block_s` for one."""
        try:
            async with asyncio.timeout(block_s + self.op_timeout_s):
                block_ms = max(1, int(block_s * 1000))
                streams: dict[Any, Any] = {self.stream_key: ">"}
                reply: Any = await self.redis.xreadgroup(self.group, self.consumer, streams, count, block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            log.warning("job_group_missing stream=%s: recreating it", self.stream_key)
            await self.ensure_group()
            return []
        found = reply.items() if isinstance(reply, dict) else (reply or [])
        return await self._decode([(_text(eid), fields, 1) for _, entries in found for eid, fields in entries])

    async def reclaim(self, count: int) -> list[Delivery[P]]:
        """Take over entries idle longer than `claim_idle_s` (their holder is dead or gave them back)."""
        min_idle_ms = int(self.claim_idle_s * 1000)
        args = [self.group, self.consumer, min_idle_ms, self._cursor, count]
        cursor, found = await self._run("reclaim", [self.stream_key], args)
        self._cursor = _text(cursor)
        raw: list[_Raw] = []
        for eid, flat, n in found:
            fields = {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
            raw.append((_text(eid), fields, int(n)))
        return await self._decode(raw)

    async def _decode(self, raw: list[_Raw]) -> list[Delivery[P]]:
        out = []
        for eid, fields, attempt in raw:
            body = _field(fields, "job")
            try:
                out.append(Delivery(eid, Job.from_json(body or "", attempt, self.codec)))
            except (ValueError, KeyError, TypeError):  # KeyError, TypeError: a codec that parses loosely
                log.error("job_undecodable entry=%s: moved to dead letters", eid)
                await self._bury_raw(eid, "", _text(body or ""), "undecodable", attempt)
        return out

    async def _bury_raw(self, entry_id: str, thread: str, body: str, reason: str, attempt: int) -> bool:
        keys = [self.stream_key, self._order_key(thread), self.dead_key, self._running_key(thread)]
        args = [self.group, self.consumer, entry_id, body, reason, self._dead_maxlen, self._retention_ms, attempt]
        return bool(await self._run("bury", keys, args))

    async def try_start(self, d: Delivery[P]) -> StartVerdict:
        """Whether the entry may run now (see `StartVerdict`)."""
        thread = d.job.thread
        keys = [self.stream_key, self._order_key(thread), self._running_key(thread), self._incoming_key(thread)]
        verdict = await self._run("start", keys, [self.group, self.consumer, d.entry_id, self._retention_ms])
        return StartVerdict(_text(verdict))

    async def ack(self, d: Delivery[P]) -> bool:
        """Ack and delete a finished entry, letting its thread's next job start; False if not ours."""
        keys = [self.stream_key, self._order_key(d.job.thread), self._running_key(d.job.thread)]
        return bool(await self._run("ack", keys, [self.group, self.consumer, d.entry_id]))

    async def bury(self, d: Delivery[P], reason: str) -> bool:
        """Move an entry to the dead-letter stream and ack it; False if it is not ours."""
        return await self._bury_raw(d.entry_id, d.job.thread, d.job.to_json(self.codec), reason, d.job.attempt)

    async def touch(self, entry_ids: list[str]) -> list[str]:
        """Refresh the entries this consumer holds; returns the ids it no longer holds."""
        lost = await self._run("touch", [self.stream_key], [self.group, self.consumer, *entry_ids])
        return [_text(e) for e in lost]

    async def hand_back(self, entry_ids: list[str]) -> None:
        """Make held entries claimable by any worker now, without counting the delivery."""
        idle_ms = int(self.claim_idle_s * 1000)
        await self._run("hand_back", [self.stream_key], [self.group, self.consumer, idle_ms, *entry_ids])

    async def retire(self) -> bool:
        """Remove this consumer from the group if it holds nothing (tidy shutdown)."""
        return bool(await self._run("retire", [self.stream_key], [self.group, self.consumer]))

    async def pending_count(self) -> int:
        """Entries delivered to some consumer and not yet acked."""
        async with asyncio.timeout(self.op_timeout_s):
            info = await self.redis.xpending(self.stream_key, self.group)
        return int(info["pending"])

    async def backlog(self) -> int:
        """Entries in the stream: queued plus in progress (acked entries are deleted)."""
        async with asyncio.timeout(self.op_timeout_s):
            return int(await self.redis.xlen(self.stream_key))

    async def dead_letters(self, count: int = 100) -> list[Job[P]]:
        """The most recent dead-lettered jobs, newest first, with the attempt they died on.

        Entries buried because they could not be decoded are left out.
        """
        async with asyncio.timeout(self.op_timeout_s):
            entries: Any = await self.redis.xrevrange(self.dead_key, count=count)
        out = []
        for _, fields in entries:
            try:
                attempt = int(_field(fields, "attempt") or 0)
                out.append(Job.from_json(_field(fields, "job") or "", attempt, self.codec))
            except (ValueError, KeyError, TypeError):
                continue
        return out
