"""End-to-end engine timings with an in-process zero-latency model (so only DataAgent's own overhead
is measured): a cold question (sandbox start + data load), a warm one, and one after the sandbox was
killed (silent resurrection with replay).

Run: .venv/bin/python bench/engine_bench.py [--rounds N]   (REDIS_URL, default redis://127.0.0.1:6379/0)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
import uuid
from collections.abc import Sequence

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

import redis.asyncio as aioredis
from sandbox_bench import fmt  # bench/ is on sys.path when run as a script

from agent import Engine, EngineConfig
from agent.datasets import Datasets
from agent.llm import ChatMessage, Completion
from agent.llm.base import ToolSpec
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store

SALES_CSV = (
    b"date,region,product,revenue_usd,units\n"
    b"2024-01-05,North,Widget,120.5,3\n2024-01-17,South,Gadget,80.0,2\n2024-02-02,North,Gadget,200.0,5\n"
    b"2024-02-20,East,Widget,50.25,1\n2024-03-11,South,Widget,310.0,7\n2024-03-28,East,Gadget,95.0,2\n"
)
CODE = "by_region = df.groupby('region')['revenue_usd'].sum()\nprint(by_region.to_string())"
AGAIN = "print(f'best: {by_region.idxmax()}')"


class ScriptedModel:
    """An `LLM` that answers at once: the scripted cells in order, then a one-line answer (one-shot path;
    bench/loop_bench.py measures the tool loop)."""

    supports_tools = False

    def __init__(self, cells: Sequence[str]) -> None:
        self._cells = list(cells)

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        tools: Sequence[ToolSpec] = (),
    ) -> Completion:
        wants_answer = "Write the answer" in messages[0]["content"]
        text = "The best region is shown above." if wants_answer else f"```python\n{self._cells.pop(0)}\n```"
        return Completion(text, "scripted", 0, 0, 0, 0.0)


async def one_round(redis_url: str) -> tuple[float, float, float]:
    client = aioredis.from_url(redis_url)
    store = Store(client, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    provider = LocalSandboxProvider()
    sessions = Sessions(store, provider, setup_timeout_s=60)
    engine = Engine(
        store,
        sessions,
        ScriptedModel([CODE, AGAIN, AGAIN]),
        Datasets(store, max_bytes=10 << 20),
        EngineConfig(cell_timeout_s=30),
    )
    thread = f"bench:{uuid.uuid4().hex}"
    try:
        await engine.add_dataset(thread, "sales.csv", SALES_CSV)
        t = time.perf_counter()
        assert (await engine.ask(thread, "revenue by region?")).ok
        cold = time.perf_counter() - t
        t = time.perf_counter()
        assert (await engine.ask(thread, "best region?")).ok
        warm = time.perf_counter() - t
        handle = await store.handle(thread)
        assert handle is not None
        box = await provider.connect(handle.sandbox_id)
        assert box.pid is not None
        os.kill(box.pid, signal.SIGKILL)
        t = time.perf_counter()
        answer = await engine.ask(thread, "best region again?")
        assert answer.ok and answer.resurrected
        resurrected = time.perf_counter() - t
    finally:
        await sessions.aclose()
        await provider.aclose()
        await client.aclose()
    return cold, warm, resurrected


async def main(rounds: int) -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    results = [await one_round(redis_url) for _ in range(rounds)]
    print(f"engine with a zero-latency in-process model, local sandbox, {os.cpu_count()} cores")
    print(f"  cold question (sandbox start + load)   {fmt([r[0] for r in results])}")
    print(f"  warm question                          {fmt([r[1] for r in results])}")
    print(f"  question after the sandbox was killed  {fmt([r[2] for r in results])}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
