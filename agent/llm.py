"""The language model seam: a `LLM` Protocol and its Groq implementation.

`GroqLLM` drives the real `groq.AsyncGroq` client with the SDK's own retries switched off, so the retry
budget, the number of attempts and the handling of `retry-after` are ours. Every provider error is mapped
in one place (`_classify`): rate limits, outages and timeouts are retried and end in `LLMUnavailable`;
a bad key, an unknown or decommissioned model or a wrong base URL raise `ConfigError` at once.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

import groq
from groq.types.chat import (
    ChatCompletion,
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from agent.errors import ConfigError, DataAgentError, LLMError, LLMUnavailable

log = logging.getLogger(__name__)

GROQ_DEFAULT_BASE_URL = "https://api.groq.com"
SUGGESTED_MODEL = "openai/gpt-oss-120b"

# User-facing sentences (shown in Slack as they are).
RATE_LIMITED_MESSAGE = "The AI model is rate-limited right now (too many requests), please try again in a minute."
DOWN_MESSAGE = "The AI model is not responding right now, please try again in a minute."

Role = Literal["system", "user", "assistant"]


class ChatMessage(TypedDict):
    """One chat turn sent to the model."""

    role: Role
    content: str


@dataclass(frozen=True)
class Completion:
    """The model's reply and what it cost.

    Attributes:
        text: The assistant message content ("" when the model sent none).
        model: The model id that answered.
        prompt_tokens: Tokens in the prompt.
        completion_tokens: Tokens generated.
        total_tokens: Both together.
        duration_s: Wall time of the whole call, retries and waits included.
        finish_reason: "stop", or "length" when `max_tokens` cut the reply short.
        attempts: HTTP attempts made (1 when the first one succeeded).
    """

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    duration_s: float
    finish_reason: str = "stop"
    attempts: int = 1


@dataclass
class Usage:
    """Running token totals over several completions (e.g. the attempts of one question)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def add(self, completion: Completion) -> None:
        """Count one completion in the totals."""
        self.calls += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.total_tokens += completion.total_tokens


class LLM(Protocol):
    """Anything that turns chat messages into a completion."""

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Completion:
        """Return the model's reply to `messages`.

        Raises:
            LLMUnavailable: the model stayed unreachable through every retry.
            ConfigError: the key, model or base URL is wrong; retrying cannot help.
            LLMError: the model refused the request itself (e.g. the prompt is too long).
        """
        ...


@dataclass(frozen=True)
class _Failure:
    """What one failed attempt means for the retry loop."""

    kind: Literal["rate_limited", "down", "fatal"]
    reason: str  # short, loggable: a status and Groq's error code, never a body
    retry_after: float | None = None
    error: DataAgentError | None = None


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
            raise ConfigError("GROQ_API_KEY is empty; set it to a key from console.groq.com/keys.")
        if not model:
            raise ConfigError(f"LLM_MODEL is empty; set it to a Groq model id such as {SUGGESTED_MODEL}.")
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
                failure, cause = _classify(exc, self.model), exc
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
                message = RATE_LIMITED_MESSAGE if failure.kind == "rate_limited" else DOWN_MESSAGE
                err = LLMUnavailable(message)
                err.add_note(f"attempts={attempt} last={failure.reason}")
                raise err from cause
            log.warning(
                "llm attempt failed model=%s attempt=%d/%d reason=%s retry_in=%.2fs",
                self.model,
                attempt,
                self._max_attempts,
                failure.reason,
                wait,
            )
            await asyncio.sleep(wait)

    def _wait_for(self, attempt: int, failure: _Failure) -> float:
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
        raise LLMError("The AI model sent back an empty reply, please ask again.")
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


def _classify(exc: BaseException, model: str) -> _Failure:
    """Map any provider failure to retry-as-rate-limited, retry-as-down, or a final error."""
    if isinstance(exc, TimeoutError | groq.APITimeoutError):
        return _Failure("down", "timeout")
    if isinstance(exc, groq.APIConnectionError):
        return _Failure("down", "connection error")
    if isinstance(exc, groq.APIResponseValidationError):
        return _Failure("down", f"malformed response status={exc.status_code}")
    if not isinstance(exc, groq.APIStatusError):
        return _Failure("down", type(exc).__name__)

    status = exc.status_code
    code = _error_code(exc.body)
    reason = f"status={status} code={code or '-'}"
    retry_after = _retry_after(exc.response.headers)
    if status == 429:
        return _Failure("rate_limited", reason, retry_after)
    # 498 is Groq's "flex tier capacity exceeded"; 408/409 are the usual transient ones.
    if status >= 500 or status in (408, 409, 498):
        return _Failure("down", reason, retry_after)
    if status == 401:
        error: DataAgentError = ConfigError(
            "Groq rejected GROQ_API_KEY (401 invalid API key); set a valid key from console.groq.com/keys."
        )
    elif status == 403:
        error = ConfigError(f"Groq refused access with this GROQ_API_KEY (403 {code or 'forbidden'}).")
    elif code == "model_decommissioned":
        error = ConfigError(
            f"LLM_MODEL {model!r} has been decommissioned by Groq; "
            f"set LLM_MODEL to a current model such as {SUGGESTED_MODEL}."
        )
    elif code == "model_not_found" or (status == 404 and "model" in _error_message(exc.body).lower()):
        error = ConfigError(
            f"LLM_MODEL {model!r} does not exist or this GROQ_API_KEY has no access to it; "
            f"set LLM_MODEL to a current model such as {SUGGESTED_MODEL}."
        )
    elif status == 404:
        error = ConfigError(
            "Groq answered 404 for the chat endpoint; check GROQ_BASE_URL "
            "(give the server root: the SDK appends /openai/v1/chat/completions)."
        )
    elif status == 413:
        error = LLMError("The request was too large for the AI model; try a shorter question or a smaller file.")
    else:
        detail = _error_message(exc.body)[:200] or f"status {status}"
        error = LLMError(f"The AI model rejected the request ({detail}).")
    return _Failure("fatal", reason, error=error)


def _error_fields(body: object) -> Mapping[str, object]:
    if isinstance(body, Mapping):
        inner = body.get("error")
        return inner if isinstance(inner, Mapping) else body
    return {}


def _error_code(body: object) -> str | None:
    code = _error_fields(body).get("code")
    return code if isinstance(code, str) else None


def _error_message(body: object) -> str:
    message = _error_fields(body).get("message")
    return message if isinstance(message, str) else ""


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, else `retry-after` (seconds or a date)."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
