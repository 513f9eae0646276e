"""What the job-queue tests share: real Redis clients (the `clients` fixture), queues, workers and waits.

Loaded as a pytest plugin from tests/conftest.py, so `clients` is a fixture everywhere."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import jobqueue
from agent.redis_client import RedisClient
from bot.redis_connect import connect
from jobqueue import Handler, Job, JobQueue, Worker, WorkerStats

JOBQUEUE = Path(jobqueue.__file__).parent
CLAIM_IDLE_S = 0.5
WAIT_S = 15.0

Clients = Callable[[], RedisClient]
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


@pytest.fixture(params=["single", "cluster"])
async def clients(request: pytest.FixtureRequest) -> AsyncIterator[Clients]:
    """A fresh Redis client per simulated process; all closed at the end.

    Every queue test runs on one Redis and on a real Redis Cluster: a script touching keys of two slots
    fails there with CROSSSLOT.
    """
    made: list[RedisClient] = []
    if request.param == "cluster":
        url = request.getfixturevalue("redis_cluster").url
    else:
        url = request.getfixturevalue("redis_url")

    def make() -> RedisClient:
        made.append(connect(url, socket_timeout=30, socket_connect_timeout=10))
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
