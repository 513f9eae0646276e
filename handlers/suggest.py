"""The profile card's suggested questions: offered as buttons, asked in the file's thread for whoever clicks.

A button carries a short id (values are capped at 2,000 characters); the id maps in Redis to the channel,
thread and question (`SlackState.save_suggestion`). Each person's first click asks; a double click does not.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent import DatasetRecord
from handlers import texts
from handlers.access import refusal
from handlers.deps import Deps
from handlers.intake import enqueue_question, message_time
from handlers.render.mrkdwn import escape
from handlers.render.profile import ASK_SUGGESTION, DatasetView, Suggestion, suggested_questions
from handlers.state import SlackState

log = logging.getLogger(__name__)

_ACTION = re.compile(rf"^{ASK_SUGGESTION}_\d+$")


async def offer_suggestions(
    state: SlackState, channel: str, thread_ts: str, records: Sequence[DatasetRecord]
) -> list[list[Suggestion]]:
    """Store each record's suggested questions under fresh ids; returns (id, question) per record."""
    offered: list[list[Suggestion]] = []
    for record in records:
        pairs: list[Suggestion] = []
        for question in suggested_questions(DatasetView.from_record(record)):
            suggestion_id = uuid.uuid4().hex[:16]
            await state.save_suggestion(suggestion_id, channel, thread_ts, question)
            pairs.append((suggestion_id, question))
        offered.append(pairs)
    return offered


def register(app: AsyncApp, deps: Deps) -> None:
    async def ask(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        suggestion_id, user = str(action.get("value")), str(body["user"]["id"])
        found = await deps.state.suggestion(suggestion_id)
        if found is None:
            await _tell(client, body, texts.SUGGESTION_GONE)
            return
        if refused := refusal(await deps.access.allows(client, user, found[0])):
            await _tell(client, body, refused)
            return
        if not await deps.state.take_suggestion(suggestion_id, user):
            await _tell(client, body, texts.SUGGESTION_ALREADY_ASKED)
            return
        channel, thread_ts, question = found
        asked = await _say_asked(client, channel, thread_ts, user, question)
        await enqueue_question(
            deps,
            client,
            channel=channel,
            thread_ts=thread_ts,
            question=question,
            user=user,
            job_id=f"suggest:{suggestion_id}:{user}",
            borrow_latest=False,
            react_to=asked,
            sent_at=message_time(asked) if asked else None,  # Slack's clock, as a typed question's
        )

    app.action(_ACTION)(ask)


async def _say_asked(client: AsyncWebClient, channel: str, thread_ts: str, user: str, question: str) -> str | None:
    """Show in the thread who asked what (a click leaves no message of its own); its ts gets the 👀."""
    text = texts.ASKED_BY.format(user=user, question=escape(question[:500]))
    try:
        posted = await client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=text, unfurl_links=False, unfurl_media=False
        )
    except SlackApiError as exc:  # the question still gets asked and answered
        log.info("suggestion_post_failed channel=%s error=%s", channel, exc.response.get("error"))
        return None
    return str(posted["ts"])


async def _tell(client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
    """A private line to whoever clicked, next to the card."""
    channel = (body.get("channel") or {}).get("id")
    if not channel:
        return
    thread_ts = (body.get("message") or {}).get("thread_ts")
    try:
        await client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text, thread_ts=thread_ts)
    except SlackApiError as exc:
        log.info("suggestion_note_failed channel=%s error=%s", channel, exc.response.get("error"))
