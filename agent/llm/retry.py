"""The retry budget every provider shares: bounded attempts, `retry-after` honoured, jittered back-off.

A provider maps its own exceptions to a `Failure` (one table per provider); this loop decides what to
do with it: a fatal failure raises its error at once, a transient one is retried until the attempts or
the time budget run out, then ends in `LLMUnavailable` carrying the attempts and the last reason.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from agent import texts
from agent.errors import DataAgentError, LLMUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """What one failed attempt means for the retry loop."""

    kind: Literal["rate_limited", "down", "fatal"]
    reason: str  # short, loggable: a status and the provider's error code, never a body
    retry_after: float | None = None
    error: DataAgentError | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry one call.

    Attributes:
        max_attempts: Most HTTP attempts per call.
        budget_s: No new attempt starts once waiting for it (or the server's `retry-after`) would pass
            this many seconds since the call began.
        base_wait_s: First back-off wait when the server gives no `retry-after`; doubles per attempt.
        max_wait_s: Cap on any single wait, `retry-after` included.
    """

    max_attempts: int = 5
    budget_s: float = 90.0
    base_wait_s: float = 1.0
    max_wait_s: float = 20.0

    def wait_for(self, attempt: int, failure: Failure) -> float:
        if failure.retry_after is not None:
            return min(max(failure.retry_after, 0.0), self.max_wait_s)
        backoff = self.base_wait_s * 2.0 ** (attempt - 1)
        # Jitter keeps many threads that failed together from retrying in lock-step.
        return min(backoff * random.uniform(0.75, 1.0), self.max_wait_s)


async def with_retries(
    call: Callable[[int], Awaitable[T]],
    classify: Callable[[Exception], Failure | None],
    policy: RetryPolicy,
    model: str,
) -> T:
    """Run `call(attempt)` until it succeeds, a failure is fatal, or the policy gives up.

    Args:
        call: One attempt; gets the attempt number (1-based).
        classify: Maps an exception to a `Failure`, or None for one that is not the provider's (re-raised).
        policy: Attempts and waits.
        model: For the logs.
    """
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call(attempt)
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            cause = exc
        if failure.error is not None:
            log.error("llm call failed model=%s attempt=%d reason=%s", model, attempt, failure.reason)
            raise failure.error from cause
        wait = policy.wait_for(attempt, failure)
        elapsed = time.monotonic() - started
        # Judge the budget by what the server asked for, not by our capped wait: a daily-quota
        # 429 asking for an hour is given up at once instead of being retried every few seconds.
        asked = max(wait, failure.retry_after or 0.0)
        if attempt >= policy.max_attempts or elapsed + asked > policy.budget_s:
            log.warning(
                "llm gave up model=%s attempts=%d elapsed=%.1fs reason=%s", model, attempt, elapsed, failure.reason
            )
            message = texts.LLM_RATE_LIMITED if failure.kind == "rate_limited" else texts.LLM_DOWN
            raise LLMUnavailable(
                message, attempts=attempt, retry_after=failure.retry_after, last=failure.reason
            ) from cause
        log.warning(
            "llm attempt failed model=%s attempt=%d/%d reason=%s retry_in=%.2fs",
            model,
            attempt,
            policy.max_attempts,
            failure.reason,
            wait,
        )
        await asyncio.sleep(wait)
