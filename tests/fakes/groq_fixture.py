"""Fixtures: `fake_groq` (a running `FakeGroq`), `groq_llm` and `openai_llm` (each SDK pointed at it).

Load with `pytest_plugins = ["tests.fakes.groq_fixture"]` in the root conftest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agent.llm import GroqLLM, OpenAILLM
from tests.fakes.groq_server import FakeGroq

FAKE_GROQ_KEY = "gsk_fake_test_key_0123456789abcdef"
FAKE_GROQ_MODEL = "openai/gpt-oss-120b"
# The fake checks one key whichever path is called; the name says which provider's variable it plays.
FAKE_OPENAI_KEY = FAKE_GROQ_KEY


@pytest.fixture
async def fake_groq() -> AsyncIterator[FakeGroq]:
    """A fake Groq server on 127.0.0.1, expecting `FAKE_GROQ_KEY`."""
    server = FakeGroq(FAKE_GROQ_KEY)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def make_groq_llm(
    fake: FakeGroq,
    *,
    model: str = FAKE_GROQ_MODEL,
    api_key: str = FAKE_GROQ_KEY,
    timeout_s: float = 2.0,
    max_attempts: int = 4,
) -> GroqLLM:
    """A `GroqLLM` for tests: the real SDK over the wire to `fake`, with tiny retry waits."""
    return GroqLLM(
        api_key,
        model,
        fake.base_url,
        timeout_s=timeout_s,
        retry_budget_s=5.0,
        max_attempts=max_attempts,
        base_wait_s=0.01,
        max_wait_s=0.05,
    )


@pytest.fixture
async def groq_llm(fake_groq: FakeGroq) -> AsyncIterator[GroqLLM]:
    """A `GroqLLM` talking to `fake_groq` (model `FAKE_GROQ_MODEL`, waits capped at 50 ms)."""
    llm = make_groq_llm(fake_groq)
    try:
        yield llm
    finally:
        await llm.aclose()


def make_openai_llm(
    fake: FakeGroq,
    *,
    model: str = FAKE_GROQ_MODEL,
    api_key: str = FAKE_OPENAI_KEY,
    timeout_s: float = 2.0,
    max_attempts: int = 4,
    base_url: str | None = None,
) -> OpenAILLM:
    """An `OpenAILLM` for tests: the real openai SDK over the wire to `fake`'s `/v1`, with tiny retry waits."""
    return OpenAILLM(
        api_key,
        model,
        base_url or fake.openai_base_url,
        timeout_s=timeout_s,
        retry_budget_s=5.0,
        max_attempts=max_attempts,
        base_wait_s=0.01,
        max_wait_s=0.05,
    )


@pytest.fixture
async def openai_llm(fake_groq: FakeGroq) -> AsyncIterator[OpenAILLM]:
    """An `OpenAILLM` talking to `fake_groq`'s OpenAI path (model `FAKE_GROQ_MODEL`, waits capped at 50 ms)."""
    llm = make_openai_llm(fake_groq)
    try:
        yield llm
    finally:
        await llm.aclose()
