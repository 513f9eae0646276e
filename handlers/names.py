"""People's display names for the questions the model reads, looked up with `users.info` and kept briefly.

"What did <@U0BOB> sell?" means nothing to the model; "What did @Bob sell?" does. Names change
rarely, so a few minutes in memory spare a Web API call per question; a failed look-up falls back
to the id (the question still goes through) and is not remembered, so the next one tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

_TTL_S = 300.0
_MAX_ENTRIES = 2_000


class UserNames:
    """A small in-memory cache of user id → display name."""

    def __init__(self, *, ttl_s: float = _TTL_S) -> None:
        self.ttl_s = ttl_s
        self._names: dict[str, tuple[str, float]] = {}

    async def lookup(self, client: AsyncWebClient, user_ids: Iterable[str]) -> dict[str, str]:
        """Names for the ids that could be found; the rest are left out (callers fall back to the id)."""
        found: dict[str, str] = {}
        now = time.monotonic()
        for user_id in user_ids:
            cached = self._names.get(user_id)
            if cached and cached[1] > now:
                found[user_id] = cached[0]
            elif name := await self._fetch(client, user_id):
                if len(self._names) >= _MAX_ENTRIES:
                    self._names.clear()  # crude, but bounded; names are cheap to look up again
                self._names[user_id] = (name, now + self.ttl_s)
                found[user_id] = name
        return found

    @staticmethod
    async def _fetch(client: AsyncWebClient, user_id: str) -> str | None:
        try:
            reply = await client.users_info(user=user_id)
        except SlackApiError as exc:
            log.info("users_info_failed user=%s error=%s", user_id, exc.response.get("error"))
            return None
        except Exception:
            # A name is a nicety: a network hiccup must not cost the question.
            log.warning("users_info_failed user=%s", user_id, exc_info=True)
            return None
        user = reply.get("user") or {}
        profile = user.get("profile") or {}
        for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
            if isinstance(name, str) and name.strip():
                return name.strip()
        return None
