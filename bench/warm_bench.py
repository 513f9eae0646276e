"""The first answer after an upload: as before (the question starts the sandbox), with the sandbox
started during the parse, and with that plus a pool of ready kernels. Rounds are interleaved so the
three variants share the machine's load; the question is asked the moment the upload is stored
(the worst case for the early start), with the zero-latency model of engine_bench.

Run: .venv/bin/python bench/warm_bench.py [--rounds N]   (REDIS_URL, default redis://127.0.0.1:6379/0)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

import redis.asyncio as aioredis
from engine_bench import CODE, SALES_CSV, ScriptedModel  # bench/ is on sys.path when run as a script
from sandbox_bench import fmt

from agent import Engine, EngineConfig
from agent.datasets import Datasets
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store

VARIANTS = ("before", "prestart", "prestart+pool")


async def one_round(redis_url: str, variant: str) -> tuple[float, float]:
    """(upload stored → answer, upload start → answer) in seconds."""
    client = aioredis.from_url(redis_url)
    store = Store(client, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    provider = LocalSandboxProvider()
    pool = 1 if variant == "prestart+pool" else 0
    sessions = Sessions(store, provider, setup_timeout_s=60, pool_size=pool)
    datasets = Datasets(store, max_bytes=10 << 20)
    engine = Engine(store, sessions, ScriptedModel([CODE]), datasets, EngineConfig(cell_timeout_s=30))
    thread = f"bench:{uuid.uuid4().hex}"
    try:
        if pool:
            sessions.warm()  # at the bot's start-up, long before the upload
            for _ in range(2400):  # bounded: a loaded host may take a while
                if await _pool_ready(provider):
                    break
                await asyncio.sleep(0.05)
        began = time.perf_counter()
        if variant == "before":
            await datasets.add(thread, "sales.csv", SALES_CSV)  # the old upload: parse and store only
        else:
            await engine.add_dataset(thread, "sales.csv", SALES_CSV)
        stored = time.perf_counter()
        assert (await engine.ask(thread, "revenue by region?")).ok
        done = time.perf_counter()
    finally:
        await sessions.aclose()
        await provider.aclose()
        await client.aclose()
    return done - stored, done - began


async def _pool_ready(provider: LocalSandboxProvider) -> bool:
    return bool(provider._live)  # bench only: the pool's kernel has started


async def main(rounds: int) -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
    for _ in range(rounds):
        for variant in VARIANTS:
            results[variant].append(await one_round(redis_url, variant))
    base = statistics.median(r[0] for r in results["before"])
    print(f"first answer after an upload, zero-latency model, local sandbox, {os.cpu_count()} cores")
    for variant in VARIANTS:
        question = [r[0] for r in results[variant]]
        total = [r[1] for r in results[variant]]
        ratio = statistics.median(question) / base
        print(f"  {variant:<14} question {fmt(question)}  ({ratio:.2f}x)   upload+question {fmt(total)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
