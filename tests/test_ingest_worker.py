"""Uploads are parsed in bounded child processes: the bot's loop keeps running, its memory stays lean,
and a file past the time or memory limit (or one that kills its reader) gets a clear sentence with
nothing stored, once, not a job the queue retries and dead-letters."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import redis.asyncio as aioredis

from agent import texts
from agent.datasets import Datasets
from agent.errors import ConfigError, DatasetError
from agent.ingest.worker import IngestLimits, IngestPool
from agent.store import Store
from bot.config import Settings
from jobqueue import Job
from tests.jobs_helpers import Clients, queue, running, until, worker

MAX_BYTES = 200 << 20
SMALL_CSV = b"region,revenue\nnorth,10\nsouth,20\n"


def big_csv(path: Path, mb: int) -> bytes:
    """A plain CSV of about `mb` MB: numbers, text, dates (its frame is several times the file)."""
    lines = [
        f"{i},{i * 3.25:.2f},region {i % 17},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},customer-{i * 7919 % 100003}\n"
        for i in range(20_000)
    ]
    block = "".join(lines).encode()
    data = b"id,amount,region,date,customer\n" + block * max(1, (mb << 20) // len(block))
    path.write_bytes(data)
    return data


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def ingest_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "dataagent-ingest"]


async def first_child() -> multiprocessing.process.BaseProcess:
    for _ in range(1200):  # up to a minute for the forkserver to boot and fork
        if children := ingest_children():
            return children[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no ingest worker started")


@pytest.fixture
async def store(redis_url: str, namespace: str) -> AsyncIterator[Store]:
    client = aioredis.from_url(redis_url)
    yield Store(client, namespace=namespace)
    await client.aclose()


async def nothing_stored(store: Store, thread: str) -> None:
    assert await store.datasets(thread) == []
    assert await store.redis.smembers(store.thread_key(thread, "blobs")) == set()


class Ticker:
    """Measures how late the event loop wakes a 10 ms sleeper, and the process's peak RSS meanwhile."""

    def __init__(self) -> None:
        self.worst_lag_s = 0.0
        self.peak_rss_mb = rss_mb()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            self.worst_lag_s = max(self.worst_lag_s, time.monotonic() - before - 0.01)
            self.peak_rss_mb = max(self.peak_rss_mb, rss_mb())

    def __enter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_a_large_upload_leaves_the_loop_responsive_and_the_bot_lean(store: Store, tmp_path: Path) -> None:
    data = big_csv(tmp_path / "big.csv", 60)
    datasets = Datasets(store, max_bytes=MAX_BYTES, pool=IngestPool(IngestLimits(timeout_s=600)))
    baseline = rss_mb()
    with Ticker() as ticker:
        ((record, _),) = await datasets.add("T-big", "big.csv", data)
    assert record.rows == data.count(b"\n") - 1
    assert record.columns == ("id", "amount", "region", "date", "customer")
    assert ticker.worst_lag_s < 1.0, f"the loop stalled {ticker.worst_lag_s:.2f} s"
    # Parsed in this process the frame alone is ~4× the file (pandas strings) and the bot grew ~7× the
    # file; with the worker only the stored bytes and their compressed copy pass through.
    growth = ticker.peak_rss_mb - baseline
    assert growth < 3 * len(data) / 2**20, f"the bot grew {growth:.0f} MB for a {len(data) >> 20} MB file"
    stored = pd.read_parquet(io.BytesIO(await store.get_blob(record.blob_sha256)))
    assert len(stored) == record.rows


async def test_a_file_past_the_time_limit_is_refused_and_nothing_is_stored(store: Store, tmp_path: Path) -> None:
    # Far more work than the limit allows on any machine: a quiet one parses 20 MB in under a second.
    data = big_csv(tmp_path / "slow.csv", 40)
    datasets = Datasets(store, max_bytes=MAX_BYTES, pool=IngestPool(IngestLimits(timeout_s=0.2)))
    started = time.monotonic()
    with pytest.raises(DatasetError) as caught:
        await datasets.add("T-slow", "slow.csv", data)
    assert str(caught.value) == texts.INGEST_TIMEOUT.format(name="slow.csv", seconds="0.2")
    assert time.monotonic() - started < 30, "the parse was not cut off"
    assert ingest_children() == [], "the timed-out reader is still running"
    await nothing_stored(store, "T-slow")


async def test_a_file_past_the_memory_limit_is_refused_and_nothing_is_stored(store: Store, tmp_path: Path) -> None:
    data = big_csv(tmp_path / "wide.csv", 48)
    datasets = Datasets(store, max_bytes=MAX_BYTES, pool=IngestPool(IngestLimits(timeout_s=600, memory_mb=256)))
    with pytest.raises(DatasetError) as caught:
        await datasets.add("T-mem", "wide.csv", data)
    # Refused by the limit: most readers raise MemoryError (or the kernel kills the child), but a C++
    # reader may die of the refused allocation instead, which reads as a crash. Either way: one sentence.
    said = str(caught.value)
    assert "wide.csv" in said and ("memory" in said or said == texts.INGEST_CRASHED.format(name="wide.csv")), said
    await nothing_stored(store, "T-mem")
    # The same pool still reads an ordinary file afterwards.
    ((record, _),) = await datasets.add("T-mem", "small.csv", SMALL_CSV)
    assert record.rows == 2


