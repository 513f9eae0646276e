"""The Cancel watch never holds an answer back, even when its own Redis call will not unwind."""

from __future__ import annotations

import asyncio
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


class _TimeoutOnCancel:
    """A state whose Redis client turns the watch's own cancel into a timeout, as redis-py can on Python 3.11."""

    def __init__(self) -> None:
        self.polling = asyncio.Event()
        self.polls = 0

    async def cancel_requested(self, job_id: str) -> str | None:
        self.polls += 1
        self.polling.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379") from None
        return None


async def test_a_cancel_the_redis_client_reports_as_a_timeout_still_ends_the_watch() -> None:
    state = _TimeoutOnCancel()

    async def work() -> str:
        await state.polling.wait()
        return "the answer"

    result = await cancellable(cast(SlackState, cast(Any, state)), "q:C1:2.0", work(), poll_s=0.01)
    assert result == "the answer"
    # Not a watch left polling Redis for the rest of the process's life, one per question.
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("cancel-watch-")] == []
    assert state.polls == 1


class _SwallowsCancel:
    """A state whose Redis call swallows the watch's cancel and returns as if nothing happened."""

    def __init__(self) -> None:
        self.polling = asyncio.Event()
        self.polls = 0

    async def cancel_requested(self, job_id: str) -> str | None:
        self.polls += 1
        self.polling.set()
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            return None  # the cancel is gone: only the watch's own stop can end it now
        return None


async def test_a_watch_whose_cancel_was_swallowed_stops_at_its_next_look() -> None:
    state = _SwallowsCancel()

    async def work() -> str:
        await state.polling.wait()
        return "the answer"

    result = await cancellable(cast(SlackState, cast(Any, state)), "q:C1:3.0", work(), poll_s=0.01)
    assert result == "the answer"
    await asyncio.sleep(0.2)  # many poll intervals: a watch still polling would have looked again
    assert [t for t in asyncio.all_tasks() if t.get_name().startswith("cancel-watch-")] == []
    assert state.polls == 1
