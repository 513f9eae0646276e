"""Building a real engine for tests: real Redis, real local sandbox, the real Groq (or openai) SDK to a fake."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import redis.asyncio as aioredis

from agent.blobs.base import BlobStore
from agent.datasets import Datasets
from agent.engine import Engine, EngineConfig
from agent.progress import Progress
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store
from tests.fakes.groq_fixture import make_groq_llm, make_openai_llm
from tests.fakes.groq_server import FakeGroq, Reply, run_python

ANSWER_MARKER = "Write the answer"
Provider = Literal["groq", "openai"]


def fenced(code: str) -> str:
    return f"Here is the analysis.\n```python\n{code.strip()}\n```"


def is_answer_request(body: dict[str, Any]) -> bool:
    """The one-shot path's answer call, a loop turn right after a cell ran, or a loop call without tools."""
    system = str(body["messages"][0]["content"])
    in_loop = "run_python" in system
    return ANSWER_MARKER in system or body["messages"][-1]["role"] == "tool" or (in_loop and not offers_tools(body))


def starts_a_question(body: dict[str, Any]) -> bool:
    """The request that begins work on a question (one-shot: the code request; loop: the first step)."""
    messages = body["messages"]
    one_shot = "Write the code" in str(messages[-1]["content"])
    return one_shot or (offers_tools(body) and len(messages) == 2)


def offers_tools(body: dict[str, Any]) -> bool:
    return bool(body.get("tools"))


def output_of(body: dict[str, Any]) -> str:
    """The executed output the engine showed the model when asking for the answer."""
    prompt = str(body["messages"][-1]["content"])
    match = re.search(r"<output>\n(?:stdout:\n)?(.*?)\n(?:\n|</output>)", prompt, flags=re.DOTALL)
    return match.group(1) if match else ""


def echo_answer(body: dict[str, Any]) -> str:
    """A model that writes its answer from the output it was given, as the real one must."""
    return f"The result is *{output_of(body).strip().splitlines()[-1]}*."


class Model:
    """A scripted model: code in order, then an answer from the output.

    Offered tools, it calls `run_python` with the next cell and answers once a cell ran without error;
    otherwise (the one-shot path) it replies with a fenced block and answers when asked to.
    """

    def __init__(self, codes: list[str], answer: Callable[[dict[str, Any]], str] = echo_answer) -> None:
        self.codes = list(codes)
        self.answer = answer

    def __call__(self, body: dict[str, Any]) -> str | Reply:
        if is_answer_request(body) and not _last_cell_failed(body):
            return self.answer(body)
        if not self.codes:
            raise AssertionError("the engine asked for more code than the test scripted")
        code = self.codes.pop(0)
        return run_python(code) if offers_tools(body) else fenced(code)


def slow(model: Model, delay_s: float) -> Callable[[dict[str, Any]], Reply]:
    """The same model, answering every request after `delay_s`."""

    def reply(body: dict[str, Any]) -> Reply:
        answer = model(body)
        return (
            dataclasses.replace(answer, delay_s=delay_s)
            if isinstance(answer, Reply)
            else Reply(answer, delay_s=delay_s)
        )

    return reply


def _last_cell_failed(body: dict[str, Any]) -> bool:
    last = body["messages"][-1]
    return last["role"] == "tool" and ("\nerror: " in str(last["content"]) or "Not run:" in str(last["content"]))


@dataclass(frozen=True)
class EngineParts:
    """An engine and the collaborators a test may inspect behind its back."""

    engine: Engine
    store: Store
    sessions: Sessions


@asynccontextmanager
async def running_engine(
    redis_url: str,
    namespace: str,
    fake: FakeGroq,
    *,
    provider: LocalSandboxProvider | None = None,
    config: EngineConfig | None = None,
    llm_provider: Provider = "groq",
) -> AsyncIterator[Engine]:
    async with running_parts(
        redis_url, namespace, fake, provider=provider, config=config, llm_provider=llm_provider
    ) as parts:
        yield parts.engine


@asynccontextmanager
async def running_parts(
    redis_url: str,
    namespace: str,
    fake: FakeGroq,
    *,
    provider: LocalSandboxProvider | None = None,
    config: EngineConfig | None = None,
    llm_provider: Provider = "groq",
    large: BlobStore | None = None,
) -> AsyncIterator[EngineParts]:
    """An engine on `fake`; `provider` is the sandbox provider, `llm_provider` which SDK talks to the fake,
    `large` where blobs of 1 KB and more go (else every blob is in Redis)."""
    client = aioredis.from_url(redis_url)
    store = Store(client, namespace=namespace, large=large, large_min_bytes=1 << 10)
    own_provider = provider is None
    provider = provider or LocalSandboxProvider()
    sessions = Sessions(store, provider, setup_timeout_s=60)
    llm = make_openai_llm(fake) if llm_provider == "openai" else make_groq_llm(fake)
    engine = Engine(
        store, sessions, llm, Datasets(store, max_bytes=10 << 20), config or EngineConfig(cell_timeout_s=30)
    )
    try:
        yield EngineParts(engine, store, sessions)
    finally:
        await sessions.aclose()
        if own_provider:
            await provider.aclose()
        await llm.aclose()
        await client.aclose()


class Recorder:
    """Collects progress events."""

    def __init__(self) -> None:
        self.events: list[Progress] = []

    async def __call__(self, progress: Progress) -> None:
        self.events.append(progress)

    @property
    def stages(self) -> list[str]:
        return [e.stage for e in self.events]


SALES_CSV = (
    b"date,region,product,revenue_usd,units\n"
    b"2024-01-05,North,Widget,120.5,3\n"
    b"2024-01-17,South,Gadget,80.0,2\n"
    b"2024-02-02,North,Gadget,200.0,5\n"
    b"2024-02-20,East,Widget,50.25,1\n"
    b"2024-03-11,South,Widget,310.0,7\n"
    b"2024-03-28,East,Gadget,95.0,2\n"
)
