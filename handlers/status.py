"""The thread's live progress while a question is worked: Slack's status line, or a ⏳ message.

`assistant.threads.setStatus` shows "DataAgent is running step 2…" under the thread without a message
of its own, and clears itself when the bot posts. Slack expires a status after about two minutes, so it
is sent again while the work goes on. Where the status is refused (an older workspace, a surface
without it), the fallback is today's: one "⏳" message edited in place and deleted once the answer is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent import Progress
from handlers import texts
from handlers.render import progress_text

log = logging.getLogger(__name__)

REFRESH_S = 90.0  # comfortably inside Slack's ~2-minute expiry of a thread status


class ThreadStatus:
    """Progress for one question in one thread; `await status(progress)` is the engine's `on_progress`."""

    def __init__(self, client: AsyncWebClient, channel: str, thread_ts: str, *, refresh_s: float = REFRESH_S) -> None:
        self._client = client
        self._channel = channel
        self._thread_ts = thread_ts
        self._refresh_s = refresh_s
        self._shown = ""
        self._placeholder: str | None = None  # set once the status line was refused
        self._keepalive: asyncio.Task[None] | None = None
        self._done = False

    async def start(self) -> None:
        """Show that work began, and keep the status alive until `done`."""
        await self._show(texts.PROGRESS_QUEUED)
        self._keepalive = asyncio.create_task(self._refresh(), name=f"status-{self._thread_ts}")

    async def __call__(self, progress: Progress) -> None:
        text = progress_text(progress)
        if text != self._shown:
            await self._show(text)

    async def done(self) -> None:
        """Stop showing progress: clear the status, or delete the fallback message (once; later calls do nothing)."""
        if self._done:
            return
        self._done = True
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive
        try:
            if self._placeholder is not None:
                await self._client.chat_delete(channel=self._channel, ts=self._placeholder)
            else:
                await self._set_status("")
        except SlackApiError as exc:
            log.info("status_clear_failed channel=%s error=%s", self._channel, exc.response.get("error"))

    async def _show(self, text: str) -> None:
        self._shown = text
        if self._placeholder is None:
            try:
                await self._set_status(text)
                return
            except SlackApiError as exc:
                log.info(
                    "status_unavailable channel=%s error=%s: using a message", self._channel, exc.response.get("error")
                )
                posted = await self._client.chat_postMessage(
                    channel=self._channel, thread_ts=self._thread_ts, text=f"⏳ {text}"
                )
                self._placeholder = str(posted["ts"])
                return
        await self._client.chat_update(channel=self._channel, ts=self._placeholder, text=f"⏳ {text}")

    async def _set_status(self, text: str) -> None:
        await self._client.assistant_threads_setStatus(
            channel_id=self._channel,
            thread_ts=self._thread_ts,
            status=text,
            loading_messages=[text] if text else None,
        )

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            with contextlib.suppress(SlackApiError):
                await self._show(self._shown)
