"""The model's provider in trouble: a 429 spell is waited out, a 5xx storm ends in a clear message (issue 12).

The fake model answers on the wire as Groq does; the retry budget is sized for tests through the same
settings an operator uses (LLM_RETRY_BUDGET_S, LLM_MAX_ATTEMPTS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent import texts as agent_texts
from tests.bot_helpers import CHANNEL, bot_settings, finals, message_text, running_bot, wait_final
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq, HTTPError, Reply, rate_limited, server_error
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack_e2e import share_sales, wait_card

ROWS_CODE = 'print(f"rows={len(df)}")'


async def test_a_429_spell_is_waited_out_and_the_question_answered_once(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    spell = [0]  # 429s still to send, each asking for 2 s: a spell of about 8 s
    limited: list[int] = []

    def model(body: dict[str, Any]) -> Reply | HTTPError | str:
        if spell[0] > 0:
            spell[0] -= 1
            limited.append(1)
            return rate_limited(retry_after=2)
        return rows(body)

    rows = Model([ROWS_CODE])
    fake_groq.respond_with(model)
    extra = {"LLM_RETRY_BUDGET_S": "30", "LLM_MAX_ATTEMPTS": "12"}
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, extra=extra)
    async with running_bot(settings, namespace) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        spell[0] = 4
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "How many rows?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts, timeout=50)
        await fake_slack.wait_until(lambda: bot.worker.stats.done >= 2, timeout=10, what="the question's job settled")
        answers = finals(fake_slack, CHANNEL, file_ts)
    assert "rows=6" in message_text(final)
    assert len(answers) == 1
    assert len(limited) == 4 and agent_texts.LLM_RATE_LIMITED not in message_text(final)


async def test_a_5xx_storm_past_the_budget_tells_the_asker_and_the_next_question_works(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    storm = [False]
    in_storm: list[int] = []

    def model(body: dict[str, Any]) -> Reply | HTTPError | str:
        if storm[0]:
            in_storm.append(1)
            return server_error(500)
        return rows(body)

    rows = Model([ROWS_CODE])
    fake_groq.respond_with(model)
    extra = {"LLM_RETRY_BUDGET_S": "6", "LLM_MAX_ATTEMPTS": "3"}
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, extra=extra)
    async with running_bot(settings, namespace) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        storm[0] = True
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "How many rows?", thread_ts=file_ts))
        failed = await wait_final(fake_slack, CHANNEL, file_ts, timeout=40)
        storm[0] = False
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "And now?", thread_ts=file_ts))
        await fake_slack.wait_until(
            lambda: len(finals(fake_slack, CHANNEL, file_ts)) >= 2, timeout=40, what="the second question answered"
        )
        answers = finals(fake_slack, CHANNEL, file_ts)
    assert agent_texts.LLM_DOWN in message_text(failed)
    assert "rows=6" in message_text(answers[1])
    assert len(answers) == 2
    assert 3 <= len(in_storm) <= 6  # bounded: the attempts of one call (and of the one-shot fallback, if any)
