"""Message and mention listeners."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.deps import Deps
from handlers.intake import announce_message, take_message
from handlers.names import UserNames
from handlers.outage import OutageRetry


def register(app: AsyncApp, deps: Deps, outage: OutageRetry | None = None) -> None:
    """Listen to messages (uploads, thread replies, DMs) and @mentions."""
    names = UserNames()
    retry = outage or OutageRetry()

    async def announce(
        body: dict[str, Any], req: AsyncBoltRequest, context: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> None:
        # HTTP redeliveries carry x-slack-retry-num; Socket Mode ones a retry_attempt in the envelope.
        retry = bool(req.headers.get("x-slack-retry-num")) or bool(body.get("retry_attempt"))
        await announce_message(deps, body, context.get("bot_user_id"), retry=retry)
        await next_()

    app.middleware(announce)  # global: it runs before the ack, so before Slack sends what comes next

    async def on_event(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        event_id = str(body.get("event_id") or "")
        bot_user_id = context.get("bot_user_id")

        async def first() -> None:
            # Slack retries carry the same event id; the job id dedupes the rest.
            if event_id and not await deps.state.first_sight(f"{event_id}:{event.get('type')}"):
                return
            await take_message(event, deps, client, bot_user_id, names)

        async def again() -> None:
            await take_message(event, deps, client, bot_user_id, names)

        async def give_up() -> None:
            if event.get("user") and event.get("user") != bot_user_id and not event.get("bot_id"):
                thread_ts = str(event.get("thread_ts") or event.get("ts"))
                await client.chat_postMessage(
                    channel=str(event["channel"]), thread_ts=thread_ts, text=texts.INTAKE_DOWN
                )

        conversation = f"{event.get('channel')}:{event.get('thread_ts') or event.get('ts')}"
        await retry.run(first, again, give_up, key=conversation)

    app.event("message")(on_event)
    app.event("app_mention")(on_event)
