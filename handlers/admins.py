"""Who may change the bot's settings for a channel: a workspace admin or owner, or a configured id."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def is_admin(client: AsyncWebClient, user_id: str, admin_ids: frozenset[str]) -> bool:
    """True for a user in ADMIN_USER_IDS, or a workspace admin/owner per `users.info`.

    A failed look-up answers False: an admin who cannot be confirmed is refused, never the reverse.
    """
    if user_id in admin_ids:
        return True
    try:
        reply = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.info("admin_check_failed user=%s error=%s", user_id, exc.response.get("error"))
        return False
    user = reply.get("user") or {}
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
