"""Buttons: "Show code" and "Try again", and the confirmation of `/analyze forget`."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.commands import forget_channel
from handlers.deps import Deps
from handlers.intake import enqueue_question
from handlers.render import FORGET_CANCEL, FORGET_CONFIRM, RETRY_QUESTION, SHOW_CODE, code_blocks, forget_done


def register(app: AsyncApp, deps: Deps) -> None:
    async def show_code(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        record = await deps.state.answer(str(action.get("value")))
        channel, user = body["channel"]["id"], body["user"]["id"]
        if record is None:
            await client.chat_postEphemeral(channel=channel, user=user, text=texts.CODE_GONE)
            return
        blocks = code_blocks(record.code, record.stdout, question=record.question)
        await client.chat_postEphemeral(
            channel=channel,
            user=user,
            thread_ts=record.thread_ts,
            text=texts.CODE_MODAL_TITLE_PLAIN,
            blocks=blocks,
        )

    async def retry(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        record = await deps.state.answer(str(action.get("value")))
        if record is None:
            await client.chat_postEphemeral(
                channel=body["channel"]["id"], user=body["user"]["id"], text=texts.CODE_GONE
            )
            return
        await enqueue_question(
            deps,
            client,
            channel=record.channel,
            thread_ts=record.thread_ts,
            question=record.question,
            user=str(body["user"]["id"]),
            job_id=f"retry:{uuid.uuid4().hex}",
            borrow_latest=record.borrow_latest,
        )

    app.action(SHOW_CODE)(show_code)
    app.action(RETRY_QUESTION)(retry)
    register_forget(app, deps)


def register_forget(app: AsyncApp, deps: Deps) -> None:
    """The buttons of `/analyze forget`'s private confirmation: only Confirm deletes anything."""

    async def confirm(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        # The channel the click came from, not a button value a payload could carry anywhere.
        had_anything = await forget_channel(deps, str(body["channel"]["id"]))
        await respond(text=forget_done(had_anything), replace_original=True, response_type="ephemeral")

    async def cancel(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text=texts.FORGET_CANCELLED, replace_original=True, response_type="ephemeral")

    app.action(FORGET_CONFIRM)(confirm)
    app.action(FORGET_CANCEL)(cancel)
