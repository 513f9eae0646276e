"""Who is in which conversation: `users.conversations` and `conversations.members`, cursor-paginated.

A channel whose members a test declared (`Workspace.join`) is closed: only they are in it, so a test can
play an outsider acting on it. Any other channel takes in whoever acts there (posts, commands, clicks), as
Slack only lets members do those things.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from tests.fakes.slack.args import ApiFailure, Args, Reply, opt, req
from tests.fakes.slack.common import BOT_USER_ID

if TYPE_CHECKING:
    from tests.fakes.slack.webapi import Workspace

CONVERSATION_TYPES = {"C": "public_channel", "G": "private_channel", "D": "im"}
_MAX_LIMIT = 1000


def _page(items: list[str], args: Args, prefix: str) -> tuple[list[str], str]:
    """One page of `items` and the next cursor (opaque base64, as Slack's; empty on the last page)."""
    limit = int(args.get("limit") or 100)
    if not 1 <= limit <= _MAX_LIMIT:
        raise ApiFailure("invalid_limit")
    start = 0
    if cursor := opt(args, "cursor"):
        try:
            kind, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
            start = int(offset)
        except ValueError as exc:
            raise ApiFailure("invalid_cursor") from exc
        if kind != prefix or not 0 <= start <= len(items):
            raise ApiFailure("invalid_cursor")
    end = start + limit
    following = base64.b64encode(f"{prefix}:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], following


def _conversation(channel: str) -> dict[str, object]:
    kind = channel[:1]
    return {
        "id": channel,
        "name": channel.lower(),
        "is_channel": kind == "C",
        "is_group": kind == "G",
        "is_im": kind == "D",
        "is_mpim": False,
        "is_private": kind != "C",
        "is_archived": False,
    }


def users_conversations(ws: Workspace, args: Args) -> Reply:
    """The user's conversations of the asked types, `limit` at a time."""
    user = opt(args, "user") or BOT_USER_ID
    if user[:1] not in ("U", "W") or not user.isalnum():
        raise ApiFailure("user_not_found")
    types = set(str(args.get("types") or "public_channel").split(","))
    mine = sorted(c for c, users in ws.members.items() if user in users)
    page, following = _page([c for c in mine if CONVERSATION_TYPES.get(c[:1]) in types], args, "uc")
    return {"ok": True, "channels": [_conversation(c) for c in page], "response_metadata": {"next_cursor": following}}


def conversations_members(ws: Workspace, args: Args) -> Reply:
    """A conversation's members, `limit` at a time; a private one the bot is not in does not exist for it."""
    channel = req(args, "channel", "channel_not_found")
    members = ws.members.get(channel)
    if members is None or (channel[:1] != "C" and BOT_USER_ID not in members and channel in ws.declared):
        raise ApiFailure("channel_not_found")
    page, following = _page(sorted(members), args, "cm")
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}
