"""OpenAILLM through the real openai SDK, over HTTP, against the fake's OpenAI path (`/v1/chat/completions`)."""

from __future__ import annotations

import json
import logging

import pytest

from agent.errors import ConfigError, LLMError, LLMUnavailable, ToolsUnsupported
from agent.llm import ChatMessage, OpenAILLM
from agent.llm.loop_prompts import RUN_PYTHON
from agent.llm.openai import NO_KEY_PLACEHOLDER
from tests.fakes.groq_fixture import FAKE_GROQ_MODEL, FAKE_OPENAI_KEY, fake_groq, make_openai_llm, openai_llm
from tests.fakes.groq_server import (
    FakeGroq,
    Hang,
    HTTPError,
    Reply,
    invalid_api_key,
    model_not_found,
    rate_limited,
    run_python,
    server_error,
)

__all__ = ["fake_groq", "openai_llm"]  # fixtures, imported for pytest

QUESTION: list[ChatMessage] = [
    {"role": "system", "content": "You write pandas code."},
    {"role": "user", "content": "How many rows are there?"},
]


async def test_completion_over_the_wire(fake_groq: FakeGroq, openai_llm: OpenAILLM) -> None:
    fake_groq.script(Reply("```python\nprint(len(df))\n```", prompt_tokens=42, completion_tokens=7))

    completion = await openai_llm.complete(QUESTION, max_tokens=256)

    assert completion.text == "```python\nprint(len(df))\n```"
    assert completion.model == FAKE_GROQ_MODEL
    assert (completion.prompt_tokens, completion.completion_tokens, completion.total_tokens) == (42, 7, 49)
    assert (completion.finish_reason, completion.attempts, completion.tool_calls) == ("stop", 1, ())
    [sent] = fake_groq.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.json["messages"] == QUESTION
    assert sent.json["max_completion_tokens"] == 256 and sent.json["temperature"] == 0.0
    assert "tools" not in sent.json and "reasoning_effort" not in sent.json
    assert sent.headers["Authorization"] == f"Bearer {FAKE_OPENAI_KEY}"
    assert sent.headers["x-stainless-retry-count"] == "0"  # the SDK's own retries are off


async def test_tool_calls_round_trip(fake_groq: FakeGroq, openai_llm: OpenAILLM) -> None:
    fake_groq.script(run_python("print(len(df))", reasoning="I should count the rows."), "There are *6* rows.")

    first = await openai_llm.complete(QUESTION, tools=[RUN_PYTHON])
    [call] = first.tool_calls
    assert (first.finish_reason, call.name, json.loads(call.arguments)) == (
        "tool_calls",
        "run_python",
        {"code": "print(len(df))"},
    )
    follow_up: list[ChatMessage] = [
        *QUESTION,
        {"role": "assistant", "content": first.text, "tool_calls": first.tool_calls},
        {"role": "tool", "content": "stdout:\n6", "tool_call_id": call.call_id},
    ]
    second = await openai_llm.complete(follow_up, tools=[RUN_PYTHON])

    assert second.text == "There are *6* rows."
    sent = fake_groq.requests[-1].json
    assert sent["tools"][0]["function"]["name"] == RUN_PYTHON.name
    assistant, tool = sent["messages"][2], sent["messages"][3]
    # The fake would refuse an echoed `reasoning`; only content and the calls go back.
    assert set(assistant) == {"role", "content", "tool_calls"}
    assert assistant["tool_calls"] == [
        {"id": call.call_id, "type": "function", "function": {"name": "run_python", "arguments": call.arguments}}
    ]
    assert tool == {"role": "tool", "content": "stdout:\n6", "tool_call_id": call.call_id}


