"""`LLM` over any OpenAI-compatible server: the real `openai.AsyncOpenAI` client with our own bounded retry.

OpenAI itself, or anything that speaks its chat-completions API (Ollama, vLLM, llama.cpp server,
LM Studio, Together). The SDK's own retries are off, so the retry budget, the attempts and `retry-after`
are ours (`agent.llm.retry`), as for Groq; every SDK error is mapped in one table (`agent.llm.openai_errors`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import openai
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionAssistantMessageParam,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageFunctionToolCallParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionToolMessageParam,
    ChatCompletionUserMessageParam,
)

from agent import texts
from agent.errors import ConfigError, LLMError
from agent.llm.base import ChatMessage, Completion, ReasoningEffort, ToolCall, ToolSpec
from agent.llm.openai_errors import classify
from agent.llm.retry import Failure, RetryPolicy, with_retries

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Local servers (Ollama, llama.cpp, LM Studio) ignore the key, but the SDK will not send a request without one.
NO_KEY_PLACEHOLDER = "not-needed"


class OpenAILLM:
    """`LLM` over an OpenAI-compatible chat-completions API with our own bounded retry.

    Args:
        api_key: The server's key (`LLM_API_KEY`); never logged. May be empty only with a `base_url`
            (a local server that needs none): a placeholder is sent instead.
        model: The model id (`LLM_MODEL`).
        base_url: The API root ending in `/v1` (`LLM_BASE_URL`); the SDK appends `/chat/completions`.
            None means OpenAI's own; the environment is never read for it.
        timeout_s: Limit for one HTTP attempt.
        retry_budget_s: No new attempt starts once waiting for it would pass this many seconds.
        max_attempts: Most HTTP attempts per call.
        base_wait_s: First back-off wait when the server gives no `retry-after`; doubles per attempt.
        max_wait_s: Cap on any single wait, `retry-after` included.
        reasoning_effort: `LLM_REASONING_EFFORT` for reasoning models; None sends none.
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
        if not api_key and not base_url:
            raise ConfigError(texts.OPENAI_NO_KEY)
        if not model:
            raise ConfigError(texts.OPENAI_NO_MODEL)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.model = model
        self.supports_tools = supports_tools
        self._timeout_s = timeout_s
        self._policy = RetryPolicy(max_attempts, retry_budget_s, base_wait_s, max_wait_s)
        self._reasoning_effort = reasoning_effort
        self._client = openai.AsyncOpenAI(
            api_key=api_key or NO_KEY_PLACEHOLDER,
            base_url=base_url or OPENAI_DEFAULT_BASE_URL,
            timeout=timeout_s,
            max_retries=0,
        )

    def __repr__(self) -> str:
        return f"OpenAILLM(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    async def __aenter__(self) -> OpenAILLM:
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

        Raises:
            LLMUnavailable: rate-limited, down or timing out through every attempt.
            ToolsUnsupported: the server refused the request because it offered tools.
            ConfigError: invalid key, unknown model, wrong base URL (never retried).
            LLMError: the server refused this particular request (e.g. it is too large).
        """
        payload = [_to_param(m) for m in messages]
        offered = bool(tools) and self.supports_tools
        started = time.monotonic()

        async def attempt(number: int) -> Completion:
            async with asyncio.timeout(self._timeout_s + 1.0):
                response = await self._client.chat.completions.create(
                    model=self.model,
                    messages=payload,
                    temperature=temperature,
                    max_completion_tokens=openai.omit if max_tokens is None else max_tokens,
                    tools=[_to_tool(t) for t in tools] if offered else openai.omit,
                    reasoning_effort=self._reasoning_effort or openai.omit,
                    stream=False,
                )
            return _to_completion(response, time.monotonic() - started, number)

        def classify_attempt(exc: Exception) -> Failure | None:
            if not isinstance(exc, openai.APIError | TimeoutError):
                return None
            return classify(exc, self.model, tools_offered=offered)

        return await with_retries(attempt, classify_attempt, self._policy, self.model)


def _to_tool(spec: ToolSpec) -> ChatCompletionFunctionToolParam:
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
        # Content and calls only: reasoning is never echoed back (several servers reject it in a request).
        calls = message.get("tool_calls", ())
        if not calls:
            return ChatCompletionAssistantMessageParam(role="assistant", content=content)
        return ChatCompletionAssistantMessageParam(
            role="assistant", content=content, tool_calls=[_to_call_param(c) for c in calls]
        )
    if role == "tool":
        return ChatCompletionToolMessageParam(role="tool", content=content, tool_call_id=message["tool_call_id"])
    raise ValueError(f"unknown chat role {role!r}")


def _to_call_param(call: ToolCall) -> ChatCompletionMessageFunctionToolCallParam:
    return {"id": call.call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def _to_completion(response: ChatCompletion, duration_s: float, attempts: int) -> Completion:
    if not response.choices:
        raise LLMError(texts.LLM_EMPTY_REPLY)
    choice = response.choices[0]
    usage = response.usage
    # Only function calls exist for us; "custom" (free-form) tool calls are never offered.
    calls = tuple(
        ToolCall(c.id, c.function.name, c.function.arguments)
        for c in choice.message.tool_calls or ()
        if isinstance(c, ChatCompletionMessageFunctionToolCall)
    )
    return Completion(
        text=choice.message.content or "",
        model=response.model,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        total_tokens=usage.total_tokens if usage else 0,
        duration_s=duration_s,
        # Some compatible servers leave it out; a missing reason is an ordinary stop.
        finish_reason=choice.finish_reason or "stop",
        attempts=attempts,
        tool_calls=calls,
    )
