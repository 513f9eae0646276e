"""A durable queue of questions on a Redis Streams consumer group; no question is lost.

Keys (under the caller's namespace; `S` is the stream name, "jobs" by default):

    {ns}:q:S                 the stream: one entry per job, field `job` = JSON; deleted once acked
    {ns}:q:S:seen:{job_id}   dedupe marker (SET NX, TTL): a job id is enqueued at most once
    {ns}:q:S:t:{thread}      the thread's outstanding entry ids, in enqueue order (TTL = retention)
    {ns}:q:S:dead            dead letters: jobs that failed `max_deliveries` times (capped, TTL)

Delivery. Workers read new entries with XREADGROUP (the consumer group remembers what each consumer
holds in its pending list, the PEL) and ack only after the handler finished. An entry stays in its
holder's PEL until then, so a process that dies loses nothing: once the entry has been idle for
`claim_idle_s`, any live worker takes it over with XAUTOCLAIM, which also counts the delivery. The
delivery count is `Job.attempt`; past `max_deliveries` the entry moves to the dead-letter stream.
A worker keeps every entry it holds fresh (XCLAIM … JUSTID to itself: resets the idle time without
counting a delivery), so a long analysis is never taken from a live owner. Ownership is checked
atomically (a Lua script reads the PEL) before each refresh, start and ack: an owner that stalled
past `claim_idle_s` learns its lease was lost and cancels its handler instead of acking. Delivery is
at least once; a handler may, rarely (lost lease, an ack that never reached Redis), see a job twice.

Per-thread order. Enqueue is one script: SET NX the dedupe marker, XADD the entry and RPUSH its id
on the thread's order list, so the list is always in stream order. A worker may run an entry only
when it is the head of its thread's list (checked atomically with ownership); the ack removes it
from the list in the same script, which makes the next entry the head. A worker holding an entry
that is not the head *parks* it: it keeps it pending and fresh, gives its concurrency slot back and
checks again after a short delay (at once when a job of that thread finishes in the same process).
So jobs of one thread run one at a time in enqueue order across any number of processes, a failed
job (pending, awaiting redelivery) still blocks the jobs queued behind it, and different threads run
in parallel. Heads that are no longer pending (acked or trimmed outside this module) are popped.
Scripts touch several keys without hash tags: a single Redis (or one shard), not Redis Cluster.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

log = logging.getLogger(__name__)

Verdict = Literal["run", "wait", "lost"]

_OWNER = """
-- KEYS[1] the stream, ARGV[1] the group: (holder, delivery count) of a pending entry, or false.
local function owner(id)
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
  if #p == 0 then return false, 0 end
  return p[1][2], p[1][4]
end
"""


def _with_owner(body: str) -> str:
    return _OWNER + body


_ENQUEUE = """
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return false end
local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
redis.call('RPUSH', KEYS[3], id)
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return id
"""
_START = _with_owner("""
if owner(ARGV[3]) ~= ARGV[2] then return 'lost' end
if not redis.call('LPOS', KEYS[2], ARGV[3]) then return 'run' end  -- order record expired: do not strand it
-- Entries ahead of ours were delivered before it (the group delivers in stream order), so a head
-- that is no longer pending was acked or trimmed outside this module: drop it.
for _ = 1, 100 do
  local head = redis.call('LINDEX', KEYS[2], 0)
  if head == ARGV[3] then return 'run' end
  if owner(head) then return 'wait' end
  redis.call('LPOP', KEYS[2])
end
return 'wait'
""")
_DONE = """
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
redis.call('LREM', KEYS[2], 1, ARGV[3])
return 1
"""
_ACK = _with_owner("if owner(ARGV[3]) ~= ARGV[2] then return 0 end\n" + _DONE)
_BURY = _with_owner(
    """
if owner(ARGV[3]) ~= ARGV[2] then return 0 end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'job', ARGV[4], 'reason', ARGV[5],
           'attempt', ARGV[8], 'entry', ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[7])
"""
    + _DONE
)
_TOUCH = _with_owner("""
local lost = {}
for i = 3, #ARGV do
  if owner(ARGV[i]) == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
