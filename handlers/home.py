"""App Home: what the bot is, how to use it, and the data of the user's channels, each with a Forget button.

The user's channels come from `users.conversations` (cached briefly per user); the data from the Slack-side
state (`channel_threads`) and the engine (`datasets`). Forget asks first (a modal); only its Confirm deletes,
and only in a channel the user is a member of.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.commands import forget_channel
from handlers.deps import Deps
from handlers.render.home import HOME_FORGET, HOME_FORGET_VIEW, HomeChannel, HomeDataset, forget_modal, home_view

log = logging.getLogger(__name__)

MEMBERSHIP_TTL_S = 60.0
_TYPES = "public_channel,private_channel,mpim,im"
_MAX_PAGES = 10


class Memberships:
    """The conversations a user is in, per `users.conversations`, kept for a minute."""

    def __init__(self, ttl_s: float = MEMBERSHIP_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def of(self, client: AsyncWebClient, user: str) -> frozenset[str]:
        cached = self._cache.get(user)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found: set[str] = set()
        cursor = ""
        try:
            for _ in range(_MAX_PAGES):
                page = await client.users_conversations(
                    user=user, types=_TYPES, exclude_archived=True, limit=200, cursor=cursor or None
                )
                found.update(str(c["id"]) for c in page.get("channels") or [])
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
        except SlackApiError as exc:
            log.warning("users_conversations_failed user=%s error=%s", user, exc.response.get("error"))
            return cached[1] if cached is not None else frozenset()
        members = frozenset(found)
        self._cache[user] = (time.monotonic() + self.ttl_s, members)
        return members


async def channel_data(deps: Deps, channel: str) -> HomeChannel | None:
    """The channel's datasets (one line per file, however many threads borrowed it); None when it has none."""
    seen: dict[tuple[str, str], HomeDataset] = {}
    for thread in await deps.state.channel_threads(channel):
        expires_at = await deps.state.data_expires_at(thread)
        for record in await deps.engine.datasets(thread):
            key = (record.name, record.blob_sha256)
            previous = seen.get(key)
            if previous is None or (expires_at or 0) > (previous.expires_at or 0):
                seen[key] = HomeDataset(record.name, record.var_name, record.rows, len(record.columns), expires_at)
    return HomeChannel(channel, tuple(seen.values())) if seen else None


async def publish_home(deps: Deps, client: AsyncWebClient, memberships: Memberships, user: str) -> None:
    mine = await memberships.of(client, user)
    channels = []
    for channel in sorted(await deps.state.data_channels() & mine):
        data = await channel_data(deps, channel)
        if data is not None:
            channels.append(data)
    await client.views_publish(user_id=user, view=home_view(channels, now=time.time()))


def register(app: AsyncApp, deps: Deps) -> None:
    memberships = Memberships()

    async def opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        await publish_home(deps, client, memberships, str(event["user"]))

    async def forget(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=forget_modal(str(action.get("value"))))

    async def confirm(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        channel, user = str(view.get("private_metadata") or ""), str(body["user"]["id"])
        if channel in await memberships.of(client, user):
            await forget_channel(deps, channel)
            log.info("home_forget channel=%s user=%s", channel, user)
        else:
            log.warning("home_forget_refused channel=%s user=%s: not a member", channel, user)
        await publish_home(deps, client, memberships, user)

    app.event("app_home_opened")(opened)
    app.action(HOME_FORGET)(forget)
    app.view(HOME_FORGET_VIEW)(confirm)
