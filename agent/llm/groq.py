"""`LLM` over Groq: the real `groq.AsyncGroq` client with our own bounded retry.

`GroqLLM` drives the real `groq.AsyncGroq` client with the SDK's own retries switched off, so the retry
budget, the number of attempts and the handling of `retry-after` are ours. Every provider error is mapped
in one table (`agent.llm.groq_errors`): rate limits, outages and timeouts are retried and end in `LLMUnavailable`;
a bad key, an unknown or decommissioned model or a wrong base URL raise `ConfigError` at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence

import groq
from groq.types.chat import (
    ChatCompletion,
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionMessageToolCallParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionToolMessageParam,
    ChatCompletionToolParam,
    ChatCompletionUserMessageParam,
)

from agent import texts
from agent.errors import ConfigError, LLMError
from agent.llm.base import ChatMessage, Completion, ReasoningEffort, ToolCall, ToolSpec
from agent.llm.groq_errors import RecoveredToolCall, classify, recover_tool_call
from agent.llm.retry import Failure, RetryPolicy, with_retries

log = logging.getLogger(__name__)

GROQ_DEFAULT_BASE_URL = "https://api.groq.com"


class GroqLLM:
    """`LLM` over Groq's chat-completions API with our own bounded retry.

    Args:
        api_key: The Groq key (`GROQ_API_KEY`); never logged.
        model: The model id (`LLM_MODEL`).
        base_url: Server root (`GROQ_BASE_URL`); the SDK appends `/openai/v1/chat/completions`.
            None means Groq's own; the environment is never read here.
        timeout_s: Limit for one HTTP attempt.
        retry_budget_s: No new attempt starts once waiting for it (or the server's `retry-after`)
            would pass this many seconds since the call began (so a call lasts at most about
            budget + one `timeout_s`).
        max_attempts: Most HTTP attempts per call.
        base_wait_s: First back-off wait when the server gives no `retry-after`; doubles per attempt.
        max_wait_s: Cap on any single wait, `retry-after` included.
        reasoning_effort: `LLM_REASONING_EFFORT` for reasoning models (gpt-oss, qwen3); None sends none.
        supports_tools: Offer tools to the model (`LLM_TOOLS`); off means the engine's one-shot path.
    """

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        *,
        timeout_s: float = 60,
        retry_budget_s: float = 90,
        max_attempts: int = 5,
        base_wait_s: float = 1.0,
        max_wait_s: float = 20.0,
        reasoning_effort: ReasoningEffort | None = None,
        supports_tools: bool = True,
    ) -> None:
        if not api_key:
            raise ConfigError(texts.GROQ_NO_KEY)
        if not model:
            raise ConfigError(texts.GROQ_NO_MODEL)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.model = model
        self.supports_tools = supports_tools
        self._timeout_s = timeout_s
        self._policy = RetryPolicy(max_attempts, retry_budget_s, base_wait_s, max_wait_s)
        self._reasoning_effort = reasoning_effort
        self._client = groq.AsyncGroq(
            api_key=api_key,
            base_url=base_url or GROQ_DEFAULT_BASE_URL,
            timeout=timeout_s,
            max_retries=0,
        )

    def __repr__(self) -> str:
        return f"GroqLLM(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    async def __aenter__(self) -> GroqLLM:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        tools: Sequence[ToolSpec] = (),
    ) -> Completion:
        """Send `messages` to the model, retrying transient failures within the budget.

        A tool call Groq could not parse (400 `tool_use_failed`) is not an error: the code it carried
        in `failed_generation` comes back as the tool call it was meant to be.

        Raises:
            LLMUnavailable: rate-limited, down or timing out through every attempt.
            ConfigError: invalid key, unknown/decommissioned model, wrong base URL (never retried).
            LLMError: Groq refused this particular request (e.g. it is too large).
        """
        payload = [_to_param(m) for m in messages]
        offered = [_to_tool(t) for t in tools] if tools and self.supports_tools else groq.omit
        started = time.monotonic()

        async def attempt(number: int) -> Completion:
            try:
                async with asyncio.timeout(self._timeout_s + 1.0):
                    response = await self._client.chat.completions.create(
                        model=self.model,
                        messages=payload,
                        temperature=temperature,
                        max_completion_tokens=groq.omit if max_tokens is None else max_tokens,
                        tools=offered,
                        reasoning_effort=self._reasoning_effort or groq.omit,
                        stream=False,
                    )
            except groq.BadRequestError as exc:
                recovered = recover_tool_call(exc)
                if recovered is None:
                    raise
                log.info("llm tool_use_failed model=%s: recovered the call from failed_generation", self.model)
                return _recovered(recovered, self.model, time.monotonic() - started, number)
            return _to_completion(response, time.monotonic() - started, number)

        return await with_retries(attempt, self._classify, self._policy, self.model)

    def _classify(self, exc: Exception) -> Failure | None:
        return classify(exc, self.model) if isinstance(exc, groq.APIError | TimeoutError) else None


def _to_tool(spec: ToolSpec) -> ChatCompletionToolParam:
    return {
        "type": "function",
        "function": {"name": spec.name, "description": spec.description, "parameters": dict(spec.parameters)},
    }


def _to_param(message: ChatMessage) -> ChatCompletionMessageParam:
    role, content = message["role"], message["content"]
    if role == "system":
        return ChatCompletionSystemMessageParam(role="system", content=content)
    if role == "user":
        return ChatCompletionUserMessageParam(role="user", content=content)
    if role == "assistant":
        # Never echo reasoning back (Groq rejects `reasoning_content` in a request): content and calls only.
        calls = message.get("tool_calls", ())
        if not calls:
            return ChatCompletionAssistantMessageParam(role="assistant", content=content)
        return ChatCompletionAssistantMessageParam(
            role="assistant", content=content, tool_calls=[_to_call_param(c) for c in calls]
        )
    if role == "tool":
        return ChatCompletionToolMessageParam(role="tool", content=content, tool_call_id=message["tool_call_id"])
    raise ValueError(f"unknown chat role {role!r}")


def _to_completion(response: ChatCompletion, duration_s: float, attempts: int) -> Completion:
    if not response.choices:
        raise LLMError(texts.LLM_EMPTY_REPLY)
    choice = response.choices[0]
    usage = response.usage
    calls = tuple(
        ToolCall(c.id, c.function.name, c.function.arguments) for c in choice.message.tool_calls or () if c.function
    )
    return Completion(
        text=choice.message.content or "",
        model=response.model,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        total_tokens=usage.total_tokens if usage else 0,
        duration_s=duration_s,
        finish_reason=choice.finish_reason,
        attempts=attempts,
        tool_calls=calls,
    )


def _to_call_param(call: ToolCall) -> ChatCompletionMessageToolCallParam:
    return {"id": call.call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def _recovered(recovered: RecoveredToolCall, model: str, duration_s: float, attempts: int) -> Completion:
    call = ToolCall(f"recovered_{uuid.uuid4().hex[:12]}", recovered.name, recovered.arguments)
    return Completion("", model, 0, 0, 0, duration_s, "tool_calls", attempts, (call,))
