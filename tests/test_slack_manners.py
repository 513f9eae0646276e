"""Conversation manners end to end: what the real bot leaves alone in a thread, and how it reads a question."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.bot_helpers import CHANNEL, bot_settings, events_url, finals, message_text, running_bot, wait_final
from tests.engine_helpers import Model, starts_a_question
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import BOT_USER_ID, FakeSlack, mention_events, message_event
from tests.test_slack_e2e import share_sales, wait_card

ALICE, BOB = "U0ALICE001", "U0BOB00001"
PRINT_ROWS = "print(f'rows: {len(df)}')"


def questions_sent(fake_groq: FakeGroq) -> list[str]:
    """The whole request of every question the engine started, as JSON text."""
    return [json.dumps(r.json) for r in fake_groq.requests if starts_a_question(r.json)]


async def test_thanks_and_a_question_for_a_colleague_get_no_reply(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        before = len(fake_slack.calls("chat.postMessage"))
        for text in ("thanks!", f"<@{BOB}> can you double-check East?", ":tada:", "👍", "got it"):
            await fake_slack.send_event(url, message_event(CHANNEL, ALICE, text, thread_ts=file_ts))
        await asyncio.sleep(1.5)  # nothing should happen; give a wrongly queued job the time to show
        # Queuing a job posts the "working on it" placeholder at once, so no post also means no job.
        assert len(fake_slack.calls("chat.postMessage")) == before
    assert fake_groq.requests == []


async def test_where_two_people_talk_the_bot_waits_for_a_mention(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([PRINT_ROWS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)  # Alice's upload starts the thread
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_event(url, message_event(CHANNEL, BOB, "Alice, is East right here?", thread_ts=file_ts))
        third = message_event(CHANNEL, ALICE, "How many rows are there?", thread_ts=file_ts)
        await fake_slack.send_event(url, third)
        await asyncio.sleep(1.5)
        assert finals(fake_slack, CHANNEL, file_ts) == []
        assert fake_groq.requests == []
        mention, message = mention_events(CHANNEL, ALICE, "How many rows, please?", thread_ts=file_ts)
        await fake_slack.send_event(url, message)
        await fake_slack.send_event(url, mention)
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        await asyncio.sleep(1.0)  # a wrongly queued earlier message would reach the model by now
    assert "rows: 6" in message_text(final)
    sent = [json.dumps(r.json) for r in fake_groq.requests]
    assert any("How many rows, please?" in s for s in sent)
    assert not any("East right" in s or "How many rows are there?" in s for s in sent)
    assert len(finals(fake_slack, CHANNEL, file_ts)) == 1


async def test_other_people_stay_in_the_question_by_name(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_slack.workspace.add_user(BOB, "Bob")
    fake_groq.respond_with(Model([PRINT_ROWS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        mention, message = mention_events(CHANNEL, ALICE, f"what did <@{BOB}> sell", thread_ts=file_ts)
        await fake_slack.send_event(url, mention)
        await fake_slack.send_event(url, message)
        await wait_final(fake_slack, CHANNEL, file_ts)
    [sent] = questions_sent(fake_groq)
    assert "what did @Bob sell" in sent
    assert BOT_USER_ID not in sent and "<@" not in sent


async def test_entities_are_decoded_once_for_thread_replies_and_analyze(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([PRINT_ROWS, PRINT_ROWS]))
    typed = "rows where b > 1 & a < 5"
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        reply = message_event(CHANNEL, ALICE, typed, thread_ts=file_ts)
        assert "&gt;" in reply["text"]  # the fake encodes as Slack does
        await fake_slack.send_event(url, reply)
        await wait_final(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text=typed)
        root = await fake_slack.wait_for("chat.postMessage", lambda c: "asked" in str(c.args.get("text")))
        await wait_final(fake_slack, CHANNEL, str(root.response["ts"]))
    sent = questions_sent(fake_groq)
    assert len(sent) == 2 and all(typed in s for s in sent)
    assert not any("&gt;" in s or "&amp;" in s for s in sent)
    # Shown as typed: Slack renders the single-encoded entities back to "b > 1 & a < 5".
    assert "rows where b &gt; 1 &amp; a &lt; 5" in str(root.args["text"])
    assert "&amp;gt;" not in str(root.args["text"])
