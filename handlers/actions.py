"""Buttons: Show code (a modal), Try again (once per answer), 👍 / 👎 (kept with the answer), and the
confirmation of `/analyze forget`."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.access import refusal
from handlers.commands import forget_channel
from handlers.deps import Deps
from handlers.intake import enqueue_question
from handlers.payloads import SavedAnswer
from handlers.render import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    FORGET_CANCEL,
    FORGET_CONFIRM,
    RETRY_QUESTION,
    SHOW_CODE,
    code_modal,
    forget_done,
)
from handlers.render.code import FEEDBACK_NOTE_ACTION, FEEDBACK_NOTE_BLOCK, FEEDBACK_VIEW, feedback_modal
from handlers.render.mrkdwn import escape


def register(app: AsyncApp, deps: Deps) -> None:
    async def show_code(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        record = await _reachable_answer(deps, client, body, str(action.get("value")))
        if record is None:
            return
        await client.views_open(
            trigger_id=body["trigger_id"], view=code_modal(record.code, record.stdout, question=record.question)
        )

    async def retry(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        question_id, user = str(action.get("value")), str(body["user"]["id"])
        record = await _reachable_answer(deps, client, body, question_id)
        if record is None:
            return
        if not await deps.state.take_retry(question_id):
            await _tell(client, body, texts.ALREADY_RETRYING)
            return
        await _mark_retried(client, body, user)
        await enqueue_question(
            deps,
            client,
            channel=record.channel,
            thread_ts=record.thread_ts,
            question=record.question,
            user=user,
            job_id=f"retry:{uuid.uuid4().hex}",
            borrow_latest=record.borrow_latest,
        )

    async def vote(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        question_id, user = str(action.get("value")), str(body["user"]["id"])
        up = action.get("action_id") == FEEDBACK_UP
        await deps.state.save_feedback(question_id, user, json.dumps({"vote": "up" if up else "down"}))
        if up:
            await _tell(client, body, texts.FEEDBACK_THANKS)
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=feedback_modal(question_id))

    async def note(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        question_id, user = str(view.get("private_metadata")), str(body["user"]["id"])
        values = view.get("state", {}).get("values", {})
        text = str(values.get(FEEDBACK_NOTE_BLOCK, {}).get(FEEDBACK_NOTE_ACTION, {}).get("value") or "")
        await deps.state.save_feedback(question_id, user, json.dumps({"vote": "down", "note": text[:2000]}))

    app.action(SHOW_CODE)(show_code)
    app.action(RETRY_QUESTION)(retry)
    app.action(FEEDBACK_UP)(vote)
    app.action(FEEDBACK_DOWN)(vote)
    app.view(FEEDBACK_VIEW)(note)
    register_forget(app, deps)


async def _reachable_answer(
    deps: Deps, client: AsyncWebClient, body: dict[str, Any], question_id: str
) -> SavedAnswer | None:
    """The answer behind a button, if it still exists and the clicker may reach it (else they are told why).

    A button's value is only an id, and a payload can carry any: whoever clicks must be in the conversation
    the answer came from.
    """
    record = await deps.state.answer(question_id)
    if record is None:
        await _tell(client, body, texts.CODE_GONE)
        return None
    if refused := refusal(await deps.access.allows(client, str(body["user"]["id"]), record.channel)):
        await _tell(client, body, refused)
        return None
    return record


async def _tell(client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
    """A private line to whoever clicked, in the channel the button was in (if any)."""
    channel = (body.get("channel") or {}).get("id")
    if channel:
        # Someone not in that channel (a forged click) cannot be told there; the refusal stands anyway.
        with contextlib.suppress(SlackApiError):
            await client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)


async def _mark_retried(client: AsyncWebClient, body: dict[str, Any], user: str) -> None:
    """The old answer says it is being asked again, and loses its buttons (so it cannot run twice)."""
    message, channel = body.get("message"), (body.get("channel") or {}).get("id")
    if not message or not channel:
        return  # clicked inside a modal: no message to mark
    kept = [b for b in message.get("blocks") or [] if b.get("type") != "actions"]
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": texts.RETRYING.format(user=escape(user))}]}
    with contextlib.suppress(SlackApiError):  # marking is a courtesy; the retry itself is already taken
        await client.chat_update(channel=channel, ts=message["ts"], text=message.get("text", ""), blocks=[*kept, note])


def register_forget(app: AsyncApp, deps: Deps) -> None:
    """The buttons of `/analyze forget`'s private confirmation: only Confirm deletes anything."""

    async def confirm(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        # The channel the click came from, not a button value a payload could carry anywhere.
        channel = str(body["channel"]["id"])
        if refused := refusal(await deps.access.allows(client, str(body["user"]["id"]), channel)):
            await respond(text=refused, replace_original=True, response_type="ephemeral")
            return
        had_anything = await forget_channel(deps, channel)
        await respond(text=forget_done(had_anything), replace_original=True, response_type="ephemeral")

    async def cancel(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text=texts.FORGET_CANCELLED, replace_original=True, response_type="ephemeral")

    app.action(FORGET_CONFIRM)(confirm)
    app.action(FORGET_CANCEL)(cancel)
