"""The fair-use counters on the real Redis: atomic, once per question, in fixed windows; the command's parsing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from handlers.limit_command import LimitRequest, parse_limit, refusal_text
from handlers.limits import DAY_S, HOUR_S, FairUse, Limit, LimitSettings, Quotas

UNLIMITED = Quotas()
NOON = 1_800_000_000 // DAY_S * DAY_S + 12 * HOUR_S + 5 * 60  # 12:05 UTC on some day


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.from_url(redis_url)
    yield redis
    await redis.aclose()


def fair_use(client: aioredis.Redis, namespace: str, user: Quotas, channel: Quotas = UNLIMITED) -> FairUse:
    return FairUse(client, namespace=namespace, settings=LimitSettings(user=user, channel=channel))


async def test_concurrent_questions_never_pass_the_limit(client: aioredis.Redis, namespace: str) -> None:
    limits = fair_use(client, namespace, Quotas(questions_per_hour=5))
    results = await asyncio.gather(*(limits.admit(f"job{i}", "U1", "C1", now=NOON) for i in range(20)))
    assert sum(r is None for r in results) == 5
    assert await limits.used("U1", "C1", now=NOON) == (5, 5, 0, 0)


async def test_the_same_question_delivered_twice_is_counted_once(client: aioredis.Redis, namespace: str) -> None:
    limits = fair_use(client, namespace, Quotas(questions_per_hour=2))
    for _ in range(3):
        assert await limits.admit("job-a", "U1", "C1", now=NOON) is None
    assert await limits.admit("job-b", "U1", "C1", now=NOON) is None
    refused = await limits.admit("job-c", "U1", "C1", now=NOON)
    assert refused is not None and refused.limit is Limit.USER_QUESTIONS and refused.used == 2


async def test_a_refused_question_may_ask_again_when_the_hour_turns(client: aioredis.Redis, namespace: str) -> None:
    limits = fair_use(client, namespace, Quotas(questions_per_hour=1))
    assert await limits.admit("job-a", "U1", "C1", now=NOON) is None
    refused = await limits.admit("job-b", "U1", "C1", now=NOON + 60)
    assert refused is not None and refused.again_at == NOON - 5 * 60 + HOUR_S
    assert "you can ask again at <!date^" in refusal_text(refused) and "|13:00 UTC>" in refusal_text(refused)
    assert await limits.admit("job-b", "U1", "C1", now=refused.again_at) is None


async def test_tokens_are_charged_once_per_question_and_refuse_until_the_day_ends(
    client: aioredis.Redis, namespace: str
) -> None:
    limits = fair_use(client, namespace, Quotas(), channel=Quotas(tokens_per_day=1_000))
    assert await limits.admit("job-a", "U1", "C1", now=NOON) is None
    assert await limits.charge("job-a", "U1", "C1", 1_200, now=NOON) is True
    assert await limits.charge("job-a", "U1", "C1", 1_200, now=NOON) is False  # a redelivered job pays once
    refused = await limits.admit("job-b", "U2", "C1", now=NOON)
    assert refused is not None and refused.limit is Limit.CHANNEL_TOKENS and refused.used == 1_200
    assert refused.again_at == NOON - 12 * HOUR_S - 5 * 60 + DAY_S
    assert await limits.admit("job-c", "U2", "C2", now=NOON) is None  # another channel is not charged


async def test_a_channel_override_replaces_the_settings_until_reset(client: aioredis.Redis, namespace: str) -> None:
    limits = fair_use(client, namespace, Quotas(), channel=Quotas(questions_per_hour=1, tokens_per_day=500))
    assert await limits.set_channel_quotas("C1", Quotas(10, 500)) == Quotas(10, 500)
    assert await limits.channel_quotas("C2") == Quotas(1, 500)
    assert await limits.set_channel_quotas("C1", None) == Quotas(1, 500)


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("limit", LimitRequest(show=True)),
        ("LIMIT reset", LimitRequest(reset=True)),
        ("limit 20", LimitRequest(questions_per_hour=20)),
        ("limit 20 1,000,000", LimitRequest(questions_per_hour=20, tokens_per_day=1_000_000)),
        ("limit -1", LimitRequest()),
        ("limit the chart to 2023", None),
        ("limit 5 rows", None),
        ("what is the credit limit?", None),
    ],
)
def test_limit_is_a_command_only_when_it_is_one(text: str, request_: LimitRequest | None) -> None:
    assert parse_limit(text) == request_
