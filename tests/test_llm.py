"""GroqLLM through the real groq SDK, over HTTP, against the local fake Groq server."""

from __future__ import annotations

import logging

import pytest

from agent.errors import ConfigError, LLMError, LLMUnavailable
from agent.llm import ChatMessage, GroqLLM, Usage
from tests.fakes.groq_fixture import FAKE_GROQ_KEY, FAKE_GROQ_MODEL, fake_groq, groq_llm, make_groq_llm
from tests.fakes.groq_server import (
    FakeGroq,
    Hang,
    HTTPError,
    Reply,
    invalid_api_key,
    model_decommissioned,
    model_not_found,
    rate_limited,
    server_error,
)

__all__ = ["fake_groq", "groq_llm"]  # fixtures, imported for pytest

QUESTION: list[ChatMessage] = [
    {"role": "system", "content": "You write pandas code."},
    {"role": "user", "content": "How many rows are there?"},
]


async def test_completion_returns_text_and_token_usage(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.script(Reply("```python\nprint(len(df))\n```", prompt_tokens=42, completion_tokens=7))

    completion = await groq_llm.complete(QUESTION, max_tokens=256)

    assert completion.text == "```python\nprint(len(df))\n```"
    assert completion.model == FAKE_GROQ_MODEL
    assert (completion.prompt_tokens, completion.completion_tokens, completion.total_tokens) == (42, 7, 49)
    assert completion.finish_reason == "stop"
    assert completion.attempts == 1
    [sent] = fake_groq.requests
    assert sent.path == "/openai/v1/chat/completions"
    assert sent.json["model"] == FAKE_GROQ_MODEL
    assert sent.json["messages"] == QUESTION
    assert sent.json["temperature"] == 0.0
    assert sent.json["max_completion_tokens"] == 256
    assert sent.headers["Authorization"] == f"Bearer {FAKE_GROQ_KEY}"


async def test_usage_sums_tokens_across_calls(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.script(
        Reply("a", prompt_tokens=10, completion_tokens=1), Reply("b", prompt_tokens=20, completion_tokens=2)
    )
    usage = Usage()
    for _ in range(2):
        usage.add(await groq_llm.complete(QUESTION))
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (2, 30, 3, 33)


async def test_responder_answers_depending_on_the_prompt(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.respond_with(lambda body: "rows" if "rows" in str(body["messages"]) else "other")
    first = await groq_llm.complete(QUESTION)
    second = await groq_llm.complete([{"role": "user", "content": "mean price?"}])
    assert (first.text, second.text) == ("rows", "other")


async def test_rate_limit_is_retried_after_retry_after(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.script(rate_limited(retry_after=0.02), "print(1)")

    completion = await groq_llm.complete(QUESTION)

    assert completion.text == "print(1)"
    assert completion.attempts == 2
    assert len(fake_groq.requests) == 2


async def test_retry_after_ms_is_understood(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.script(rate_limited(retry_after=None, retry_after_ms=10), "ok")
    assert (await groq_llm.complete(QUESTION)).text == "ok"
    assert len(fake_groq.requests) == 2


async def test_server_error_is_retried(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.script(server_error(500), "print(2)")
    completion = await groq_llm.complete(QUESTION)
    assert completion.text == "print(2)"
    assert len(fake_groq.requests) == 2


async def test_persistent_outage_ends_in_llm_unavailable(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.respond_with(lambda _body: server_error(503))

    with pytest.raises(LLMUnavailable) as caught:
        await groq_llm.complete(QUESTION)

    assert "not responding" in str(caught.value)
    assert "try again in a minute" in str(caught.value)
    assert len(fake_groq.requests) == 4  # max_attempts of the test client


async def test_persistent_rate_limit_says_rate_limited(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.respond_with(lambda _body: rate_limited(retry_after=0.01))
    with pytest.raises(LLMUnavailable, match=r"rate-limited.*try again in a minute"):
        await groq_llm.complete(QUESTION)
    assert len(fake_groq.requests) == 4


async def test_retry_after_beyond_the_budget_gives_up_at_once(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    # A daily-quota 429 asks for a minute; the test client's budget is 5 s, so waiting is pointless.
    fake_groq.respond_with(lambda _body: rate_limited(retry_after=60))
    with pytest.raises(LLMUnavailable, match="rate-limited"):
        await groq_llm.complete(QUESTION)
    assert len(fake_groq.requests) == 1


@pytest.mark.parametrize(
    ("error", "names"),
    [
        (model_not_found("llama-9-imaginary"), "LLM_MODEL"),
        (model_decommissioned("llama-3.3-70b-versatile"), "LLM_MODEL"),
        (invalid_api_key(), "GROQ_API_KEY"),
    ],
)
async def test_configuration_errors_are_not_retried(
    fake_groq: FakeGroq, groq_llm: GroqLLM, error: HTTPError, names: str
) -> None:
    fake_groq.script(error, "never sent")

    with pytest.raises(ConfigError, match=names):
        await groq_llm.complete(QUESTION)

    assert len(fake_groq.requests) == 1
    assert fake_groq.pending == 1


async def test_unknown_model_names_the_model(fake_groq: FakeGroq) -> None:
    fake_groq.models = {FAKE_GROQ_MODEL}
    llm = make_groq_llm(fake_groq, model="llama-3.3-70b-versatile")
    try:
        with pytest.raises(ConfigError, match=r"LLM_MODEL 'llama-3.3-70b-versatile'"):
            await llm.complete(QUESTION)
    finally:
        await llm.aclose()
    assert len(fake_groq.requests) == 1


async def test_wrong_key_is_a_config_error(fake_groq: FakeGroq) -> None:
    llm = make_groq_llm(fake_groq, api_key="gsk_wrong")
    try:
        with pytest.raises(ConfigError, match="GROQ_API_KEY"):
            await llm.complete(QUESTION)
    finally:
        await llm.aclose()
    assert len(fake_groq.requests) == 1


async def test_wrong_base_url_path_is_a_config_error(fake_groq: FakeGroq) -> None:
    # A common slip: giving the full OpenAI-style URL, to which the SDK appends its own path again.
    llm = GroqLLM(FAKE_GROQ_KEY, FAKE_GROQ_MODEL, fake_groq.base_url + "/openai/v1", max_attempts=2)
    try:
        with pytest.raises(ConfigError, match="GROQ_BASE_URL"):
            await llm.complete(QUESTION)
    finally:
        await llm.aclose()


async def test_oversized_request_is_an_llm_error_not_retried(fake_groq: FakeGroq, groq_llm: GroqLLM) -> None:
    fake_groq.script(HTTPError(413, "Request too large for model", type="tokens", code="rate_limit_exceeded"))
    with pytest.raises(LLMError, match="too large") as caught:
        await groq_llm.complete(QUESTION)
    assert not isinstance(caught.value, LLMUnavailable | ConfigError)
    assert len(fake_groq.requests) == 1


async def test_hanging_server_is_retried_then_unavailable(fake_groq: FakeGroq) -> None:
    fake_groq.respond_with(lambda _body: Hang())
    llm = make_groq_llm(fake_groq, timeout_s=0.2, max_attempts=2)
    try:
        with pytest.raises(LLMUnavailable, match="not responding"):
            await llm.complete(QUESTION)
    finally:
        await llm.aclose()
    assert len(fake_groq.requests) == 2


async def test_slow_answer_after_a_timeout_is_recovered(fake_groq: FakeGroq) -> None:
    fake_groq.script(Hang(), "print(3)")
    llm = make_groq_llm(fake_groq, timeout_s=0.2)
    try:
        assert (await llm.complete(QUESTION)).text == "print(3)"
    finally:
        await llm.aclose()


async def test_unreachable_server_is_unavailable() -> None:
    fake = FakeGroq(FAKE_GROQ_KEY)
    await fake.start()
    await fake.stop()  # the port is now closed: connections are refused
    llm = make_groq_llm(fake, max_attempts=2)
    try:
        with pytest.raises(LLMUnavailable, match="not responding"):
            await llm.complete(QUESTION)
    finally:
        await llm.aclose()


async def test_unscripted_request_fails_loudly(groq_llm: GroqLLM) -> None:
    with pytest.raises(LLMUnavailable) as caught:
        await groq_llm.complete(QUESTION)
    assert "no scripted reply" in str(caught.value.__cause__)


async def test_api_key_never_reaches_the_logs(
    fake_groq: FakeGroq, groq_llm: GroqLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_groq.script(rate_limited(retry_after=0.01), "ok", invalid_api_key())
    await groq_llm.complete(QUESTION)
    with pytest.raises(ConfigError):
        await groq_llm.complete(QUESTION)

    assert any(r.name.startswith("agent.llm") for r in caplog.records)  # the retry was logged
    assert caplog.records
    assert all(FAKE_GROQ_KEY not in record.getMessage() for record in caplog.records)
    assert FAKE_GROQ_KEY not in caplog.text
    assert FAKE_GROQ_KEY not in repr(groq_llm)


def test_empty_key_or_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="GROQ_API_KEY"):
        GroqLLM("", FAKE_GROQ_MODEL)
    with pytest.raises(ConfigError, match="LLM_MODEL"):
        GroqLLM(FAKE_GROQ_KEY, "")
