"""Posting an answer so that a Slack hiccup never costs the analysis: retry, then plain text.

The job is acked once this returns, so it must not raise for a Slack error: a raise would redeliver the
job and run the whole analysis again for an answer that is already computed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

ATTEMPTS = 3


async def post_answer(
    client: AsyncWebClient, channel: str, thread_ts: str, text: str, blocks: list[dict[str, Any]]
) -> str | None:
    """Post the answer as a new message in the thread; returns its ts, or None when Slack refused it all."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await _post(client, channel, thread_ts, text, blocks)
        except SlackApiError as exc:
            log.warning(
                "answer_post_failed channel=%s attempt=%d error=%s", channel, attempt, exc.response.get("error")
            )
            if exc.response.get("error") in ("invalid_blocks", "msg_too_long"):
                break  # the same blocks fail the same way: go to plain text now
            await asyncio.sleep(0.5 * attempt)
    try:
        return await _post(client, channel, thread_ts, text, None)
    except SlackApiError as exc:
        log.error("answer_lost channel=%s error=%s", channel, exc.response.get("error"))
        return None


async def _post(
    client: AsyncWebClient, channel: str, thread_ts: str, text: str, blocks: list[dict[str, Any]] | None
) -> str:
    response = await client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
    return str(response["ts"])
