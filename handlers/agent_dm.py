"""Slack's agent experience in DMs: a new assistant thread gets a greeting and suggested prompts.

Messages in the thread then arrive as ordinary DM messages (`message.im` with a `thread_ts`), so
files and questions there go through intake like any DM: the thread holds its own datasets.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.deps import Deps

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    async def started(event: dict[str, Any], client: AsyncWebClient) -> None:
        thread = event.get("assistant_thread") or {}
        channel, thread_ts = str(thread.get("channel_id") or ""), str(thread.get("thread_ts") or "")
        if not channel or not thread_ts:
            return
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=texts.AGENT_GREETING)
        try:
            await client.assistant_threads_setSuggestedPrompts(
                channel_id=channel,
                thread_ts=thread_ts,
                title=texts.AGENT_PROMPTS_TITLE,
                prompts=[{"title": title, "message": message} for title, message in texts.AGENT_PROMPTS],
            )
        except SlackApiError as exc:  # prompts are a convenience: the greeting already says what to do
            log.info("suggested_prompts_failed channel=%s error=%s", channel, exc.response.get("error"))

    app.event("assistant_thread_started")(started)