""")
# Handing back makes an entry claimable at once and forgives the delivery it cost: the job did not fail.
_HAND_BACK = _with_owner("""
for i = 4, #ARGV do
  local who, n = owner(ARGV[i])
  if who == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3],
               'RETRYCOUNT', math.max(n - 1, 0), 'JUSTID')
  end
end
return 1
""")
_RECLAIM = _with_owner("""
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for _, e in ipairs(r[2]) do
  local _, n = owner(e[1])
  table.insert(out, {e[1], e[2], n})
end
return {r[1], out}
""")
_RETIRE = """
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


@dataclass(frozen=True)
class Job:
    """A unit of work: a question for a thread.

    Attributes:
        job_id: Caller-chosen id; enqueueing the same id twice enqueues once (Slack retries, the
            mention that also arrives as a message).
        thread: Opaque ordering key: jobs of one thread run one at a time, in enqueue order.
        kind: What the handler should do, e.g. "question".
        payload: JSON-serialisable details (question text, channel, thread_ts, user, ...).
        enqueued_at: Wall-clock seconds since the epoch when the job was created.
        attempt: Delivery count, set on delivery (1 on the first); 0 before enqueueing.
    """

    job_id: str
    thread: str
    kind: str
    payload: dict[str, Any]
    enqueued_at: float = field(default_factory=time.time)
    attempt: int = 0

    @classmethod
    def new(cls, thread: str, kind: str, payload: dict[str, Any], job_id: str | None = None) -> Job:
        """A job with a fresh random id unless `job_id` is given."""
        return cls(job_id or uuid.uuid4().hex, thread, kind, payload)

    def to_json(self) -> str:
        """The stored form; `attempt` is not stored, Redis counts deliveries."""
        body = {
            "job_id": self.job_id,
            "thread": self.thread,
            "kind": self.kind,
            "payload": self.payload,
            "enqueued_at": self.enqueued_at,
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes, attempt: int) -> Job:
        """Rebuild a delivered job (raises ValueError, KeyError or TypeError on a corrupt entry)."""
        d = json.loads(raw)
        return cls(
            str(d["job_id"]),
            str(d["thread"]),
            str(d["kind"]),
            dict(d["payload"]),
            float(d["enqueued_at"]),
            attempt,
        )