async def test_tools_are_not_offered_when_switched_off(fake_groq: FakeGroq) -> None:
    fake_groq.script("```python\nprint(1)\n```")
    async with OpenAILLM(FAKE_OPENAI_KEY, FAKE_GROQ_MODEL, fake_groq.openai_base_url, supports_tools=False) as llm:
        assert not llm.supports_tools
        await llm.complete(QUESTION, tools=[RUN_PYTHON])
    assert "tools" not in fake_groq.requests[-1].json


async def test_reasoning_effort_is_sent_when_set(fake_groq: FakeGroq) -> None:
    fake_groq.script("ok")
    async with OpenAILLM(FAKE_OPENAI_KEY, FAKE_GROQ_MODEL, fake_groq.openai_base_url, reasoning_effort="low") as llm:
        await llm.complete(QUESTION)
    assert fake_groq.requests[-1].json["reasoning_effort"] == "low"


async def test_rate_limit_is_retried_after_retry_after(fake_groq: FakeGroq, openai_llm: OpenAILLM) -> None:
    fake_groq.script(rate_limited(retry_after=0.02), server_error(503), "print(1)")
    completion = await openai_llm.complete(QUESTION)
    assert (completion.text, completion.attempts, len(fake_groq.requests)) == ("print(1)", 3, 3)


async def test_retry_after_beyond_the_budget_gives_up_at_once(fake_groq: FakeGroq, openai_llm: OpenAILLM) -> None:
    fake_groq.respond_with(lambda _body: rate_limited(retry_after=60))
    with pytest.raises(LLMUnavailable, match="rate-limited") as caught:
        await openai_llm.complete(QUESTION)
    assert caught.value.retry_after == 60 and len(fake_groq.requests) == 1


async def test_wrong_key_is_a_config_error_naming_llm_api_key(fake_groq: FakeGroq) -> None:
    async with make_openai_llm(fake_groq, api_key="sk-wrong") as llm:
        with pytest.raises(ConfigError, match="LLM_API_KEY"):
            await llm.complete(QUESTION)
    assert len(fake_groq.requests) == 1


@pytest.mark.parametrize(
    ("error", "names"),
    [
        (model_not_found("gpt-9-imaginary"), r"LLM_MODEL 'openai/gpt-oss-120b' does not exist"),
        # Ollama's way of saying it: a 404 with no code.
        (HTTPError(404, 'model "llama9" not found, try pulling it first', type="api_error"), "LLM_MODEL"),
        (invalid_api_key(), "LLM_API_KEY"),
        (HTTPError(403, "Project does not have access", code="forbidden"), "LLM_API_KEY"),
        (HTTPError(404, "404 page not found", type="not_found"), "LLM_BASE_URL"),
    ],
)
async def test_configuration_errors_are_not_retried(
    fake_groq: FakeGroq, openai_llm: OpenAILLM, error: HTTPError, names: str
) -> None:
    fake_groq.script(error, "never sent")
    with pytest.raises(ConfigError, match=names):
        await openai_llm.complete(QUESTION)
    assert (len(fake_groq.requests), fake_groq.pending) == (1, 1)


async def test_unknown_model_is_a_config_error_naming_llm_model(fake_groq: FakeGroq) -> None:
    fake_groq.models = {FAKE_GROQ_MODEL}
    async with make_openai_llm(fake_groq, model="gpt-9-imaginary") as llm:
        with pytest.raises(ConfigError, match=r"LLM_MODEL 'gpt-9-imaginary'"):
            await llm.complete(QUESTION)


async def test_wrong_base_url_path_is_a_config_error(fake_groq: FakeGroq) -> None:
    # A common slip: the server root without /v1, so the SDK posts to /chat/completions.
    async with make_openai_llm(fake_groq, base_url=fake_groq.base_url) as llm:
        with pytest.raises(ConfigError, match="LLM_BASE_URL"):
            await llm.complete(QUESTION)


