"""The durable job queue against a real Redis: delivery, dedupe, per-thread order, takeover, dead letters."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from jobqueue import Handler, Job
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


async def test_a_job_is_handled_once_and_acked(clients: Clients, namespace: str) -> None:
    q = queue(clients, namespace, "w1")
    seen: list[Job[Payload]] = []

    async def handler(j: Job[Payload]) -> None:
        seen.append(j)

    w = worker(q, handler)
    entry = await q.enqueue(job("C1:100", 1, channel="C1", user="U1"))
    assert entry
    async with running(w):
        await until(w, lambda s: s.done == 1, "the job is acked")
        assert await q.pending_count() == 0
        assert await q.backlog() == 0
    assert [(j.job_id, j.attempt, j.payload) for j in seen] == [
        ("C1:100:1", 1, {"question": "q1", "channel": "C1", "user": "U1"})
    ]


async def test_the_same_job_id_twice_is_handled_once(clients: Clients, namespace: str) -> None:
    q = queue(clients, namespace, "w1")
    handled: list[str] = []
    sentinel_done = asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        handled.append(j.job_id)
        if j.job_id.endswith(":sentinel"):
            sentinel_done.set()

    # The app_mention and the message event of one Slack message carry the same (channel, ts).
    assert await q.enqueue(Job("C1:200", "C1:200", {"source": "app_mention"}))
    assert await q.enqueue(Job("C1:200", "C1:200", {"source": "message"})) == ""
    assert await q.enqueue(job("C1:200", "sentinel"))
    w = worker(q, handler)
    async with running(w):
        await wait(sentinel_done, "the job queued after the duplicate")
    # Same thread, so a second copy would have run before the sentinel.
    assert handled == ["C1:200", "C1:200:sentinel"]


async def test_one_thread_runs_in_order_without_overlap_across_two_workers(clients: Clients, namespace: str) -> None:
    log: list[tuple[str, str, str]] = []
    first_started, release_first, last_ended = asyncio.Event(), asyncio.Event(), asyncio.Event()

    def handler_for(name: str) -> Handler[Payload]:
        async def handler(j: Job[Payload]) -> None:
            log.append(("start", j.job_id, name))
            if j.job_id.endswith(":A"):
                first_started.set()
                await asyncio.wait_for(release_first.wait(), WAIT_S)
            log.append(("end", j.job_id, name))
            if j.job_id.endswith(":C"):
                last_ended.set()

        return handler

    q1, q2 = queue(clients, namespace, "w1"), queue(clients, namespace, "w2")
    w1 = worker(q1, handler_for("w1"), concurrency=1)  # busy with A, so B and C go to w2
    w2 = worker(q2, handler_for("w2"), concurrency=2)
    await q1.enqueue(job("T", "A"))
    async with running(w1):
        await wait(first_started, "A starts on w1")
        async with running(w2):
            await q1.enqueue(job("T", "B"))
            await q1.enqueue(job("T", "C"))
            await until(w2, lambda s: s.parked == 2, "w2 holds B and C, waiting for A")
            release_first.set()
            await wait(last_ended, "C ends")
    assert log == [
        ("start", "T:A", "w1"),
        ("end", "T:A", "w1"),
        ("start", "T:B", "w2"),
        ("end", "T:B", "w2"),
        ("start", "T:C", "w2"),
        ("end", "T:C", "w2"),
    ]


async def test_messages_that_reach_the_queue_in_reverse_run_in_the_order_they_were_sent(
    clients: Clients, namespace: str
) -> None:
    # Two processes took two back-to-back messages of one thread; the later one's enqueue won the race.
    done: list[str] = []
    all_done = asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        done.append(j.job_id)
        if len(done) == 3:
            all_done.set()

    q1, q2 = queue(clients, namespace, "w1"), queue(clients, namespace, "w2")
    await q2.enqueue(job("T", "third"), position=1_700_000_003.0)
    await q2.enqueue(job("T", "second"), position=1_700_000_002.0)
    await q1.enqueue(job("T", "first"), position=1_700_000_001.0)
    # One slot: "third" is read alone first and must wait for entries not yet read by anyone; with room
    # for one parked job only, reading must go on past it to reach them.
    async with running(worker(q1, handler, concurrency=1, max_parked=1)):
        await wait(all_done, "three jobs handled")
    assert done == ["T:first", "T:second", "T:third"]


async def test_a_late_message_never_goes_ahead_of_a_job_that_has_started(clients: Clients, namespace: str) -> None:
    log: list[str] = []
    started, release, both = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        log.append(f"start {j.job_id}")
        if j.job_id == "T:later":
            started.set()
            await asyncio.wait_for(release.wait(), WAIT_S)
        log.append(f"end {j.job_id}")
        if len(log) == 4:
            both.set()

    q = queue(clients, namespace, "w1")
    await q.enqueue(job("T", "later"), position=1_700_000_002.0)
    async with running(worker(q, handler, concurrency=2)):
        await wait(started, "the later message's job starts")
        await q.enqueue(job("T", "earlier"), position=1_700_000_001.0)
        release.set()
        await wait(both, "both handled")
    assert log == ["start T:later", "end T:later", "start T:earlier", "end T:earlier"]


async def test_a_message_still_on_its_way_is_not_overtaken_by_one_sent_after_it(
    clients: Clients, namespace: str
) -> None:
    done: list[str] = []
    both = asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        done.append(j.job_id)
        if len(done) == 2:
            both.set()

    q1, q2 = queue(clients, namespace, "w1"), queue(clients, namespace, "w2")
    await q1.announce("T", 1_700_000_001.0)  # process one took the first message and is still checking it
    await q2.enqueue(job("T", "second"), position=1_700_000_002.0)  # process two queued the next at once
    w = worker(q2, handler)
    async with running(w):
        await until(w, lambda s: s.parked == 1, "the second waits for the first")
        await asyncio.sleep(0.3)
        assert done == []
        await q1.enqueue(job("T", "first"), position=1_700_000_001.0)
        await q1.withdraw("T", 1_700_000_001.0)  # its intake is done
        await wait(both, "both handled")
    assert done == ["T:first", "T:second"]


async def test_an_announced_message_that_never_arrives_holds_its_thread_only_briefly(
    clients: Clients, namespace: str
) -> None:
    handled = asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        handled.set()

    q = queue(clients, namespace, "w1")
    await q.announce("T", 1_700_000_001.0, within_s=0.5)  # its process died before enqueueing it
    await q.enqueue(job("T", "second"), position=1_700_000_002.0)
    started = time.monotonic()
    async with running(worker(q, handler)):
        await wait(handled, "the second runs once the announcement expires")
    assert time.monotonic() - started >= 0.4


async def test_many_jobs_on_two_threads_keep_their_order_with_two_workers(clients: Clients, namespace: str) -> None:
    log: list[tuple[str, str]] = []
    all_ended = asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        log.append(("start", j.job_id))
        for _ in range(3):
            await asyncio.sleep(0)
        log.append(("end", j.job_id))
        if sum(what == "end" for what, _ in log) == 12:
            all_ended.set()

    q1, q2 = queue(clients, namespace, "w1"), queue(clients, namespace, "w2")
    for n in range(6):
        await q1.enqueue(job("T", n))
        await q1.enqueue(job("U", n))
    w1, w2 = worker(q1, handler, concurrency=3), worker(q2, handler, concurrency=3)
    async with running(w1), running(w2):
        await wait(all_ended, "all twelve jobs ran")
    for thread in ("T", "U"):
        mine = [(what, jid) for what, jid in log if jid.startswith(f"{thread}:")]
        assert mine == [(what, f"{thread}:{n}") for n in range(6) for what in ("start", "end")]


async def test_jobs_of_different_threads_run_at_the_same_time(clients: Clients, namespace: str) -> None:
    started = {"T1": asyncio.Event(), "T2": asyncio.Event()}
    saw_other_running: list[str] = []

    async def handler(j: Job[Payload]) -> None:
        started[j.thread].set()
        other = "T2" if j.thread == "T1" else "T1"
        await asyncio.wait_for(started[other].wait(), WAIT_S)
        saw_other_running.append(j.thread)

    q = queue(clients, namespace, "w1")
    await q.enqueue(job("T1", 1))
    await q.enqueue(job("T2", 1))
    w = worker(q, handler, concurrency=2)
    async with running(w):
        await until(w, lambda s: s.done == 2, "both jobs are done")
    assert sorted(saw_other_running) == ["T1", "T2"]
    assert w.stats.failed == 0


async def test_no_more_than_concurrency_jobs_run_at_once(clients: Clients, namespace: str) -> None:
    running_now: list[str] = []
    most = 0
    release = asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        nonlocal most
        running_now.append(j.thread)
        most = max(most, len(running_now))
        await asyncio.wait_for(release.wait(), WAIT_S)
        running_now.remove(j.thread)

    q = queue(clients, namespace, "w1")
    for thread in ("T1", "T2", "T3"):
        await q.enqueue(job(thread, 1))
    w = worker(q, handler, concurrency=2)
    async with running(w):
        await until(w, lambda s: s.started == 2, "two jobs start")
        passes = w.stats.reclaim_passes
        # Several reader polls and reclaim passes go by with both slots taken: the third must wait.
        await until(w, lambda s: s.reclaim_passes >= passes + 3, "the worker keeps polling")
        assert (w.stats.started, most) == (2, 2)
        release.set()
        await until(w, lambda s: s.done == 3, "all three jobs are done")
    assert most == 2


async def test_a_job_held_by_a_killed_worker_is_taken_up_by_another(clients: Clients, namespace: str) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()
    taken_up: list[Job[Payload]] = []

    async def stuck(j: Job[Payload]) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def survivor(j: Job[Payload]) -> None:
        taken_up.append(j)

    q1, q2 = queue(clients, namespace, "w1"), queue(clients, namespace, "w2")
    w1, w2 = worker(q1, stuck), worker(q2, survivor)
    await q1.enqueue(job("T", 1))
    async with running(w1) as w1_task:
        await wait(started, "w1 starts the job")
        w1_task.cancel()  # a killed process: no ack, no hand-back
        await asyncio.wait({w1_task}, timeout=WAIT_S)
    assert cancelled.is_set()
    assert await q2.pending_count() == 1
    async with running(w2):
        await until(w2, lambda s: s.done == 1, "w2 handles the job")
    assert [(j.job_id, j.attempt) for j in taken_up] == [("T:1", 2)]
    assert w2.stats.reclaimed == 1
    assert await q2.pending_count() == 0


async def test_a_failing_job_ends_in_dead_letters_and_the_thread_moves_on(
    clients: Clients, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[int] = []
    handled: list[str] = []
    dead: list[Job[Payload]] = []
    told = asyncio.Event()

    async def handler(j: Job[Payload]) -> None:
        if j.job_id == "T:bad":
            attempts.append(j.attempt)
            raise RuntimeError("the handler broke")
        handled.append(j.job_id)

    async def on_dead(j: Job[Payload]) -> None:
        dead.append(j)
        told.set()

    q = queue(clients, namespace, "w1", claim_idle_s=0.3, max_deliveries=3)
    secret = "what is the salary of employee 4711"
    await q.enqueue(job("T", "bad", question=secret))
    await q.enqueue(job("T", "next"))
    w = worker(q, handler, on_dead=on_dead)
    with caplog.at_level(logging.DEBUG):
        async with running(w):
            await wait(told, "on_dead is called")
            await until(w, lambda s: s.done == 1, "the thread's next job runs")
    assert attempts == [1, 2, 3]
    assert [(j.job_id, j.attempt) for j in dead] == [("T:bad", 3)]
    assert [(j.job_id, j.attempt, j.payload["question"]) for j in await q.dead_letters()] == [("T:bad", 3, secret)]
    assert await q.pending_count() == 0
    assert await q.backlog() == 0
    assert "job_failed" in caplog.text and "job_dead" in caplog.text
    assert secret not in caplog.text
