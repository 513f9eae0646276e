"""`/analyze privacy [full|redacted|schema]`: what of a channel's data the model may see, kept in Redis.

    {ns}:s:privacy:{channel}   the channel's mode; absent means the LLM_DATA default

The setting is not data of the channel: it has no expiry, and `forget` leaves it (so forgetting the data
cannot quietly loosen what the model sees of the next upload).
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from agent.privacy.modes import Privacy, parse_privacy
from handlers import texts
from handlers.admins import is_admin
from handlers.deps import Deps
from handlers.state import SlackState


def _key(state: SlackState, channel: str) -> str:
    return ":".join((state.ns, "s", "privacy", channel))


async def channel_privacy(state: SlackState, channel: str) -> Privacy | None:
    """The channel's mode, or None when an admin never set one (the engine's default applies)."""
    raw = await state.redis.get(_key(state, channel))
    if raw is None:
        return None
    return parse_privacy(raw.decode() if isinstance(raw, bytes) else str(raw))


async def privacy_command(deps: Deps, client: AsyncWebClient, channel: str, user: str, argument: str) -> str:
    """Show the channel's mode, or set it (admins only); returns the ephemeral reply."""
    current = await channel_privacy(deps.state, channel) or deps.engine.config.llm_data
    if not argument.strip():
        return texts.PRIVACY_CURRENT.format(mode=current)
    mode = parse_privacy(argument)
    if mode is None:
        return texts.PRIVACY_USAGE
    if not await is_admin(client, user, deps.admin_ids):
        return texts.PRIVACY_NOT_ADMIN
    await deps.state.redis.set(_key(deps.state, channel), mode)
    return texts.PRIVACY_SET.format(mode=mode, meaning=texts.PRIVACY_MEANINGS[mode])
