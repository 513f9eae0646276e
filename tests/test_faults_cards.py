"""A file job redelivered after its card was posted never posts the card again (issue 12, fault 1).

The fake Slack holds its reply to the card while the test kills Redis, so the job's last writes fail after
Slack has shown the card; Redis comes back, the job is redelivered after claim_idle_s and finishes.
"""

from __future__ import annotations

from pathlib import Path

from tests.bot_helpers import CHANNEL, bot_settings, message_text, running_bot, wait_final
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.fault_helpers import OwnRedis
from tests.test_slack_e2e import share_sales


def is_card(args: dict[str, object]) -> bool:
    return "6 rows" in str(args.get("text"))  # the card says "6 rows"; the answer "rows=6"


def cards(fake: FakeSlack, thread_ts: str) -> int:
    return len([c for c in fake.calls("chat.postMessage") if c.args.get("thread_ts") == thread_ts and is_card(c.args)])


async def test_a_file_job_redelivered_after_its_card_was_posted_posts_no_second_card(
    fake_slack: FakeSlack, fake_groq: FakeGroq, own_redis: OwnRedis, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model(['print(f"rows={len(df)}")']))
    settings = bot_settings(fake_slack, fake_groq, own_redis.url, tmp_path)
    gate = fake_slack.hold_next("chat.postMessage", is_card)
    async with running_bot(settings, namespace, claim_idle_s=1.0) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await fake_slack.wait_for("chat.postMessage", lambda c: is_card(c.args), timeout=30)
        own_redis.kill()  # Slack has the card; the job's writes after it now fail
        gate.set()
        await bot.worker.until(lambda stats: stats.failed >= 1, timeout=30)
        own_redis.start()
        await bot.worker.until(lambda stats: stats.done >= 1, timeout=40)  # redelivered and finished
        assert cards(fake_slack, file_ts) == 1
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "How many rows?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts, timeout=60)
        assert cards(fake_slack, file_ts) == 1
    assert "rows=6" in message_text(final)
