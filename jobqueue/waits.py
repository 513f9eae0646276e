"""Waits that never swallow a cancel: a cancelled worker stops, whatever it was waiting on.

On Python 3.11 `asyncio.wait_for` returns normally when its wait ends just as a cancel lands, so a loop
built on it carries on as if never cancelled: a killed worker would drain and hand its entries back, and
a cancelled loop would keep polling, its `gather` never returning. `asyncio.timeout` tells its own
expiry from an outside cancel, so these use it; the task still counts a swallowed request
(`cancelling()`), which `raise_if_cancelled` checks where a client may have turned one into an error.
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait up to `seconds` for `event`; True if it is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()


def raise_if_cancelled() -> None:
    """Raise CancelledError in a task that was asked to stop but is still running."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
