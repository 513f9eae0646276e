"""The durable job queue against a real Redis: delivery, dedupe, per-thread order, takeover, dead letters."""

from __future__ import annotations

import ast
import asyncio
import json
import logging
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

import jobqueue
from jobqueue import Handler, Job, JobQueue, StartVerdict, Worker, WorkerStats, scripts

JOBQUEUE = Path(jobqueue.__file__).parent
CLAIM_IDLE_S = 0.5
WAIT_S = 15.0

Clients = Callable[[], aioredis.Redis]
Payload = dict[str, Any]


class DictCodec:
    """Plain JSON objects: enough for testing the queue, which never looks inside a payload."""

    def encode(self, payload: Payload) -> str:
        return json.dumps(payload)

    def decode(self, raw: str) -> Payload:
        value = json.loads(raw)
        if not isinstance(value, dict):
            raise ValueError("not an object")
        return value


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[Clients]:
    """A fresh Redis client per simulated process; all closed at the end."""
    made: list[aioredis.Redis] = []

    def make() -> aioredis.Redis:
        made.append(aioredis.from_url(redis_url))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


def queue(clients: Clients, namespace: str, consumer: str, **kw: Any) -> JobQueue[Payload]:
    kw.setdefault("claim_idle_s", CLAIM_IDLE_S)
    return JobQueue(clients(), DictCodec(), namespace=namespace, consumer=consumer, **kw)


def worker(q: JobQueue[Payload], handler: Handler[Payload], **kw: Any) -> Worker[Payload]:
    kw.setdefault("poll_s", 0.1)
    kw.setdefault("park_poll_s", 0.05)
    kw.setdefault("grace_s", 2.0)
    return Worker(q, handler, **kw)


@asynccontextmanager
async def running(w: Worker[Payload]) -> AsyncIterator[asyncio.Task[None]]:
    """Run a worker; on exit stop it gracefully (unless the test killed it) and surface its errors."""
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait({task}, timeout=WAIT_S)
        assert task.done(), "the worker did not stop"
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error


async def until(w: Worker[Payload], predicate: Callable[[WorkerStats], bool], what: str) -> None:
    """Wait for the worker's counters to satisfy `predicate` (a condition with a deadline)."""
    try:
        await w.until(predicate, WAIT_S)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for: {what}; stats={w.stats}") from None


async def wait(event: asyncio.Event, what: str) -> None:
    try:
        await asyncio.wait_for(event.wait(), WAIT_S)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for: {what}") from None


def job(thread: str, n: int | str, **payload: Any) -> Job[Payload]:
    return Job.new(thread, {"question": f"q{n}", **payload}, job_id=f"{thread}:{n}")


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


def test_jobqueue_imports_only_the_standard_library_and_redis() -> None:
    allowed = {*sys.stdlib_module_names, "redis", "jobqueue"}
    for path in sorted(JOBQUEUE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            assert {n.split(".")[0] for n in names} <= allowed, f"{path.name} imports {names}"


def test_jobqueue_modules_stay_small_and_simple() -> None:
    for path in JOBQUEUE.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, f"{path.name} is over 400 lines"
    ruff = Path(sys.executable).with_name("ruff")
    select = ["--select", "C901", "--config", "lint.mccabe.max-complexity=10"]
    proc = subprocess.run([str(ruff), "check", "--no-cache", *select, str(JOBQUEUE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("name", scripts.NAMES)
def test_each_lua_script_names_its_keys_and_arguments_at_the_top(name: str) -> None:
    lua = (JOBQUEUE / "lua" / f"{name}.lua").read_text()
    for line in lua.splitlines():
        # ARGV[i] with a variable walks a list of entry ids; a fixed index belongs in a named local.
        if re.search(r"\b(KEYS|ARGV)\[\d+\]", line):
            assert re.fullmatch(r"local \w+ = (KEYS|ARGV)\[\d+\]", line.strip()), f"{name}.lua: {line}"
    prelude = (JOBQUEUE / "lua" / "prelude.lua").read_text()
    assert "KEYS" not in prelude and "ARGV" not in prelude
    assert scripts.source(name) == prelude + "\n" + lua
