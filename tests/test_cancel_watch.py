"""The Cancel watch never holds an answer back, even when its own Redis call will not unwind."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, cast

from redis.exceptions import TimeoutError as RedisTimeoutError

from handlers.cancel import cancellable
from handlers.state import SlackState


class _StuckPoll:
    """A state whose cancel poll never returns and ignores cancellation, as a wedged connection can."""

    def __init__(self) -> None:
        self.polling = asyncio.Event()
        self.unwedge = asyncio.Event()

    async def cancel_requested(self, job_id: str) -> str | None:
        self.polling.set()
        while not self.unwedge.is_set():
            try:
                await asyncio.shield(self.unwedge.wait())
            except asyncio.CancelledError:
                continue  # the unwinding client call swallows the cancellation
        raise asyncio.CancelledError  # let the test's loop close


async def test_the_answer_is_returned_though_the_cancel_poll_never_unwinds() -> None:
    state = _StuckPoll()

    async def work() -> str:
        await state.polling.wait()  # the answer is ready while the watch is inside its Redis call
        return "the answer"

    started = time.monotonic()
    result = await asyncio.wait_for(
        cancellable(cast(SlackState, cast(Any, state)), "q:C1:1.0", work(), poll_s=0.01), timeout=30
    )
    assert result == "the answer"
    assert time.monotonic() - started < 10
    state.unwedge.set()


class _PollingState:
    """A state whose cancel polls are counted; what its Redis call does with a cancel is the subclass's."""

    def __init__(self) -> None:
        self.polling = asyncio.Event()
        self.polls = 0

    async def cancel_requested(self, job_id: str) -> str | None:
        self.polls += 1
        self.polling.set()
        await self.call()
        return None

    async def call(self) -> None:
        raise NotImplementedError


class _TimeoutOnCancel(_PollingState):
    """The Redis client turns the watch's own cancel into a timeout, as redis-py can on Python 3.11."""

    async def call(self) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379") from None


class _SwallowsCancel(_PollingState):
    """The Redis call swallows the watch's cancel and returns as if nothing happened."""

    async def call(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)


async def answer_while_polling(state: _PollingState, job_id: str) -> None:
    """The answer is ready while the watch is in its first poll; afterwards no watch may be left polling
    Redis for the rest of the process's life, one per question."""

    async def work() -> str:
        await state.polling.wait()
        return "the answer"

    result = await cancellable(cast(SlackState, cast(Any, state)), job_id, work(), poll_s=0.01)
    assert result == "the answer"
    await asyncio.sleep(0.2)  # many poll intervals: a watch still polling would have looked again
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("cancel-watch-")] == []
    assert state.polls == 1


async def test_a_cancel_the_redis_client_reports_as_a_timeout_still_ends_the_watch() -> None:
    await answer_while_polling(_TimeoutOnCancel(), "q:C1:2.0")


async def test_a_watch_whose_cancel_was_swallowed_stops_at_its_next_look() -> None:
    await answer_while_polling(_SwallowsCancel(), "q:C1:3.0")
