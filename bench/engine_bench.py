"""End-to-end engine timings with a local fake model (so only DataAgent's own overhead is measured):
a cold question (sandbox start + data load), a warm one, and one after the sandbox was killed
(silent resurrection with replay).

Run: PYTHONPATH=. .venv/bin/python bench/engine_bench.py [--rounds N]   (REDIS_URL, default redis://127.0.0.1:6379/0)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
import uuid

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

from sandbox_bench import fmt  # bench/ is on sys.path when run as a script

from agent.sandbox.local import LocalSandboxProvider
from tests.engine_helpers import SALES_CSV, Model, running_engine
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq

CODE = "by_region = df.groupby('region')['revenue_usd'].sum()\nprint(by_region.to_string())"
AGAIN = "print(f'best: {by_region.idxmax()}')"


async def one_round(redis_url: str) -> tuple[float, float, float]:
    fake = FakeGroq(FAKE_GROQ_KEY)
    await fake.start()
    fake.respond_with(Model([CODE, AGAIN, AGAIN]))
    provider = LocalSandboxProvider()
    thread = f"bench:{uuid.uuid4().hex}"
    try:
        async with running_engine(redis_url, f"bench-{uuid.uuid4().hex[:8]}", fake, provider=provider) as engine:
            await engine.add_dataset(thread, "sales.csv", SALES_CSV)
            t = time.perf_counter()
            assert (await engine.ask(thread, "revenue by region?")).ok
            cold = time.perf_counter() - t
            t = time.perf_counter()
            assert (await engine.ask(thread, "best region?")).ok
            warm = time.perf_counter() - t
            handle = await engine.store.handle(thread)
            assert handle is not None
            box = await provider.connect(handle.sandbox_id)
            assert box.pid is not None
            os.kill(box.pid, signal.SIGKILL)
            t = time.perf_counter()
            answer = await engine.ask(thread, "best region again?")
            assert answer.ok and answer.resurrected
            resurrected = time.perf_counter() - t
    finally:
        await provider.aclose()
        await fake.stop()
    return cold, warm, resurrected


async def main(rounds: int) -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    results = [await one_round(redis_url) for _ in range(rounds)]
    print(f"engine with a zero-latency fake model, local sandbox, {os.cpu_count()} cores")
    print(f"  cold question (sandbox start + load)   {fmt([r[0] for r in results])}")
    print(f"  warm question                          {fmt([r[1] for r in results])}")
    print(f"  question after the sandbox was killed  {fmt([r[2] for r in results])}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
