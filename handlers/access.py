"""Who may reach which data: a dataset belongs to the conversation it was shared in, and only that
conversation's members reach it.

Membership comes from `users.conversations` of the asking user rather than `conversations.members` of the
dataset's conversation: a person is in tens or hundreds of conversations (one or two pages), while one
channel can hold tens of thousands of members (hundreds of pages per check), and one answer per user serves
every check that user makes (a question, a button, the App Home listing all their channels at once). The
answer is kept briefly per process (`MEMBERSHIP_CACHE_S`): a busy thread does not ask Slack per question,
and someone removed from a channel loses access within that time. A check Slack cannot answer refuses.
"""

from __future__ import annotations

import logging
import time
from enum import Enum

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts

log = logging.getLogger(__name__)

DEFAULT_TTL_S = 60.0
_TYPES = "public_channel,private_channel,mpim,im"
_PAGE = 200
_MAX_PAGES = 25  # 5,000 conversations; past that the list is partial (see `Access.allows`)


class Verdict(Enum):
    MEMBER = "member"
    OUTSIDER = "outsider"
    UNKNOWN = "unknown"  # Slack did not answer: treated as a refusal, with a different sentence


class MembershipUnknown(Exception):
    """Slack could not say which conversations the user is in."""


class Access:
    """The conversations each user is in, per `users.conversations`, kept for `ttl_s`."""

    def __init__(self, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, frozenset[str], bool]] = {}

    async def conversations(self, client: AsyncWebClient, user: str) -> frozenset[str]:
        """Every conversation `user` is in (as far as the bot can see). Raises MembershipUnknown."""
        return (await self._lookup(client, user))[0]

    async def allows(self, client: AsyncWebClient, user: str, channel: str) -> Verdict:
        """May `user` reach the data of `channel`?"""
        try:
            found, complete = await self._lookup(client, user)
        except MembershipUnknown:
            return Verdict.UNKNOWN
        if channel in found:
            return Verdict.MEMBER
        # A list cut at _MAX_PAGES cannot prove absence; say so rather than refuse a member as an outsider.
        return Verdict.OUTSIDER if complete else Verdict.UNKNOWN

    async def _lookup(self, client: AsyncWebClient, user: str) -> tuple[frozenset[str], bool]:
        cached = self._cache.get(user)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        found: set[str] = set()
        cursor: str | None = None
        complete = False
        try:
            for _ in range(_MAX_PAGES):
                page = await client.users_conversations(
                    user=user, types=_TYPES, exclude_archived=True, limit=_PAGE, cursor=cursor
                )
                found.update(str(c["id"]) for c in page.get("channels") or [])
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "") or None
                if cursor is None:
                    complete = True
                    break
        except SlackApiError as exc:
            log.warning("membership_check_failed user=%s error=%s", user, exc.response.get("error"))
            raise MembershipUnknown(str(exc.response.get("error"))) from exc
        members = frozenset(found)
        self._cache[user] = (time.monotonic() + self.ttl_s, members, complete)
        return members, complete


def refusal(verdict: Verdict) -> str | None:
    """The sentence that refuses `verdict`, or None for a member."""
    if verdict is Verdict.MEMBER:
        return None
    return texts.NOT_A_MEMBER if verdict is Verdict.OUTSIDER else texts.MEMBERSHIP_UNCHECKED
