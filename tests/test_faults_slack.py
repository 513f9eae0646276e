"""Slack rate-limits the answer: the post and the chart upload are retried, answered once, never re-analysed (issue 12).

The fake Slack answers the next calls of a method with 429 and `Retry-After: 1`, as Slack does; the bot's
client retries them (slack_sdk's rate-limit retry handler, installed in bot/app.py). The fake model's request
count shows the analysis ran once per question: a failed post must not redeliver the job.
"""

from __future__ import annotations

from pathlib import Path

from tests.bot_helpers import CHANNEL, bot_settings, finals, message_text, running_bot
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack_e2e import CHART_CODE, share_sales, wait_card


async def ask_and_wait(fake: FakeSlack, url: str, thread_ts: str, question: str, answers: int) -> None:
    await fake.send_event(url, message_event(CHANNEL, "U0ALICE001", question, thread_ts=thread_ts))
    await fake.wait_until(
        lambda: len(finals(fake, CHANNEL, thread_ts)) >= answers, timeout=45, what=f"answer {answers}"
    )


async def test_an_answer_rate_limited_by_slack_is_posted_once_without_a_second_analysis(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model(['print(f"rows={len(df)}")'] * 2))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await ask_and_wait(fake_slack, url, file_ts, "How many rows?", 1)
        one_analysis = len(fake_groq.requests)  # what a question costs the model when Slack is well
        fake_slack.fail_next("chat.postMessage", "ratelimited", 429, retry_after=1, times=2)
        await ask_and_wait(fake_slack, url, file_ts, "How many rows now?", 2)
        await bot.worker.until(lambda stats: stats.done >= 3, timeout=10)
        answers = finals(fake_slack, CHANNEL, file_ts)
    limited = [c for c in fake_slack.calls("chat.postMessage") if c.status == 429]
    assert len(limited) == 2  # Slack really refused the answer twice
    assert len(answers) == 2 and "rows=6" in message_text(answers[1])
    assert len(fake_groq.requests) == 2 * one_analysis


async def test_a_chart_upload_rate_limited_by_slack_arrives_once_without_a_second_analysis(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([CHART_CODE] * 2))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        fake_slack.fail_next("files.getUploadURLExternal", "ratelimited", 429, retry_after=1, times=2)
        fake_slack.fail_next("files.completeUploadExternal", "ratelimited", 429, retry_after=1, times=1)
        await ask_and_wait(fake_slack, url, file_ts, "Revenue by region as a chart", 1)
        await fake_slack.wait_until(
            lambda: len(fake_slack.uploaded_files(CHANNEL, file_ts)) >= 1, timeout=30, what="the chart in the thread"
        )
        await bot.worker.until(lambda stats: stats.done >= 2, timeout=30)
        charts = fake_slack.uploaded_files(CHANNEL, file_ts)
        answers = finals(fake_slack, CHANNEL, file_ts)
        analyses = len(fake_groq.requests)
        # A clean question in the same thread costs the model the same: the first was analysed once.
        await ask_and_wait(fake_slack, url, file_ts, "Revenue by region as a chart again", 2)
        await bot.worker.until(lambda stats: stats.done >= 3, timeout=30)
    limited = [c for c in fake_slack.calls() if c.status == 429]
    assert len(limited) == 3
    assert len(charts) == 1 and len(answers) == 1
    assert len(fake_groq.requests) == 2 * analyses
