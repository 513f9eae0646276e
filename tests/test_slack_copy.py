"""What a person reads in the bot's failure replies: each sentence once."""

from __future__ import annotations

from pathlib import Path

from tests.bot_helpers import CHANNEL, bot_settings, events_url, message_text, running_bot, wait_final
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, app_mention_event, message_event
from tests.test_slack_e2e import share_sales, wait_card

SCOPE = "I can only analyse the uploaded data."


async def test_refused_code_says_what_the_bot_can_do_once(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model(["import subprocess\nsubprocess.run(['ls', '/'])"] * 3))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "list the files", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts)
    text = message_text(final)
    assert "can't run that" in text
    for part in {str(final["text"]), *(b["text"]["text"] for b in final["blocks"] if b["type"] == "section")}:  # type: ignore[attr-defined]
        assert part.count(SCOPE) <= 1, part


async def test_no_data_reply_says_upload_once(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        mention = app_mention_event("C0EMPTY001", "U0BOB00001", "what is the average?")
        await fake_slack.send_event(events_url(bot), mention)
        final = await wait_final(fake_slack, "C0EMPTY001", str(mention["ts"]))
    sections = [b["text"]["text"] for b in final["blocks"] if b["type"] == "section"]  # type: ignore[attr-defined]
    assert len(sections) == 1
    assert sections[0].lower().count("upload") == 1, sections[0]
    assert "Try again" in sections[0]
