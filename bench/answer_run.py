"""Upload-to-first-answer through the real engine as the bot ships it, then a warm answer.

A zero-latency scripted model; the ingest worker pool and a pool of one ready kernel
(`SANDBOX_POOL_SIZE`'s local default), both warm as in a bot that has been running; the thread's
sandbox starts while the file is parsed.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
sys.path.insert(0, str(Path(__file__).parent))  # engine_bench imports its sibling as a script would

import redis.asyncio as aioredis
from engine_bench import ScriptedModel

from agent import Engine, EngineConfig
from agent.datasets import Datasets
from agent.ingest.worker import IngestLimits, IngestPool
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store

CODE = (
    "import matplotlib.pyplot as plt\n"
    "by_region = df.groupby('region')['revenue'].sum().sort_values()\nprint(by_region.to_string())\n"
    "by_region.plot.barh()\nplt.show()"
)
WARM_RUNS = 5


class NoAnswer(Exception):
    """The question failed (e.g. the local sandbox could not start on this machine)."""


@dataclass(frozen=True)
class Round:
    """Seconds of one round: the upload stored, the first answer, and warm answers beside the bare cell."""

    ingest_s: float
    first_s: float
    warm_s: float  # median of a warm question's whole path
    cell_s: float  # median of the same cell run straight in the same warm kernel


async def first_answer(path: Path) -> Round:
    """One round (see `Round`).

    Raises:
        NoAnswer: the engine answered with a failure; the message is its text.
    """
    client = aioredis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    store = Store(client, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    provider = LocalSandboxProvider()
    sessions = Sessions(store, provider, setup_timeout_s=120, pool_size=1)
    ingest = IngestPool(IngestLimits(timeout_s=600))
    model = ScriptedModel([CODE] * (1 + 2 * WARM_RUNS))
    engine = Engine(
        store, sessions, model, Datasets(store, max_bytes=1 << 30, pool=ingest), EngineConfig(cell_timeout_s=120)
    )
    thread = f"bench:{uuid.uuid4().hex}"
    data = path.read_bytes()  # noqa: ASYNC240 - the upload arrives as bytes; reading the file is not the bot's work
    try:
        await _warm_up(engine, sessions)
        t = time.perf_counter()
        await engine.add_dataset(thread, path.name, data)
        ingested = time.perf_counter() - t
        t = time.perf_counter()
        answer = await engine.ask(thread, "revenue by region as a chart?")
        asked = time.perf_counter() - t
        if not answer.ok or not answer.charts:
            raise NoAnswer(answer.error or answer.text)
        warm, cell = [], []
        for _ in range(WARM_RUNS):
            t = time.perf_counter()
            await engine.ask(thread, "revenue by region as a chart?")
            warm.append(time.perf_counter() - t)
            box, _ = await sessions.sandbox(thread)
            t = time.perf_counter()
            await box.run(CODE, timeout=120)
            cell.append(time.perf_counter() - t)
    finally:
        await store.forget(thread)
        await sessions.aclose()
        await provider.aclose()
        await client.aclose()
    return Round(ingested, asked, sorted(warm)[WARM_RUNS // 2], sorted(cell)[WARM_RUNS // 2])


async def _warm_up(engine: Engine, sessions: Sessions) -> None:
    """What a running bot has already done: its ingest workers started, its kernel pool filled."""
    sessions.warm()
    scratch = f"bench:warmup:{uuid.uuid4().hex}"
    await engine.add_dataset(scratch, "tiny.csv", b"region,revenue\nNorth,1\n")
    await engine.forget(scratch)
    sessions.warm()
    deadline = time.monotonic() + 120
    while sessions.pool_idle < 1:
        if time.monotonic() > deadline:
            raise NoAnswer("no kernel of the pool started within 120 s")
        await asyncio.sleep(0.1)
