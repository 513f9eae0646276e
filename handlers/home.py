"""App Home: what the bot is, how to use it, and the data of the user's channels, each with a Forget button.

The user's channels come from `handlers.access` (`users.conversations`, cached briefly); the data from the
Slack-side state (`channel_threads`) and the engine (`datasets`). Forget asks first (a modal); only its
Confirm deletes, and only in a channel the user is a member of.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from handlers.access import MembershipUnknown, Verdict
from handlers.commands import forget_channel
from handlers.deps import Deps
from handlers.render.home import HOME_FORGET, HOME_FORGET_VIEW, HomeChannel, HomeDataset, forget_modal, home_view
from handlers.retention import data_expires_at

log = logging.getLogger(__name__)


async def channel_data(deps: Deps, channel: str) -> HomeChannel | None:
    """The channel's datasets (one line per file, however many threads borrowed it); None when it has none."""
    seen: dict[tuple[str, str], HomeDataset] = {}
    for thread in await deps.state.channel_threads(channel):
        records = await deps.engine.datasets(thread)
        expires_at = await data_expires_at(deps, thread, records)
        for record in records:
            key = (record.name, record.blob_sha256)
            previous = seen.get(key)
            if previous is None or (expires_at or 0) > (previous.expires_at or 0):
                seen[key] = HomeDataset(record.name, record.var_name, record.rows, len(record.columns), expires_at)
    return HomeChannel(channel, tuple(seen.values())) if seen else None


async def publish_home(deps: Deps, client: AsyncWebClient, user: str) -> None:
    try:
        mine = await deps.access.conversations(client, user)
    except MembershipUnknown:
        await client.views_publish(user_id=user, view=home_view([], now=time.time(), unchecked=True))
        return
    channels = []
    for channel in sorted(await deps.state.data_channels() & mine):
        data = await channel_data(deps, channel)
        if data is not None:
            channels.append(data)
    await client.views_publish(user_id=user, view=home_view(channels, now=time.time()))


def register(app: AsyncApp, deps: Deps) -> None:
    async def opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        await publish_home(deps, client, str(event["user"]))

    async def forget(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=forget_modal(str(action.get("value"))))

    async def confirm(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        channel, user = str(view.get("private_metadata") or ""), str(body["user"]["id"])
        if await deps.access.allows(client, user, channel) is Verdict.MEMBER:
            await forget_channel(deps, channel)
            log.info("home_forget channel=%s user=%s", channel, user)
        else:
            log.warning("home_forget_refused channel=%s user=%s: not a member", channel, user)
        await publish_home(deps, client, user)

    app.event("app_home_opened")(opened)
    app.action(HOME_FORGET)(forget)
    app.view(HOME_FORGET_VIEW)(confirm)
