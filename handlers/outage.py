"""Intake that survives a Redis outage: an event whose intake fails because Redis is unreachable is kept
in this process and tried again until Redis answers, instead of being dropped after bolt acked it.

Slack has been told "got it" before the listener runs, so nothing else would ever take the message again.
The dedupe of Slack's retries is skipped on the retries (its `SET` may be what failed); the queue's job-id
dedupe still makes a question enqueue once. Past the budget the asker is told, in the thread, to ask again.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

REDIS_DOWN = (RedisError, ConnectionError, OSError, TimeoutError)


@dataclass
class _Kept:
    again: Callable[[], Awaitable[None]]
    give_up: Callable[[], Awaitable[None]]
    deadline: float


class OutageRetry:
    """Runs intake work now, or again and again in the background while Redis is down.

    Events of one conversation (`key`) keep their order: while one of them waits for Redis, those that
    arrive after it wait behind it rather than try on their own, so a thread's questions are queued in
    the order they were asked even across an outage.

    Args:
        budget_s: How long one event is kept before the asker is told to ask again.
        first_wait_s: The first wait between tries; it doubles up to `max_wait_s`.
        max_wait_s: The longest wait between tries.
    """

    def __init__(self, *, budget_s: float = 180.0, first_wait_s: float = 0.5, max_wait_s: float = 5.0) -> None:
        self._budget_s = budget_s
        self._first_wait_s = first_wait_s
        self._max_wait_s = max_wait_s
        self._kept: dict[str, collections.deque[_Kept]] = {}
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}
        self._drains: set[asyncio.Task[None]] = set()  # references kept: a task nobody holds may vanish

    @property
    def pending(self) -> int:
        """Events waiting for Redis to come back."""
        return sum(len(line) for line in self._kept.values())

    async def run(
        self,
        first: Callable[[], Awaitable[None]],
        again: Callable[[], Awaitable[None]],
        give_up: Callable[[], Awaitable[None]],
        key: str = "",
    ) -> None:
        """`first()` now; if Redis is down, `again()` in the background until it succeeds, else `give_up()`."""
        async with self._turn(key):  # a conversation's events try in the order they arrived
            line = self._kept.get(key)
            kept = _Kept(again, give_up, asyncio.get_running_loop().time() + self._budget_s)
            if line is not None:
                line.append(kept)
                return
            try:
                await first()
            except REDIS_DOWN as exc:
                log.warning("intake_redis_down error=%s: keeping the event until Redis answers", type(exc).__name__)
                self._kept[key] = collections.deque([kept])
                task = asyncio.create_task(self._drain(key), name="intake-outage-retry")
                self._drains.add(task)
                task.add_done_callback(self._drains.discard)

    @contextlib.asynccontextmanager
    async def _turn(self, key: str) -> AsyncIterator[None]:
        lock, users = self._turns.get(key, (asyncio.Lock(), 0))
        self._turns[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._turns[key]
            if users == 1:
                del self._turns[key]
            else:
                self._turns[key] = (lock, users - 1)

    async def _drain(self, key: str) -> None:
        line = self._kept[key]
        while line:
            await self._retry(line[0])
            line.popleft()
        del self._kept[key]

    async def _retry(self, kept: _Kept) -> None:
        loop = asyncio.get_running_loop()
        wait = self._first_wait_s
        while True:  # at least one try: an event that waited behind another may be past its budget already
            await asyncio.sleep(wait)
            try:
                await kept.again()
            except REDIS_DOWN:
                if loop.time() >= kept.deadline:
                    break
                wait = min(wait * 2, self._max_wait_s)
                continue
            log.info("intake_recovered: the event was taken after the outage")
            return
        log.error("intake_gave_up after %.0f s: Redis stayed unreachable", self._budget_s)
        try:
            await kept.give_up()
        except Exception:
            log.exception("intake_give_up_failed")
