"""Fair use: questions per hour and model tokens per day, per user and per channel, shared through Redis.

Fixed windows (the clock hour, the UTC day), counted with INCR and EXPIRE inside one Lua script
(`lua/admit.lua`). Why fixed windows: a window is named by its start, so the time a person may ask
again is exact and the same on every replica, and each counter is one small key that expires by
itself. Why a script: the check of four counters and the count of the question must be one step, or
two replicas could both admit the last question of an hour. The price of fixed windows is a burst at
a boundary (up to twice the limit across the turn of an hour), acceptable for fair use.

{ns:limit}:q:user:{user}:{hour}        questions the user asked in that clock hour
{ns:limit}:q:chan:{channel}:{hour}     questions asked in the channel in that clock hour
{ns:limit}:t:user:{user}:{day}         model tokens the user's answers spent that UTC day
{ns:limit}:t:chan:{channel}:{day}      model tokens the channel's answers spent that UTC day
{ns:limit}:seen:{job_id}               the question was counted (a redelivered event is not counted twice)
{ns:limit}:charged:{job_id}            the answer's tokens were charged (a redelivered job pays once)
{ns:limit}:channel:{channel}           an admin's limits for the channel (hash: q, t); no TTL, it is configuration

The braces are one Redis Cluster hash tag for every fair-use key: the admit script reads and counts a
user's and a channel's counters together, so they live in one slot (a few small commands per question).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import Enum
from importlib import resources

from agent.redis_client import RedisClient

HOUR_S = 3_600
DAY_S = 86_400
_SEEN_TTL_S = DAY_S  # longer than Slack retries an event or a job waits in the queue


def _script(name: str) -> str:
    return (resources.files("handlers") / "lua" / f"{name}.lua").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Quotas:
    """Limits of one kind of asker; 0 means unlimited."""

    questions_per_hour: int = 0
    tokens_per_day: int = 0


@dataclass(frozen=True)
class LimitSettings:
    """The configured limits (USER_* and CHANNEL_* settings)."""

    user: Quotas = field(default_factory=Quotas)
    channel: Quotas = field(default_factory=Quotas)

    @property
    def unlimited(self) -> bool:
        return self.user == Quotas() and self.channel == Quotas()


class Limit(Enum):
    """Which limit refused a question (the order of the counters in `admit.lua`)."""

    USER_QUESTIONS = 1
    CHANNEL_QUESTIONS = 2
    USER_TOKENS = 3
    CHANNEL_TOKENS = 4


@dataclass(frozen=True)
class Refusal:
    """A question over a limit: which one, how much was used, and when the window ends (Unix time)."""

    limit: Limit
    used: int
    allowed: int
    again_at: int


class FairUse:
    """The counters and the channel overrides, on the Redis every replica shares."""

    def __init__(self, redis_client: RedisClient, *, namespace: str, settings: LimitSettings) -> None:
        self.redis = redis_client
        self.ns = namespace
        self.settings = settings
        self._admit = redis_client.register_script(_script("admit"))
        self._charge = redis_client.register_script(_script("charge"))

    def _k(self, *parts: str) -> str:
        # One hash tag for all: admitting a question checks and counts its user's and its channel's
        # counters in one script, so they must share a Cluster slot (a few small keys per question).
        return ":".join((f"{{{self.ns}:limit}}", *parts))

    async def forget_channel(self, channel: str) -> None:
        """Drop the once-per-question markers of the channel's questions (they name its threads); the
        counters stay, so forgetting a channel's data does not reset what it may still ask."""
        for what in ("seen", "charged"):
            keys = [k async for k in self.redis.scan_iter(match=self._k(what, "*", f"{channel}:*"), count=500)]
            if keys:
                await self.redis.delete(*keys)

    async def channel_quotas(self, channel: str) -> Quotas:
        """The channel's limits: an admin's override where one is set, else the settings."""
        raw = await self.redis.hgetall(self._k("channel", channel))
        values = {(k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in raw.items()}
        base = self.settings.channel
        return Quotas(values.get("q", base.questions_per_hour), values.get("t", base.tokens_per_day))

    async def set_channel_quotas(self, channel: str, quotas: Quotas | None) -> Quotas:
        """Set the channel's limits (None: back to the settings); returns the limits now in force."""
        key = self._k("channel", channel)
        if quotas is None:
            await self.redis.delete(key)
        else:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, "q", quotas.questions_per_hour)
                pipe.hset(key, "t", quotas.tokens_per_day)
                await pipe.execute()
        return await self.channel_quotas(channel)

    async def admit(self, job_id: str, user: str, channel: str, *, now: float | None = None) -> Refusal | None:
        """Count a question against its user and channel, or say which limit refuses it (nothing counted).

        Counting the same `job_id` again admits it without counting it twice.
        """
        channel_quotas = await self.channel_quotas(channel)
        user_quotas = self.settings.user
        if user_quotas == Quotas() and channel_quotas == Quotas():
            return None
        clock = time.time() if now is None else now
        hour, day = int(clock // HOUR_S), int(clock // DAY_S)
        allowed = (
            user_quotas.questions_per_hour,
            channel_quotas.questions_per_hour,
            user_quotas.tokens_per_day,
            channel_quotas.tokens_per_day,
        )
        keys = [self._k("seen", job_id), *self._counters(user, channel, hour, day)]
        code, used = await self._admit(keys=keys, args=[*allowed, HOUR_S + 60, _SEEN_TTL_S])
        if not code:
            return None
        limit = Limit(int(code))
        hourly = limit in (Limit.USER_QUESTIONS, Limit.CHANNEL_QUESTIONS)
        again_at = (hour + 1) * HOUR_S if hourly else (day + 1) * DAY_S
        return Refusal(limit, int(used), allowed[limit.value - 1], again_at)

    async def charge(self, job_id: str, user: str, channel: str, tokens: int, *, now: float | None = None) -> bool:
        """Add an answer's tokens to today's counters of its user and channel; False if already charged."""
        if tokens <= 0:
            return False
        day = int((time.time() if now is None else now) // DAY_S)
        keys = [
            self._k("charged", job_id),
            self._k("t", "user", user, str(day)),
            self._k("t", "chan", channel, str(day)),
        ]
        return bool(await self._charge(keys=keys, args=[tokens, DAY_S + 60]))

    async def used(self, user: str, channel: str, *, now: float | None = None) -> tuple[int, int, int, int]:
        """The four counters now: user and channel questions this hour, user and channel tokens today."""
        clock = time.time() if now is None else now
        keys = self._counters(user, channel, int(clock // HOUR_S), int(clock // DAY_S))
        values = await self.redis.mget(keys)
        counts = tuple(int(v or 0) for v in values)
        return counts[0], counts[1], counts[2], counts[3]

    def _counters(self, user: str, channel: str, hour: int, day: int) -> list[str]:
        return [
            self._k("q", "user", user, str(hour)),
            self._k("q", "chan", channel, str(hour)),
            self._k("t", "user", user, str(day)),
            self._k("t", "chan", channel, str(day)),
        ]


def raised(current: Quotas, questions_per_hour: int, tokens_per_day: int | None) -> Quotas:
    """An admin's new channel limits: tokens per day stays as it was when not given."""
    changed = replace(current, questions_per_hour=questions_per_hour)
    return changed if tokens_per_day is None else replace(changed, tokens_per_day=tokens_per_day)
