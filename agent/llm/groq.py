"""`LLM` over Groq: the real `groq.AsyncGroq` client with our own bounded retry.

`GroqLLM` drives the real `groq.AsyncGroq` client with the SDK's own retries switched off, so the retry
budget, the number of attempts and the handling of `retry-after` are ours. Every provider error is mapped
in one table (`agent.llm.groq_errors`): rate limits, outages and timeouts are retried and end in `LLMUnavailable`;
a bad key, an unknown or decommissioned model or a wrong base URL raise `ConfigError` at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Sequence

import groq
from groq.types.chat import (
    ChatCompletion,
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from agent import texts
from agent.errors import ConfigError, LLMError, LLMUnavailable
from agent.llm.base import ChatMessage, Completion
from agent.llm.groq_errors import Failure, classify

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
    ) -> None:
        if not api_key:
            raise ConfigError(texts.GROQ_NO_KEY)
        if not model:
            raise ConfigError(texts.GROQ_NO_MODEL)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.model = model
        self._timeout_s = timeout_s
        self._budget_s = retry_budget_s
        self._max_attempts = max_attempts
        self._base_wait_s = base_wait_s
        self._max_wait_s = max_wait_s
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
    ) -> Completion:
        """Send `messages` to the model, retrying transient failures within the budget.

        Raises:
            LLMUnavailable: rate-limited, down or timing out through every attempt.
            ConfigError: invalid key, unknown/decommissioned model, wrong base URL (never retried).
            LLMError: Groq refused this particular request (e.g. it is too large).
        """
        payload = [_to_param(m) for m in messages]
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                async with asyncio.timeout(self._timeout_s + 1.0):
                    response = await self._client.chat.completions.create(
                        model=self.model,
                        messages=payload,
                        temperature=temperature,
                        max_completion_tokens=groq.omit if max_tokens is None else max_tokens,
                        stream=False,
                    )
            except (groq.APIError, TimeoutError) as exc:
                failure, cause = classify(exc, self.model), exc
            else:
                return _to_completion(response, time.monotonic() - started, attempt)

            if failure.error is not None:
                log.error("llm call failed model=%s attempt=%d reason=%s", self.model, attempt, failure.reason)
                raise failure.error from cause
            wait = self._wait_for(attempt, failure)
            elapsed = time.monotonic() - started
            # Judge the budget by what the server asked for, not by our capped wait: a daily-quota
            # 429 asking for an hour is given up at once instead of being retried every few seconds.
            asked = max(wait, failure.retry_after or 0.0)
            if attempt >= self._max_attempts or elapsed + asked > self._budget_s:
                log.warning(
                    "llm gave up model=%s attempts=%d elapsed=%.1fs reason=%s",
                    self.model,
                    attempt,
                    elapsed,
                    failure.reason,
                )
                message = texts.LLM_RATE_LIMITED if failure.kind == "rate_limited" else texts.LLM_DOWN
                raise LLMUnavailable(
                    message, attempts=attempt, retry_after=failure.retry_after, last=failure.reason
                ) from cause
            log.warning(
                "llm attempt failed model=%s attempt=%d/%d reason=%s retry_in=%.2fs",
                self.model,
                attempt,
                self._max_attempts,
                failure.reason,
                wait,
            )
            await asyncio.sleep(wait)

    def _wait_for(self, attempt: int, failure: Failure) -> float:
        if failure.retry_after is not None:
            return min(max(failure.retry_after, 0.0), self._max_wait_s)
        backoff = self._base_wait_s * 2.0 ** (attempt - 1)
        # Jitter keeps many threads that failed together from retrying in lock-step.
        return min(backoff * random.uniform(0.75, 1.0), self._max_wait_s)


def _to_param(message: ChatMessage) -> ChatCompletionMessageParam:
    role, content = message["role"], message["content"]
    if role == "system":
        return ChatCompletionSystemMessageParam(role="system", content=content)
    if role == "user":
        return ChatCompletionUserMessageParam(role="user", content=content)
    if role == "assistant":
        return ChatCompletionAssistantMessageParam(role="assistant", content=content)
    raise ValueError(f"unknown chat role {role!r}")


def _to_completion(response: ChatCompletion, duration_s: float, attempts: int) -> Completion:
    if not response.choices:
        raise LLMError(texts.LLM_EMPTY_REPLY)
    choice = response.choices[0]
    usage = response.usage
    return Completion(
        text=choice.message.content or "",
        model=response.model,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        total_tokens=usage.total_tokens if usage else 0,
        duration_s=duration_s,
        finish_reason=choice.finish_reason,
        attempts=attempts,
    )
