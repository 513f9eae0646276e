"""What the analyst loop costs next to the one-shot path: LLM calls, prompt size and wall time per question,
on the same scripted questions, with an in-process zero-latency model and the real local sandbox.

The model inspects the data in one cell, computes in a second and then answers (loop), or writes one cell
and is asked for the answer in a second call (one-shot). Tokens are estimated as characters / 4 of every
request (the scripted model has no tokenizer); the ratio between the modes is what matters.

Run: .venv/bin/python bench/loop_bench.py [--rounds N]   (REDIS_URL, default redis://127.0.0.1:6379/0)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Sequence

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

import redis.asyncio as aioredis
from engine_bench import SALES_CSV  # bench/ is on sys.path when run as a script

from agent import Engine, EngineConfig
from agent.datasets import Datasets
from agent.engine import Mode
from agent.llm import ChatMessage, Completion
from agent.llm.base import ToolCall, ToolSpec
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store

QUESTIONS = [
    ("Revenue by region?", "print(df.groupby('region')['revenue_usd'].sum().to_string())"),
    ("Units per product?", "print(df.groupby('product')['units'].sum().to_string())"),
    ("Average order value?", "print(round((df['revenue_usd'] / df['units']).mean(), 2))"),
]
INSPECT = "print(df.dtypes.to_string())\nprint(len(df))"


class ScriptedModel:
    """An `LLM` at zero latency: one inspection cell and one computing cell per question, then an answer."""

    supports_tools = True

    def __init__(self) -> None:
        self.code = ""

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        tools: Sequence[ToolSpec] = (),
    ) -> Completion:
        prompt = sum(len(m["content"]) for m in messages) // 4
        if tools:
            cells = sum(1 for m in messages if m["role"] == "tool")
            if cells < 2:
                code = INSPECT if cells == 0 else self.code
                call = ToolCall(uuid.uuid4().hex, "run_python", json.dumps({"code": code}))
                return Completion("", "scripted", prompt, 20, prompt + 20, 0.0, "tool_calls", 1, (call,))
            return Completion("The figures are above.", "scripted", prompt, 10, prompt + 10, 0.0)
        if "Write the answer" in messages[0]["content"]:
            return Completion("The figures are above.", "scripted", prompt, 10, prompt + 10, 0.0)
        return Completion(f"```python\n{self.code}\n```", "scripted", prompt, 20, prompt + 20, 0.0)


async def run_mode(redis_url: str, mode: Mode) -> list[tuple[int, int, float]]:
    client = aioredis.from_url(redis_url)
    store = Store(client, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    provider = LocalSandboxProvider()
    sessions = Sessions(store, provider, setup_timeout_s=60)
    model = ScriptedModel()
    engine = Engine(store, sessions, model, Datasets(store, max_bytes=10 << 20), EngineConfig(mode=mode))
    thread = f"bench:{uuid.uuid4().hex}"
    out = []
    try:
        await engine.add_dataset(thread, "sales.csv", SALES_CSV)
        model.code = "print(len(df))"
        assert (await engine.ask(thread, "How many rows?")).ok  # starts the sandbox: not timed
        for question, code in QUESTIONS:
            model.code = code
            t = time.perf_counter()
            answer = await engine.ask(thread, question)
            assert answer.ok, answer.error
            out.append((answer.usage["calls"], answer.usage["total_tokens"], time.perf_counter() - t))
    finally:
        await sessions.aclose()
        await provider.aclose()
        await client.aclose()
    return out


async def main(rounds: int) -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    results: dict[Mode, list[tuple[int, int, float]]] = {"loop": [], "one-shot": []}
    for _ in range(rounds):
        for mode in ("one-shot", "loop"):
            results[mode] += await run_mode(redis_url, mode)
    print(f"per question, median of {rounds} rounds × {len(QUESTIONS)} questions, {os.cpu_count()} cores")
    print(f"{'mode':10} {'LLM calls':>10} {'≈tokens':>10} {'wall ms':>10}")
    medians = {}
    for mode, rows in results.items():
        calls, tokens, secs = (statistics.median(col) for col in zip(*rows, strict=True))
        medians[mode] = (calls, tokens, secs)
        print(f"{mode:10} {calls:>10.0f} {tokens:>10.0f} {secs * 1000:>10.1f}")
    (lc, lt, ls), (oc, ot, os_) = medians["loop"], medians["one-shot"]
    print(f"loop / one-shot: calls ×{lc / oc:.2f}, tokens ×{lt / ot:.2f}, wall time ×{ls / os_:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
