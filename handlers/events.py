"""Message and mention listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from handlers.deps import Deps
from handlers.intake import take_message
from handlers.names import UserNames


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen to messages (uploads, thread replies, DMs) and @mentions."""
    names = UserNames()

    async def on_event(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        event_id = str(body.get("event_id") or "")
        # Slack retries carry the same event id; the job id dedupes the rest.
        if event_id and not await deps.state.first_sight(f"{event_id}:{event.get('type')}"):
            return
        await take_message(event, deps, client, context.get("bot_user_id"), names)

    app.event("message")(on_event)
    app.event("app_mention")(on_event)
