"""`/analyze limit …` (an admin sets a channel's limits) and the sentence that refuses a question."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.admins import is_admin
from handlers.limits import FairUse, Limit, Quotas, Refusal, raised

_NUMBER = re.compile(r"-?[\d,_]+")
_TEMPLATES = {
    Limit.USER_QUESTIONS: texts.LIMIT_USER_QUESTIONS,
    Limit.CHANNEL_QUESTIONS: texts.LIMIT_CHANNEL_QUESTIONS,
    Limit.USER_TOKENS: texts.LIMIT_USER_TOKENS,
    Limit.CHANNEL_TOKENS: texts.LIMIT_CHANNEL_TOKENS,
}


@dataclass(frozen=True)
class LimitRequest:
    """A parsed `/analyze limit`: show (no numbers), reset, or new limits (None: the text was invalid)."""

    reset: bool = False
    show: bool = False
    questions_per_hour: int | None = None
    tokens_per_day: int | None = None


def parse_limit(text: str) -> LimitRequest | None:
    """The request when `text` is the limit command; None when it is a question that starts with "limit"."""
    words = text.split()
    if not words or words[0].lower() != "limit" or len(words) > 3:
        return None
    rest = words[1:]
    if not rest:
        return LimitRequest(show=True)
    if [w.lower() for w in rest] == ["reset"]:
        return LimitRequest(reset=True)
    if not all(_NUMBER.fullmatch(w) for w in rest):
        return None  # "limit the chart to 2023": a question
    numbers = [int(w.replace(",", "").replace("_", "")) for w in rest]
    if any(n < 0 for n in numbers):
        return LimitRequest()  # a command with a bad number: the usage line
    return LimitRequest(questions_per_hour=numbers[0], tokens_per_day=numbers[1] if len(numbers) > 1 else None)


async def run_limit(
    request: LimitRequest,
    limits: FairUse,
    client: AsyncWebClient,
    *,
    user: str,
    channel: str,
    admin_ids: frozenset[str],
) -> str:
    """Do the request; the ephemeral reply for the admin (or the refusal for anyone else)."""
    if request.show:
        quotas = await limits.channel_quotas(channel)
        _, q_used, _, t_used = await limits.used(user, channel)
        return texts.LIMIT_SHOW.format(**_described(quotas), q_used=_questions(q_used), t_used=f"{t_used:,}")
    if not request.reset and request.questions_per_hour is None:
        return texts.LIMIT_USAGE
    if not await is_admin(client, user, admin_ids):
        return texts.LIMIT_NOT_ADMIN
    if request.reset:
        quotas = await limits.set_channel_quotas(channel, None)
    else:
        assert request.questions_per_hour is not None
        current = await limits.channel_quotas(channel)
        new = raised(current, request.questions_per_hour, request.tokens_per_day)
        quotas = await limits.set_channel_quotas(channel, new)
    return texts.LIMIT_SET.format(**_described(quotas))


def _described(quotas: Quotas) -> dict[str, str]:
    q, t = quotas.questions_per_hour, quotas.tokens_per_day
    return {
        "questions": f"{q:,}" if q else texts.LIMIT_NONE,
        "tokens": f"{t:,}" if t else texts.LIMIT_NONE,
    }


def _questions(n: int) -> str:
    return texts.LIMIT_QUESTIONS.format(n=f"{n:,}", s="" if n == 1 else "s")


def refusal_text(refusal: Refusal) -> str:
    """The one sentence a refused asker reads; Slack shows the time in the reader's own time zone."""
    hourly = refusal.limit in (Limit.USER_QUESTIONS, Limit.CHANNEL_QUESTIONS)
    fallback = time.strftime("%H:%M UTC" if hourly else "%d %b %H:%M UTC", time.gmtime(refusal.again_at))
    when = (texts.LIMIT_WHEN_HOUR if hourly else texts.LIMIT_WHEN_DAY).format(ts=refusal.again_at, fallback=fallback)
    used = _questions(refusal.used) if hourly else f"{refusal.used:,}"
    return _TEMPLATES[refusal.limit].format(used=used, allowed=f"{refusal.allowed:,}", when=when)
