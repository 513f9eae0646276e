"""Redis restarted, or down for 20 s, while questions are queued and one is running (issue 12).

The test's own redis-server is append-only with an fsync per write (what docs/operations.md asks of an
external Redis), so a restart keeps the stream, the leases and the datasets. Every question must be answered
exactly once after Redis is back, and Slack's events during the outage must still be acked within 3 s.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.bot_helpers import CHANNEL, bot_settings, finals, message_text, running_bot
from tests.engine_helpers import echo_answer, is_answer_request, offers_tools
from tests.fakes.groq_server import FakeGroq, Reply, run_python
from tests.fakes.slack import FakeSlack, message_event
from tests.fault_helpers import OwnRedis
from tests.test_slack_e2e import share_sales, wait_card

QUESTIONS = ("alpha", "bravo", "charlie")
LATE = "delta"  # asked while Redis is down


class Tagged:
    """A model that answers each question with its own tag, the first one slowly (it is running at the kill)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.asked: list[str] = []

    def __call__(self, body: dict[str, Any]) -> Reply | str:
        if is_answer_request(body):
            return echo_answer(body)
        text = str(body["messages"][-1]["content"])
        tag = max((*QUESTIONS, LATE), key=text.rfind)  # the newest question is the last one in the prompt
        self.asked.append(tag)
        code = f'print("answer-{tag}")'
        slow = tag == QUESTIONS[0] and not self.started.is_set()
        self.started.set()
        reply = run_python(code) if offers_tools(body) else Reply(f"```python\n{code}\n```")
        return Reply(reply.text, reply.finish_reason, tool_calls=reply.tool_calls, delay_s=3.0 if slow else 0.0)


async def outage(
    fake_slack: FakeSlack, fake_groq: FakeGroq, own: OwnRedis, namespace: str, tmp: Path, down_s: float
) -> None:
    model = Tagged()
    fake_groq.respond_with(model)
    settings = bot_settings(fake_slack, fake_groq, own.url, tmp)
    async with running_bot(settings, namespace, claim_idle_s=2.0) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        for tag in QUESTIONS:
            await fake_slack.send_event(
                url, message_event(CHANNEL, "U0ALICE001", f"Question {tag}?", thread_ts=file_ts)
            )
        await asyncio.wait_for(model.started.wait(), 30)  # the first runs, the others wait their turn
        own.kill()
        started = time.monotonic()
        late = message_event(CHANNEL, "U0ALICE001", f"Question {LATE}?", thread_ts=file_ts)
        response = await fake_slack.send_event(url, late)
        assert response.status == 200 and time.monotonic() - started < 3.0  # Slack acked in time
        await asyncio.sleep(down_s)
        own.start()
        await fake_slack.wait_until(
            lambda: len(finals(fake_slack, CHANNEL, file_ts)) >= 4, timeout=50, what="all four questions answered"
        )
        await asyncio.sleep(2.5)  # past claim_idle_s: a duplicate would show itself now
        answers = [message_text(m) for m in finals(fake_slack, CHANNEL, file_ts)]
    for tag in (*QUESTIONS, LATE):
        assert len([a for a in answers if f"answer-{tag}" in a]) == 1, (tag, answers)
    assert len(answers) == 4
    # Per-thread order: the three queued before the outage were answered in the order asked.
    positions = [next(i for i, a in enumerate(answers) if f"answer-{tag}" in a) for tag in QUESTIONS]
    assert positions == sorted(positions)


async def test_redis_restarted_mid_analysis_loses_and_repeats_no_question(
    fake_slack: FakeSlack, fake_groq: FakeGroq, own_redis: OwnRedis, namespace: str, tmp_path: Path
) -> None:
    await outage(fake_slack, fake_groq, own_redis, namespace, tmp_path, down_s=0.5)


async def test_redis_down_for_20_s_mid_analysis_loses_and_repeats_no_question(
    fake_slack: FakeSlack, fake_groq: FakeGroq, own_redis: OwnRedis, namespace: str, tmp_path: Path
) -> None:
    await outage(fake_slack, fake_groq, own_redis, namespace, tmp_path, down_s=20.0)