@pytest.mark.parametrize(
    "message",
    [
        "registry.ollama.ai/library/gemma:2b does not support tools",
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
        "tools param requires --jinja flag",
    ],
)
async def test_a_model_that_takes_no_tools_is_tools_unsupported(
    fake_groq: FakeGroq, openai_llm: OpenAILLM, message: str
) -> None:
    fake_groq.script(HTTPError(400, message))
    with pytest.raises(ToolsUnsupported, match="does not take tools"):
        await openai_llm.complete(QUESTION, tools=[RUN_PYTHON])
    assert len(fake_groq.requests) == 1


async def test_a_tools_sentence_without_tools_offered_is_a_plain_rejection(
    fake_groq: FakeGroq, openai_llm: OpenAILLM
) -> None:
    # Only a request that offered tools can be refused for them.
    fake_groq.script(HTTPError(400, "messages with role 'tool' must answer a preceding tool call"))
    with pytest.raises(LLMError, match="rejected") as caught:
        await openai_llm.complete(QUESTION)
    assert not isinstance(caught.value, ToolsUnsupported)


async def test_persistent_outage_ends_in_llm_unavailable(fake_groq: FakeGroq, openai_llm: OpenAILLM) -> None:
    fake_groq.respond_with(lambda _body: server_error(500))
    with pytest.raises(LLMUnavailable, match="not responding"):
        await openai_llm.complete(QUESTION)
    assert len(fake_groq.requests) == 4


async def test_a_hung_attempt_times_out_and_is_retried(fake_groq: FakeGroq) -> None:
    fake_groq.script(Hang(), "print(3)")
    async with make_openai_llm(fake_groq, timeout_s=0.2) as llm:
        completion = await llm.complete(QUESTION)
    assert (completion.text, completion.attempts) == ("print(3)", 2)


async def test_oversized_request_is_an_llm_error_not_retried(fake_groq: FakeGroq, openai_llm: OpenAILLM) -> None:
    fake_groq.script(HTTPError(413, "Request too large"))
    with pytest.raises(LLMError, match="too large") as caught:
        await openai_llm.complete(QUESTION)
    assert not isinstance(caught.value, LLMUnavailable | ConfigError) and len(fake_groq.requests) == 1


async def test_unreachable_server_is_unavailable() -> None:
    fake = FakeGroq(FAKE_OPENAI_KEY)
    await fake.start()
    await fake.stop()
    async with make_openai_llm(fake, max_attempts=2) as llm:
        with pytest.raises(LLMUnavailable, match="not responding"):
            await llm.complete(QUESTION)


async def test_a_keyless_local_server_gets_a_placeholder_key() -> None:
    fake = FakeGroq(NO_KEY_PLACEHOLDER)
    await fake.start()
    try:
        fake.script("ok")
        async with OpenAILLM("", FAKE_GROQ_MODEL, fake.openai_base_url) as llm:
            assert (await llm.complete(QUESTION)).text == "ok"
        assert fake.requests[0].headers["Authorization"] == f"Bearer {NO_KEY_PLACEHOLDER}"
    finally:
        await fake.stop()


def test_an_empty_key_needs_a_base_url_and_the_model_is_required() -> None:
    with pytest.raises(ConfigError, match=r"LLM_API_KEY.*LLM_BASE_URL"):
        OpenAILLM("", "gpt-4.1-mini")
    with pytest.raises(ConfigError, match="LLM_MODEL"):
        OpenAILLM(FAKE_OPENAI_KEY, "")


async def test_api_key_never_reaches_the_logs_or_repr(
    fake_groq: FakeGroq, openai_llm: OpenAILLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_groq.script(rate_limited(retry_after=0.01), "ok", invalid_api_key())
    await openai_llm.complete(QUESTION)
    with pytest.raises(ConfigError) as caught:
        await openai_llm.complete(QUESTION)

    assert any(r.name.startswith("agent.llm") for r in caplog.records)  # the retry was logged
    assert FAKE_OPENAI_KEY not in caplog.text
    assert FAKE_OPENAI_KEY not in repr(openai_llm)
    assert FAKE_OPENAI_KEY not in str(caught.value)