@dataclass(frozen=True)
class Delivery:
    """A job as handed to one consumer: `entry_id` names it in the stream and the PEL."""

    entry_id: str
    job: Job


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class JobQueue:
    """The Redis side of the job queue: enqueue, deliver, own, ack and bury entries.

    `consumer` names this process in the group; it must be unique per live process (for example
    host, pid and a random suffix). Every call is bounded by `op_timeout_s`.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
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
        self.group = group
        self.consumer = consumer
        self.claim_idle_s = claim_idle_s
        self.max_deliveries = max_deliveries
        self.op_timeout_s = op_timeout_s
        self.stream_key = f"{namespace}:q:{stream}"
        self.dead_key = f"{self.stream_key}:dead"
        self._dedupe_ms = int(dedupe_ttl_s * 1000)
        self._retention_ms = int(retention_s * 1000)
        self._dead_maxlen = dead_maxlen
        self._cursor = "0-0"
        scripts = {
            "enqueue": _ENQUEUE,
            "start": _START,
            "ack": _ACK,
            "bury": _BURY,
            "touch": _TOUCH,
            "hand_back": _HAND_BACK,
            "reclaim": _RECLAIM,
            "retire": _RETIRE,
        }
        self._scripts = {name: redis.register_script(src) for name, src in scripts.items()}

    def _order_key(self, thread: str) -> str:
        return f"{self.stream_key}:t:{thread}"

    async def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        async with asyncio.timeout(self.op_timeout_s):
            return await self._scripts[script](keys=keys, args=args)

    async def enqueue(self, job: Job) -> str:
        """Add a job; returns its stream entry id, or "" when this job id was enqueued before."""
        keys = [self.stream_key, f"{self.stream_key}:seen:{job.job_id}", self._order_key(job.thread)]
        entry = await self._run("enqueue", keys, [job.to_json(), self._dedupe_ms, self._retention_ms])
        if entry is None:
            log.info("job_duplicate job_id=%s thread=%s", job.job_id, job.thread)
            return ""
        log.info("job_enqueued job_id=%s thread=%s kind=%s entry=%s", job.job_id, job.thread, job.kind, _text(entry))
        return _text(entry)

    async def ensure_group(self) -> None:
        """Create the stream and consumer group if missing; the group starts at the stream's beginning."""
        try:
            async with asyncio.timeout(self.op_timeout_s):
                await self.redis.xgroup_create(self.stream_key, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(self, count: int, block_s: float) -> list[Delivery]:
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
        raw = [(_text(eid), fields) for _, entries in found for eid, fields in entries]
        return await self._decode([(eid, fields, 1) for eid, fields in raw])

    async def reclaim(self, count: int) -> list[Delivery]:
        """Take over entries idle longer than `claim_idle_s` (their holder is dead or gave them back)."""
        min_idle_ms = int(self.claim_idle_s * 1000)
        args = [self.group, self.consumer, min_idle_ms, self._cursor, count]
        cursor, found = await self._run("reclaim", [self.stream_key], args)
        self._cursor = _text(cursor)
        raw = []
        for eid, flat, n in found:
            fields = {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
            raw.append((_text(eid), fields, int(n)))
        return await self._decode(raw)

    async def _decode(self, raw: list[tuple[str, Any, int]]) -> list[Delivery]:
        out = []
        for eid, fields, attempt in raw:
            body = fields.get(b"job", fields.get("job")) if isinstance(fields, dict) else None
            try:
                out.append(Delivery(eid, Job.from_json(body or "", attempt)))
            except (ValueError, KeyError, TypeError):
                log.error("job_undecodable entry=%s: moved to dead letters", eid)
                await self._run(
                    "bury",
                    [self.stream_key, self._order_key(""), self.dead_key],
                    [
                        self.group,
                        self.consumer,
                        eid,
                        _text(body or ""),
                        "undecodable",
                        self._dead_maxlen,
                        self._retention_ms,
                        attempt,
                    ],
                )
        return out

    async def try_start(self, d: Delivery) -> Verdict:
        """Whether the entry may run now.

        Returns:
            "run" if this consumer holds it and it heads its thread's order; "wait" if an earlier job
            of the thread is still outstanding; "lost" if another consumer holds it or it is gone.
        """
        verdict = await self._run(
            "start", [self.stream_key, self._order_key(d.job.thread)], [self.group, self.consumer, d.entry_id]
        )
        text = _text(verdict)
        assert text in ("run", "wait", "lost")
        return text  # type: ignore[return-value]

    async def ack(self, d: Delivery) -> bool:
        """Ack and delete a finished entry, letting its thread's next job start; False if not ours."""
        return bool(
            await self._run(
                "ack",
                [self.stream_key, self._order_key(d.job.thread)],
                [self.group, self.consumer, d.entry_id],
            )
        )

    async def bury(self, d: Delivery, reason: str) -> bool:
        """Move an entry to the dead-letter stream and ack it; False if it is not ours."""
        keys = [self.stream_key, self._order_key(d.job.thread), self.dead_key]
        args = [
            self.group,
            self.consumer,
            d.entry_id,
            d.job.to_json(),
            reason,
            self._dead_maxlen,
            self._retention_ms,
            d.job.attempt,
        ]
        return bool(await self._run("bury", keys, args))

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

    async def dead_letters(self, count: int = 100) -> list[Job]:
        """The most recent dead-lettered jobs, newest first, with the attempt they died on."""
        async with asyncio.timeout(self.op_timeout_s):
            entries: Any = await self.redis.xrevrange(self.dead_key, count=count)
        out = []
        for _, fields in entries:
            attempt = int(fields.get(b"attempt", fields.get("attempt", 0)))
            try:
                out.append(Job.from_json(fields.get(b"job", fields.get("job", "")), attempt))
            except (ValueError, KeyError, TypeError):
                continue
        return out
