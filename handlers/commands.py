"""`/analyze`: a question for the channel's latest dataset, and a few sub-commands."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.access import refusal
from handlers.deps import Deps
from handlers.intake import clean_question, enqueue_question
from handlers.limit_command import parse_limit, refusal_text, run_limit
from handlers.privacy import privacy_command
from handlers.render import analyze_no_data, datasets_list, forget_confirmation, usage_text
from handlers.render.mrkdwn import escape
from handlers.retention import data_expires_at

log = logging.getLogger(__name__)

# Errors that mean the bot is not in the conversation, which an invite fixes.
_NOT_A_MEMBER = {"not_in_channel", "channel_not_found"}


def register(app: AsyncApp, deps: Deps) -> None:
    async def analyze(
        ack: AsyncAck,
        respond: AsyncRespond,
        command: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        bot_user_id = context.get("bot_user_id")
        # Slack sends typed `&`, `<`, `>` as entities; the question is kept as the person typed it.
        text = clean_question(str(command.get("text") or ""), bot_user_id)
        channel = str(command["channel_id"])
        word = text.lower()
        if word in ("", "help"):
            await ack(text=usage_text())
        elif word == "datasets":
            if refused := refusal(await deps.access.allows(client, str(command["user_id"]), channel)):
                await ack(text=refused)
                return
            latest = await deps.state.latest(channel)
            records = await deps.engine.datasets(latest) if latest else []
            expires_at = await data_expires_at(deps, latest, records) if latest else None
            await ack(text=datasets_list(records, expires_at=expires_at, now=time.time()))
        elif word.split()[0] == "privacy":
            await ack(
                text=await privacy_command(deps, client, channel, str(command["user_id"]), text[len("privacy") :])
            )
        elif (limit := parse_limit(text)) is not None:
            user = str(command["user_id"])
            reply = await run_limit(limit, deps.limits, client, user=user, channel=channel, admin_ids=deps.admin_ids)
            await ack(text=reply)
        elif word == "forget":
            # Deleting everything takes a second click (handlers.actions does the deleting).
            fallback, blocks = forget_confirmation()
            await ack(text=fallback, blocks=blocks)
        else:
            await ack()
            await _ask(deps, client, respond, command, text, bot_user_id)

    app.command("/analyze")(analyze)


async def forget_channel(deps: Deps, channel: str) -> bool:
    """Delete a channel's datasets, sessions and memory; False when there was nothing to forget."""
    threads = await deps.state.channel_threads(channel)
    for thread in threads:
        await deps.engine.forget(thread)
    await deps.state.forget_channel(channel)
    await deps.audit.forget(channel)
    await deps.limits.forget_channel(channel)
    return bool(threads)


async def _ask(
    deps: Deps,
    client: AsyncWebClient,
    respond: AsyncRespond,
    command: dict[str, Any],
    question: str,
    bot_user_id: str | None,
) -> None:
    """Slash commands cannot live in threads: post the question as a root message, answer below it."""
    channel, user = str(command["channel_id"]), str(command["user_id"])
    bot = f"<@{bot_user_id}>" if bot_user_id else texts.BOT_NAME_FALLBACK
    if refused := refusal(await deps.access.allows(client, user, channel)):
        await respond(text=refused, response_type="ephemeral")
        return
    if await deps.state.latest(channel) is None:
        # Nothing to answer from: say so to the asker alone rather than post a question nobody can answer.
        # The bot cannot tell whether it is a member (no channels:read), so the reply says how to invite it.
        await respond(text=analyze_no_data(question, bot), response_type="ephemeral")
        return
    job_id = f"cmd:{uuid.uuid4().hex}"
    # Checked before the root message is posted, so a refused question leaves nothing in the channel;
    # enqueue_question sees the same job id as counted already.
    if (over := await deps.limits.admit(job_id, user, channel)) is not None:
        await respond(text=refusal_text(over), response_type="ephemeral")
        return
    try:
        root = await client.chat_postMessage(
            channel=channel,
            text=texts.ASKED_BY.format(user=user, question=escape(question[:500])),
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.info("analyze_post_failed channel=%s error=%s", channel, error)
        reply = texts.NOT_IN_CHANNEL.format(bot=bot) if error in _NOT_A_MEMBER else texts.POST_FAILED
        # The response URL works even where the bot is not a member.
        await respond(text=reply, response_type="ephemeral")
        return
    await enqueue_question(
        deps,
        client,
        channel=channel,
        thread_ts=str(root["ts"]),
        question=question,
        user=user,
        job_id=job_id,
        borrow_latest=True,
    )
