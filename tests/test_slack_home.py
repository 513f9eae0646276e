"""The profile card's suggestion buttons and App Home, end to end through the real bolt app and the fake Slack."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from handlers.render.dates import day_month
from tests.bot_helpers import CHANNEL, action_ids, bot_settings, events_url, message_text, running_bot, wait_final
from tests.engine_helpers import Model, starts_a_question
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, app_home_opened_event
from tests.test_slack_answers import button_value
from tests.test_slack_e2e import share_sales, wait_card

UNITS = "print(f\"units: {df['units'].sum()}\")"
BOB = "U0BOB00001"
OTHER = "C0OTHER001"


def card_in(fake: FakeSlack, channel: str, thread_ts: str) -> dict[str, object]:
    return next(m for m in fake.thread_messages(channel, thread_ts) if "ask_suggestion_0" in action_ids(m))


async def test_a_suggestion_click_asks_it_in_the_files_thread_as_the_clicker_once(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS, UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)  # shared by U0ALICE001
        await wait_card(fake_slack, CHANNEL, file_ts)
        card = card_in(fake_slack, CHANNEL, file_ts)
        suggestion = button_value(card, "ask_suggestion_0")
        assert len(suggestion) <= 32  # a short id, not the question
        for _ in range(2):  # a double click
            response = await fake_slack.send_action(
                url, "ask_suggestion_0", suggestion, channel=CHANNEL, message_ts=str(card["ts"]), user_id=BOB
            )
            assert response.status == 200
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        record = await bot.deps.state.answer(button_value(final, "show_code"))
        await fake_slack.wait_until(
            lambda: any("already asked" in str(m.get("text")) for m in fake_slack.ephemeral_messages(CHANNEL)),
            timeout=10,
            what="the double click's note",
        )
        await asyncio.sleep(0.3)  # a second answer, if one were coming, would be on its way by now
        thread = fake_slack.thread_messages(CHANNEL, file_ts)
    assert "units: 20" in message_text(final)
    assert record is not None and record.user == BOB and record.question == "How did revenue_usd change by month?"
    asked = [m for m in thread if f"<@{BOB}> asked" in str(m.get("text"))]
    assert len(asked) == 1 and "revenue_usd" in str(asked[0]["text"])
    assert [r["name"] for r in asked[0].get("reactions", [])] == ["eyes"]
    assert sum(starts_a_question(r.json) for r in fake_groq.requests) == 1  # asked once


async def test_home_lists_only_the_users_channels_and_forget_asks_before_deleting(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_slack.workspace.join(CHANNEL, BOB, "U0ALICE001")
    fake_slack.workspace.join(OTHER, "U0ALICE001")  # Bob is not in OTHER
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        ours = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, ours)
        theirs = await share_sales(fake_slack, url, channel=OTHER)
        await wait_card(fake_slack, OTHER, theirs)
        await fake_slack.send_event(url, app_home_opened_event(BOB))
        (home,) = await fake_slack.wait_until(lambda: fake_slack.home_views(BOB) or None, timeout=10, what="Home")
        shown = message_text(home)
        assert f"<#{CHANNEL}>" in shown and OTHER not in shown
        until = day_month(time.time() + 7 * 86_400, time.time())  # RETENTION_DAYS defaults to 7
        assert shown.count("sales.csv") == 1 and "6 rows × 5 columns" in shown and f"kept until {until}" in shown
        assert "/analyze" in shown and "thread" in shown

        await fake_slack.send_view_action(url, home, "home_forget", CHANNEL, user_id=BOB)
        (modal,) = await fake_slack.wait_until(lambda: fake_slack.opened_views() or None, timeout=10, what="modal")
        assert modal["private_metadata"] == CHANNEL and modal["submit"]["text"] == "Forget"
        engine = bot.deps.engine
        assert await engine.datasets(f"{CHANNEL}:{ours}")  # the click alone deletes nothing

        # A confirm for a channel the user is not in (OTHER) is refused; the Home is published again anyway.
        await fake_slack.send_view_submission(url, {**modal, "private_metadata": OTHER}, {}, user_id=BOB)
        await fake_slack.wait_until(lambda: len(fake_slack.home_views(BOB)) == 2, timeout=10, what="re-publish")
        assert await engine.datasets(f"{OTHER}:{theirs}")

        await fake_slack.send_view_submission(url, modal, {}, user_id=BOB)
        await fake_slack.wait_until(lambda: len(fake_slack.home_views(BOB)) == 3, timeout=10, what="re-publish")
        assert await engine.datasets(f"{CHANNEL}:{ours}") == []
        assert await bot.deps.state.channel_threads(CHANNEL) == []
        assert await engine.datasets(f"{OTHER}:{theirs}")  # the other channel's data stays
    after = message_text(fake_slack.home_views(BOB)[-1])
    assert "sales.csv" not in after and "None of your channels" in after
