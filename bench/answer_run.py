"""One upload-to-first-answer round through the real engine with a zero-latency scripted model."""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
sys.path.insert(0, str(Path(__file__).parent))  # engine_bench imports its sibling as a script would

import redis.asyncio as aioredis
from engine_bench import ScriptedModel

from agent import Engine, EngineConfig
from agent.datasets import Datasets
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store

CODE = (
    "by_region = df.groupby('region')['revenue'].sum().sort_values()\nprint(by_region.to_string())\n"
    "by_region.plot.barh()\nplt.show()"
)


class NoAnswer(Exception):
    """The question failed (e.g. the local sandbox could not start on this machine)."""


async def first_answer(path: Path) -> tuple[float, float]:
    """(seconds to ingest + profile + store, seconds for the first question with a chart).

    Raises:
        NoAnswer: the engine answered with a failure; the message is its text.
    """
    client = aioredis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    store = Store(client, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    provider = LocalSandboxProvider()
    sessions = Sessions(store, provider, setup_timeout_s=120)
    engine = Engine(
        store, sessions, ScriptedModel([CODE]), Datasets(store, max_bytes=1 << 30), EngineConfig(cell_timeout_s=120)
    )
    thread = f"bench:{uuid.uuid4().hex}"
    data = path.read_bytes()  # noqa: ASYNC240 - the upload arrives as bytes; reading the file is not the bot's work
    try:
        t = time.perf_counter()
        await engine.add_dataset(thread, path.name, data)
        ingested = time.perf_counter() - t
        t = time.perf_counter()
        answer = await engine.ask(thread, "revenue by region as a chart?")
        asked = time.perf_counter() - t
        if not answer.ok or not answer.charts:
            raise NoAnswer(answer.error or answer.text)
    finally:
        await store.forget(thread)
        await sessions.aclose()
        await provider.aclose()
        await client.aclose()
    return ingested, asked