async def test_a_reader_that_dies_gets_its_own_sentence_and_nothing_is_stored(store: Store, tmp_path: Path) -> None:
    data = big_csv(tmp_path / "crash.csv", 20)
    datasets = Datasets(store, max_bytes=MAX_BYTES, pool=IngestPool(IngestLimits(timeout_s=600)))
    adding = asyncio.create_task(datasets.add("T-crash", "crash.csv", data))
    pid = (await first_child()).pid
    assert pid is not None
    os.kill(pid, signal.SIGSEGV)  # what a crashing C parser looks like from outside
    with pytest.raises(DatasetError) as caught:
        await adding
    assert str(caught.value) == texts.INGEST_CRASHED.format(name="crash.csv")
    await nothing_stored(store, "T-crash")


async def test_a_cancelled_upload_leaves_no_reader_running(store: Store, tmp_path: Path) -> None:
    """A job cancelled mid-parse (lost lease, shutdown) takes its child with it."""
    data = big_csv(tmp_path / "cancel.csv", 20)
    datasets = Datasets(store, max_bytes=MAX_BYTES, pool=IngestPool(IngestLimits(timeout_s=600)))
    adding = asyncio.create_task(datasets.add("T-cancel", "cancel.csv", data))
    await first_child()
    adding.cancel()
    with pytest.raises(asyncio.CancelledError):
        await adding
    assert ingest_children() == []
    await nothing_stored(store, "T-cancel")


async def test_uploads_beyond_the_bound_wait_for_a_free_worker(store: Store, tmp_path: Path) -> None:
    data = big_csv(tmp_path / "mid.csv", 5)
    datasets = Datasets(store, max_bytes=MAX_BYTES, pool=IngestPool(IngestLimits(workers=1, timeout_s=600)))
    adds = [asyncio.create_task(datasets.add(f"T-bound-{n}", "mid.csv", data)) for n in range(3)]
    most = 0
    while not all(a.done() for a in adds):
        most = max(most, len(ingest_children()))
        await asyncio.sleep(0.01)
    assert most == 1
    assert [(await a)[0][0].rows for a in adds] == [data.count(b"\n") - 1] * 3


async def test_a_timed_out_file_job_is_finished_once_not_taken_over_by_another_replica(
    clients: Clients, namespace: str, store: Store, tmp_path: Path
) -> None:
    """The job outlives claim_idle_s many times over; the lease stays fresh, so no replica reclaims it."""
    # A quiet machine reads 60 MB in about 2 s: 80 MB against a 1 s limit is cut off on any machine.
    files = {"slow.csv": big_csv(tmp_path / "slow.csv", 80), "small.csv": SMALL_CSV}
    datasets = Datasets(store, max_bytes=MAX_BYTES, pool=IngestPool(IngestLimits(timeout_s=1)))
    said: list[tuple[str, str]] = []

    async def handler(job: Job[dict[str, Any]]) -> None:  # what handlers.work does per shared file
        for name in job.payload["files"]:
            try:
                ((record, _),) = await datasets.add(job.thread, name, files[name])
                said.append((name, f"{record.rows} rows"))
            except DatasetError as exc:
                said.append((name, str(exc)))

    replicas = [worker(queue(clients, namespace, f"replica-{n}", claim_idle_s=0.2), handler) for n in (1, 2)]
    async with running(replicas[0]), running(replicas[1]):
        await replicas[0].queue.enqueue(Job.new("T-job", {"files": ["slow.csv", "small.csv"]}, job_id="T-job:1"))
        await until(replicas[0], lambda _: sum(r.stats.done for r in replicas) == 1, "the file job to be done")
    assert said == [("slow.csv", texts.INGEST_TIMEOUT.format(name="slow.csv", seconds="1")), ("small.csv", "2 rows")]
    assert sum(r.stats.reclaimed for r in replicas) == 0
    assert sum(r.stats.failed + r.stats.dead for r in replicas) == 0
    assert [r.name for r in await store.datasets("T-job")] == ["small.csv"]


def test_the_ingest_limits_are_settings() -> None:
    settings = Settings.from_env({"INGEST_WORKERS": "3", "INGEST_TIMEOUT_S": "45", "INGEST_MEMORY_MB": "1024"})
    assert (settings.ingest_workers, settings.ingest_timeout_s, settings.ingest_memory_mb) == (3, 45.0, 1024)
    defaults = Settings.from_env({})
    assert (defaults.ingest_workers, defaults.ingest_timeout_s, defaults.ingest_memory_mb) == (2, 120.0, 4096)
    with pytest.raises(ConfigError, match="INGEST_WORKERS"):
        Settings.from_env({"INGEST_WORKERS": "0"})
