"""Job queue timings with a no-op handler: enqueue→start latency and throughput on a real Redis.

Run: .venv/bin/python bench/queue_bench.py [--jobs N] [--threads T] [--concurrency C] [--workers W]
Uses REDIS_URL or redis://127.0.0.1:6379 under a private key prefix, removed afterwards.
Prints figures; nothing here is asserted (tests never time things).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

import redis.asyncio as aioredis

from jobqueue import Job, JobQueue, Worker


def _fmt(label: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{label:<34} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f}   max {ms[-1]:7.2f}   (n={len(ms)})"


class IntCodec:
    """The payload is a job number: the bench measures the queue, not serialisation."""

    def encode(self, payload: int) -> str:
        return str(payload)

    def decode(self, raw: str) -> int:
        return int(raw)  # ValueError on anything else, as the Codec protocol asks


class Run:
    """Workers sharing one namespace; the handler records enqueue→start latency."""

    def __init__(self, url: str, namespace: str, workers: int, concurrency: int) -> None:
        self.clients = [aioredis.from_url(url) for _ in range(workers + 1)]
        self.producer = JobQueue(self.clients[0], IntCodec(), namespace=namespace, consumer="producer")
        self.latencies: list[float] = []
        self.finished = asyncio.Event()
        self.expected = 0
        self.workers = [
            Worker(
                JobQueue(c, IntCodec(), namespace=namespace, consumer=f"bench-{i}"),
                self._handle,
                concurrency=concurrency,
                poll_s=0.5,
                park_poll_s=0.05,
            )
            for i, c in enumerate(self.clients[1:])
        ]
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def _handle(self, job: Job[int]) -> None:
        self.latencies.append(time.time() - job.enqueued_at)
        if len(self.latencies) >= self.expected:
            self.finished.set()

    async def __aenter__(self) -> Run:
        self.tasks = [asyncio.create_task(w.run(self.stop)) for w in self.workers]
        return self

    async def __aexit__(self, *_: object) -> None:
        self.stop.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks), 30)
        for c in self.clients:
            await c.aclose()

    async def batch(self, jobs: list[Job[int]]) -> float:
        """Enqueue all jobs at once; seconds until the last one started."""
        self.latencies.clear()
        self.finished.clear()
        self.expected = len(jobs)
        began = time.perf_counter()
        for job in jobs:
            await self.producer.enqueue(job)
        await asyncio.wait_for(self.finished.wait(), 300)
        return time.perf_counter() - began


async def main(args: argparse.Namespace) -> None:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
    ns = f"bench-{uuid.uuid4().hex[:8]}"
    print(f"redis {url}  workers {args.workers} × concurrency {args.concurrency}")
    try:
        async with Run(url, ns, args.workers, args.concurrency) as run:
            await run.producer.ensure_group()
            single: list[float] = []
            for i in range(50):  # one at a time on an idle queue
                await run.batch([Job.new(f"solo-{i}", i)])
                single.extend(run.latencies)
            print(_fmt("idle queue, one job", single))

            jobs = [Job.new(f"t{i % args.threads}", i) for i in range(args.jobs)]
            seconds = await run.batch(jobs)
            print(_fmt(f"burst of {args.jobs} over {args.threads} threads", run.latencies))
            print(f"{'':<34} throughput {args.jobs / seconds:8.0f} jobs/s")

            jobs = [Job.new("one-thread", i) for i in range(args.jobs // 10)]
            seconds = await run.batch(jobs)
            print(_fmt(f"burst of {len(jobs)} on one thread", run.latencies))
            print(f"{'':<34} throughput {len(jobs) / seconds:8.0f} jobs/s (strictly in order)")
    finally:
        client = aioredis.from_url(url)
        keys = [k async for k in client.scan_iter(match=f"*{ns}*", count=1000)]  # tagged keys start with "{"
        if keys:
            await client.delete(*keys)
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
