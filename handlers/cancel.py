"""Cancel while it runs: the asker's private Cancel button, and the watch that stops the engine.

The thread's status line (`assistant.threads.setStatus`) cannot carry a button, and the "⏳" message
exists only where the status line is refused, so the button goes to the asker alone as an ephemeral
message in the question's thread: it works the same in channels, threads and DMs and notifies no one.
A click sets `{ns}:s:cancel:{job_id}` in Redis, because any replica may hold the job; the handler that
holds it polls for the flag while the engine works, cancels the engine's task and says who cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.deps import Deps
from handlers.render import CANCEL_QUESTION, cancel_prompt
from handlers.state import SlackState

log = logging.getLogger(__name__)

POLL_S = 0.5  # how often a running question looks for a Cancel click
WATCH_UNWIND_S = 2.0
T = TypeVar("T")


@dataclass(frozen=True)
class Cancelled:
    """The work was stopped by a click; `user` is who clicked."""

    user: str


def register(app: AsyncApp, deps: Deps) -> None:
    async def cancel(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        job_id, user = str(action.get("value")), str(body["user"]["id"])
        if await deps.state.answered(job_id):
            await respond(text=texts.CANCEL_TOO_LATE, replace_original=True, response_type="ephemeral")
            return
        await deps.state.request_cancel(job_id, user)
        await respond(text=texts.CANCELLING, replace_original=True, response_type="ephemeral")

    app.action(CANCEL_QUESTION)(cancel)


async def offer_cancel(client: AsyncWebClient, job_id: str, channel: str, thread_ts: str, user: str) -> None:
    """The asker's private Cancel button in the question's thread (a courtesy: never fails the job)."""
    text, blocks = cancel_prompt(job_id)
    try:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.info("cancel_offer_failed job_id=%s error=%s", job_id, exc.response.get("error"))


async def cancellable(
    state: SlackState,
    job_id: str,
    work: Coroutine[Any, Any, T],
    *,
    offer: Callable[[], Awaitable[None]] | None = None,
    poll_s: float = POLL_S,
) -> T | Cancelled:
    """Run `work` until it ends or someone clicks Cancel on `job_id` (then `work` is cancelled).

    `offer` (showing the Cancel button) runs beside `work`, not before it: the button costs the answer no time.
    """
    task = asyncio.create_task(work, name=f"work-{job_id}")
    stop = asyncio.Event()
    watch = asyncio.create_task(_watch(state, job_id, poll_s, offer, stop), name=f"cancel-watch-{job_id}")
    try:
        done, _ = await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()
        await asyncio.wait({task})  # let the engine unwind (a cancelled cell drops its sandbox)
        await state.clear_cancel(job_id)
        return Cancelled(watch.result())
    finally:
        stop.set()  # a watch whose cancel a client call swallowed still ends at its next look
        for pending in (task, watch):
            pending.cancel()
        # Bounded: a watch cancelled inside a Redis or Slack call must not hold the answer back (a
        # cancelled client call can take its time, or never finish, unwinding its connection).
        _, stuck = await asyncio.wait({watch}, timeout=WATCH_UNWIND_S)
        if stuck:
            log.warning("cancel_watch_stuck job_id=%s: left to finish on its own", job_id)
        elif not watch.cancelled() and watch.exception() is not None:
            log.info("cancel_watch_failed job_id=%s error=%r", job_id, watch.exception())


async def _watch(
    state: SlackState, job_id: str, poll_s: float, offer: Callable[[], Awaitable[None]] | None, stop: asyncio.Event
) -> str:
    """Who clicked Cancel on `job_id`; "" once `stop` is set."""
    if offer is not None:
        await offer()
    while not stop.is_set():
        try:
            who = await state.cancel_requested(job_id)
        except RedisError as exc:  # a Redis blip must not fail the question; look again next time
            # ...unless it is our own cancel, turned into a timeout by the client (Python 3.11's
            # timeouts do that when both land together): the watch would then poll forever.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError from exc
            log.info("cancel_poll_failed job_id=%s error=%s", job_id, exc)
            who = None
        if who:
            return who
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(poll_s):
                await stop.wait()
    return ""
