"""Upgrading from the release before Redis Cluster support: nothing written under the old key names is lost."""

from __future__ import annotations

import asyncio
import zlib

import redis.asyncio as aioredis

from agent.store import Store, Turn
from bot.migrate import migrate_keys
from handlers.limits import FairUse, LimitSettings, Quotas
from jobqueue import Job
from tests.jobs_helpers import DictCodec, Payload, job, queue, running, until, worker


async def old_enqueue(client: aioredis.Redis, namespace: str, j: Job[Payload]) -> None:
    """What the earlier release's enqueue script wrote: untagged stream, order list and dedupe marker."""
    stream = f"{namespace}:q:jobs"
    entry = await client.xadd(stream, {"job": j.to_json(DictCodec())})
    await client.rpush(f"{stream}:t:{j.thread}", entry)
    await client.set(f"{stream}:seen:{j.job_id}", "1")


async def test_jobs_left_in_the_old_stream_are_each_run_once_in_order(redis_url: str, namespace: str) -> None:
    old = aioredis.from_url(redis_url)
    try:
        for n in range(4):
            for thread in ("C1:1.0", "C2:2.0"):
                await old_enqueue(old, namespace, job(thread, n))
        # One entry was held by a process of the old release when it stopped.
        await old.xgroup_create(f"{namespace}:q:jobs", "workers", id="0")
        await old.xreadgroup("workers", "old-host-1", {f"{namespace}:q:jobs": ">"}, count=1)
    finally:
        await old.aclose()
    made: list[aioredis.Redis] = []

    def clients() -> aioredis.Redis:
        made.append(aioredis.from_url(redis_url))
        return made[-1]

    seen: list[tuple[str, str]] = []

    async def handler(j: Job[Payload]) -> None:
        seen.append((j.thread, str(j.payload["question"])))

    # Two new processes start together: both adopt, each job goes in once.
    one, two = queue(clients, namespace, "new-1"), queue(clients, namespace, "new-2")
    await asyncio.gather(one.ensure_group(), two.ensure_group())
    try:
        w1, w2 = worker(one, handler), worker(two, handler)
        async with running(w1), running(w2):
            await until(w1, lambda _: len(seen) >= 8, "every old job ran")
            await asyncio.sleep(1.0)  # a second copy would run now
        assert sorted(seen) == sorted((t, f"q{n}") for n in range(4) for t in ("C1:1.0", "C2:2.0"))
        for thread in ("C1:1.0", "C2:2.0"):
            assert [q for t, q in seen if t == thread] == ["q0", "q1", "q2", "q3"]
        assert await made[0].xlen(f"{namespace}:q:jobs") == 0
    finally:
        for client in made:
            await client.aclose()


async def test_a_thread_blob_and_channel_limit_of_the_old_release_are_read_and_forgotten(
    redis_url: str, namespace: str
) -> None:
    client = aioredis.from_url(redis_url)
    try:
        thread, sha, data = "C1:1700000000.000100", "ab" * 32, b"region,units\nnorth,3\n"
        turn = Turn("How many?", "Three.", "print(3)", True)
        await client.rpush(f"{namespace}:t:{thread}:turns", turn.to_json())
        await client.sadd(f"{namespace}:t:{thread}:blobs", sha)
        await client.set(f"{namespace}:blob:{sha}", zlib.compress(data))
        await client.sadd(f"{namespace}:blobrefs:{sha}", thread)
        await client.hset(f"{namespace}:limit:channel:C1", mapping={"q": 7, "t": 900})

        assert await migrate_keys(client, namespace) == 5
        assert await migrate_keys(client, namespace) == 0  # a second replica starting finds nothing to move

        store = Store(client, namespace=namespace)
        assert await store.turns(thread) == [turn]
        assert await store.get_blob(sha) == data
        limits = FairUse(client, namespace=namespace, settings=LimitSettings())
        assert await limits.channel_quotas("C1") == Quotas(7, 900)
        await store.forget(thread)
        left = [k async for k in client.scan_iter(f"*{namespace}*")]
        assert left == [f"{{{namespace}:limit}}:channel:C1".encode()]  # configuration, not data
    finally:
        await client.aclose()
