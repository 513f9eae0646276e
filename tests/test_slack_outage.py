"""A question asked while Redis is down is kept, not dropped: answered once Redis is back (issue 12's first fault).

The test runs its own redis-server (append-only, so a restart keeps the queue and the datasets) and kills it for
real; the bot, the fake Slack and the fake model are the usual ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from handlers.outage import OutageRetry
from tests.bot_helpers import CHANNEL, bot_settings, finals, message_text, running_bot, wait_final
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.fault_helpers import OwnRedis
from tests.test_slack_e2e import share_sales, wait_card


async def test_a_question_sent_while_redis_is_down_is_answered_once_it_is_back(
    fake_slack: FakeSlack, fake_groq: FakeGroq, own_redis: OwnRedis, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model(["print(f\"units: {df['units'].sum()}\")"]))
    settings = bot_settings(fake_slack, fake_groq, own_redis.url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await bot.worker.until(lambda stats: stats.done >= 1, timeout=30)  # the file's job is settled
        own_redis.kill()
        started = time.monotonic()
        response = await fake_slack.send_event(
            url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts)
        )
        assert response.status == 200 and time.monotonic() - started < 3.0  # Slack was acked in time
        await asyncio.sleep(2.0)  # the outage lasts: the intake is retried meanwhile
        assert finals(fake_slack, CHANNEL, file_ts) == []
        own_redis.start()
        final = await wait_final(fake_slack, CHANNEL, file_ts, timeout=90)
        await asyncio.sleep(1.0)  # a duplicate would show itself now
        answers = finals(fake_slack, CHANNEL, file_ts)
    assert "units: 20" in message_text(final)
    assert len(answers) == 1


async def test_an_event_kept_past_the_budget_tells_the_asker_to_send_it_again() -> None:
    retry = OutageRetry(budget_s=0.3, first_wait_s=0.05, max_wait_s=0.05)
    told: list[str] = []

    async def down() -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6390")

    async def give_up() -> None:
        told.append("ask again")

    await retry.run(down, down, give_up)
    assert retry.pending == 1  # kept, not dropped
    for _ in range(40):
        if not retry.pending:
            break
        await asyncio.sleep(0.05)
    assert told == ["ask again"] and retry.pending == 0


async def test_events_of_one_thread_kept_during_an_outage_are_taken_in_the_order_they_arrived() -> None:
    retry = OutageRetry(budget_s=5, first_wait_s=0.05, max_wait_s=0.05)
    redis_up = asyncio.Event()
    taken: list[str] = []

    def intake(name: str) -> Callable[[], Awaitable[None]]:
        async def take() -> None:
            if not redis_up.is_set():
                raise ConnectionError("Error 111 connecting to 127.0.0.1:6390")
            await asyncio.sleep(0.01 if name == "first" else 0)  # the head is the slowest to go through
            taken.append(name)

        return take

    async def never() -> None:
        raise AssertionError("nothing should be given up")

    for name in ("first", "second", "third"):
        await retry.run(intake(name), intake(name), never, key="C1:1.0")
    await retry.run(intake("other"), intake("other"), never, key="C1:2.0")
    assert retry.pending == 4 and taken == []
    redis_up.set()
    for _ in range(100):
        if not retry.pending:
            break
        await asyncio.sleep(0.02)
    assert [t for t in taken if t != "other"] == ["first", "second", "third"]
    assert "other" in taken
