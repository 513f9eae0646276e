"""`/analyze`: a question for the channel's latest dataset, and a few sub-commands."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.deps import Deps
from handlers.intake import enqueue_question
from handlers.render import datasets_list, forget_done, usage_text
from handlers.render.mrkdwn import escape

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    async def analyze(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], client: AsyncWebClient) -> None:
        text = str(command.get("text") or "").strip()
        channel = str(command["channel_id"])
        word = text.lower()
        if word in ("", "help"):
            await ack(text=usage_text())
        elif word == "datasets":
            latest = await deps.state.latest(channel)
            records = await deps.engine.datasets(latest) if latest else []
            await ack(text=datasets_list(records))
        elif word == "forget":
            threads = await deps.state.channel_threads(channel)
            for thread in threads:
                await deps.engine.forget(thread)
            await deps.state.forget_channel(channel)
            await ack(text=forget_done(bool(threads)))
        else:
            await ack()
            await _ask(deps, client, respond, command, text)

    app.command("/analyze")(analyze)


async def _ask(
    deps: Deps, client: AsyncWebClient, respond: AsyncRespond, command: dict[str, Any], question: str
) -> None:
    """Slash commands cannot live in threads: post the question as a root message, answer below it."""
    channel, user = str(command["channel_id"]), str(command["user_id"])
    try:
        root = await client.chat_postMessage(
            channel=channel, text=texts.ASKED_BY.format(user=user, question=escape(question[:500]))
        )
    except SlackApiError as exc:
        log.info("analyze_post_failed channel=%s error=%s", channel, exc.response.get("error"))
        # The response URL works even where the bot is not a member.
        await respond(text=texts.NOT_IN_CHANNEL, response_type="ephemeral")
        return
    await enqueue_question(
        deps,
        client,
        channel=channel,
        thread_ts=str(root["ts"]),
        question=question,
        user=user,
        job_id=f"cmd:{uuid.uuid4().hex}",
        borrow_latest=True,
    )
