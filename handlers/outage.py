"""Intake that survives a Redis outage: an event whose intake fails because Redis is unreachable is kept
in this process and tried again until Redis answers, instead of being dropped after bolt acked it.

Slack has been told "got it" before the listener runs, so nothing else would ever take the message again.
The dedupe of Slack's retries is skipped on the retries (its `SET` may be what failed); the queue's job-id
dedupe still makes a question enqueue once. Past the budget the asker is told, in the thread, to ask again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

REDIS_DOWN = (RedisError, ConnectionError, OSError, TimeoutError)


class OutageRetry:
    """Runs intake work now, or again and again in the background while Redis is down.

    Args:
        budget_s: How long one event is kept before the asker is told to ask again.
        first_wait_s: The first wait between tries; it doubles up to `max_wait_s`.
        max_wait_s: The longest wait between tries.
    """

    def __init__(self, *, budget_s: float = 180.0, first_wait_s: float = 0.5, max_wait_s: float = 5.0) -> None:
        self._budget_s = budget_s
        self._first_wait_s = first_wait_s
        self._max_wait_s = max_wait_s
        self._pending: set[asyncio.Task[None]] = set()  # references kept: a task nobody holds may vanish

    @property
    def pending(self) -> int:
        """Events waiting for Redis to come back."""
        return len(self._pending)

    async def run(
        self,
        first: Callable[[], Awaitable[None]],
        again: Callable[[], Awaitable[None]],
        give_up: Callable[[], Awaitable[None]],
    ) -> None:
        """`first()` now; if Redis is down, `again()` in the background until it succeeds, else `give_up()`."""
        try:
            await first()
        except REDIS_DOWN as exc:
            log.warning("intake_redis_down error=%s: keeping the event until Redis answers", type(exc).__name__)
            task = asyncio.create_task(self._retry(again, give_up), name="intake-outage-retry")
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _retry(self, again: Callable[[], Awaitable[None]], give_up: Callable[[], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        deadline, wait = loop.time() + self._budget_s, self._first_wait_s
        while loop.time() < deadline:
            await asyncio.sleep(wait)
            try:
                await again()
            except REDIS_DOWN:
                wait = min(wait * 2, self._max_wait_s)
                continue
            log.info("intake_recovered: the event was taken after the outage")
            return
        log.error("intake_gave_up after %.0f s: Redis stayed unreachable", self._budget_s)
        try:
            await give_up()
        except Exception:
            log.exception("intake_give_up_failed")
