"""Who may change a channel's settings: the workspace's admins and owners, and the users of ADMIN_USER_IDS."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def is_admin(client: AsyncWebClient, user_id: str, admin_ids: frozenset[str]) -> bool:
    """True for a user in `admin_ids` or a workspace admin/owner per `users.info`; False when Slack cannot say."""
    if user_id in admin_ids:
        return True
    try:
        reply = await client.users_info(user=user_id)
    except SlackApiError as exc:
        # Refusing is the safe answer when Slack cannot tell us who the user is.
        log.info("admin_check_failed user=%s error=%s", user_id, exc.response.get("error"))
        return False
    user = reply.get("user") or {}
    return any(user.get(flag) is True for flag in ("is_admin", "is_owner", "is_primary_owner"))
