"""The real bot: the first question after an upload finds the thread's sandbox already started and loaded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from handlers.state import thread_key
from tests.bot_helpers import CHANNEL, bot_settings, events_url, message_text, running_bot, wait_final
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack_e2e import share_sales, wait_card

TOTALS = 'totals = df.groupby("region")["revenue_usd"].sum()\nprint(f"Top: {totals.idxmax()}")'


@pytest.mark.parametrize("pool", ["0", "1"])
async def test_the_first_question_after_an_upload_does_not_wait_for_a_sandbox(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path, pool: str
) -> None:
    fake_groq.respond_with(Model([TOTALS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, extra={"SANDBOX_POOL_SIZE": pool})
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        # Before anyone asks, the thread's sandbox is up with the data in it (its handle is stored then).
        store = bot.services.store
        for _ in range(600):
            if await store.handle(thread_key(CHANNEL, file_ts)) is not None:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no sandbox was started for the upload within 60 s")
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Top region?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        assert "Top: South" in message_text(final)
        # The asker never saw the bot load data or restore a session: that happened during the upload.
        shown = " ".join(fake_slack.statuses(CHANNEL, file_ts))
        assert "Loading your data" not in shown and "Restoring" not in shown
