"""A worker's leases and stops, and what the queue does with entries it cannot run."""

from __future__ import annotations

import asyncio
from typing import Any

from jobqueue import Handler, Job, StartVerdict, Worker
from tests.jobs_helpers import (
    WAIT_S,
    Clients,
    Payload,
    job,
    queue,
    running,
    until,
    wait,
    worker,
)


async def test_a_long_job_is_not_stolen_by_a_live_worker(clients: Clients, namespace: str) -> None:
    starts: list[tuple[str, int]] = []
    started, w2_running = asyncio.Event(), asyncio.Event()
    others: list[Worker[Payload]] = []
    leases: list[dict[str, Any]] = []

    def handler_for(name: str) -> Handler[Payload]:
        async def handler(j: Job[Payload]) -> None:
            starts.append((name, j.attempt))
            started.set()
            await wait(w2_running, "w2 runs")
            # Six passes, one every claim_idle_s / 2, come after the job started: it runs for several
            # times claim_idle_s, long enough to be stolen if its owner did not keep it fresh.
            await until(others[0], lambda s: s.reclaim_passes >= 6, "w2 makes reclaim passes")
            q = others[0].queue
            leases.extend(await q.redis.xpending_range(q.stream_key, q.group, "-", "+", 10))

        return handler

    q1, q2 = queue(clients, namespace, "w1"), queue(clients, namespace, "w2")
    w1, w2 = worker(q1, handler_for("w1")), worker(q2, handler_for("w2"))
    await q1.enqueue(job("T", 1))
    async with running(w1):
        await wait(started, "w1 starts the job")
        async with running(w2):
            others.append(w2)
            w2_running.set()
            await until(w1, lambda s: s.done == 1, "w1 finishes the job")
    assert starts == [("w1", 1)]
    # Kept by its owner all along: never re-delivered, not even to w1 itself.
    assert [(e["consumer"], e["times_delivered"]) for e in leases] == [(b"w1", 1)]
    assert (w1.stats.lost, w2.stats.reclaimed, w2.stats.started) == (0, 0, 0)


async def test_stop_lets_a_running_job_finish_within_the_grace_period(clients: Clients, namespace: str) -> None:
    started, stop = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def handler(j: Job[Payload]) -> None:
        started.set()
        await asyncio.wait_for(stop.wait(), WAIT_S)  # still busy when the stop comes
        for _ in range(3):
            await asyncio.sleep(0)
        finished.append(j.job_id)

    q = queue(clients, namespace, "w1")
    await q.enqueue(job("T", 1))
    w = worker(q, handler, grace_s=10.0)
    task = asyncio.create_task(w.run(stop))
    await wait(started, "the job starts")
    stop.set()
    await asyncio.wait_for(task, WAIT_S)
    assert finished == ["T:1"]
    assert (await q.pending_count(), await q.backlog()) == (0, 0)


async def test_stop_hands_an_unfinished_job_back_without_counting_the_attempt(clients: Clients, namespace: str) -> None:
    started = asyncio.Event()
    taken_up: list[Job[Payload]] = []

    async def stuck(j: Job[Payload]) -> None:
        started.set()
        await asyncio.Event().wait()

    async def survivor(j: Job[Payload]) -> None:
        taken_up.append(j)

    # A huge claim_idle_s: the second worker can only get the job because it was handed back.
    q1 = queue(clients, namespace, "w1", claim_idle_s=30.0)
    q2 = queue(clients, namespace, "w2", claim_idle_s=30.0)
    await q1.enqueue(job("T", 1))
    w1 = worker(q1, stuck, grace_s=0.2)
    async with running(w1):
        await wait(started, "w1 starts the job")
    w2 = worker(q2, survivor, reclaim_s=0.1)
    async with running(w2):
        await until(w2, lambda s: s.done == 1, "w2 handles the handed-back job")
    assert [(j.job_id, j.attempt) for j in taken_up] == [("T:1", 1)]


async def test_an_undecodable_entry_is_buried_and_the_rest_still_runs(clients: Clients, namespace: str) -> None:
    handled: list[str] = []
    q = queue(clients, namespace, "w1")
    await q.ensure_group()
    # Written by something that is not this codec (an older release, a hand-made XADD).
    await q.redis.xadd(q.stream_key, {"job": '{"job_id": "x", "thread": "T", "payload": "[1, 2]", "enqueued_at": 0}'})
    await q.redis.xadd(q.stream_key, {"job": "not json at all"})
    await q.enqueue(job("T", 1))

    async def handler(j: Job[Payload]) -> None:
        handled.append(j.job_id)

    w = worker(q, handler)
    async with running(w):
        await until(w, lambda s: s.done == 1, "the good job runs")
    assert handled == ["T:1"]
    dead = await q.redis.xrange(q.dead_key)
    assert [(f[b"reason"], f[b"job"]) for _, f in dead] == [
        (b"undecodable", b'{"job_id": "x", "thread": "T", "payload": "[1, 2]", "enqueued_at": 0}'),
        (b"undecodable", b"not json at all"),
    ]
    assert await q.dead_letters() == []  # only jobs that decode are listed
    assert (await q.pending_count(), await q.backlog()) == (0, 0)


async def test_try_start_says_run_wait_or_lost(clients: Clients, namespace: str) -> None:
    q1, q2 = queue(clients, namespace, "w1"), queue(clients, namespace, "w2")
    await q1.ensure_group()
    await q1.enqueue(job("T", "first"))
    await q1.enqueue(job("T", "second"))
    first, second = await q1.read(2, 0.1)
    assert [d.job.job_id for d in (first, second)] == ["T:first", "T:second"]
    assert await q1.try_start(second) is StartVerdict.WAIT
    assert await q1.try_start(first) is StartVerdict.RUN
    assert await q2.try_start(first) is StartVerdict.LOST  # held by w1
    assert await q1.ack(first)
    assert await q1.try_start(second) is StartVerdict.RUN
    assert await q1.ack(second)
    assert await q1.try_start(second) is StartVerdict.LOST  # acked: gone
