"""How an answer reaches people, end to end through the real bolt app and the fake Slack:
👀 at once, live status, the answer as a new message, feedback, and Slack errors that never re-run work."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from handlers.payloads import QuestionJob
from jobqueue import Job
from tests.bot_helpers import CHANNEL, action_ids, bot_settings, events_url, message_text, running_bot, wait_final
from tests.engine_helpers import SALES_CSV, Model, starts_a_question
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, dm_message_event, file_share_event, message_event
from tests.test_slack_e2e import share_sales, wait_card

UNITS = "print(f\"units: {df['units'].sum()}\")"


async def eventually(
    read: Callable[[], Awaitable[dict[str, str]]], done: Callable[[dict[str, str]], bool], timeout: float = 10.0
) -> dict[str, str]:
    """Poll what a listener stores after it acked (bolt runs it after answering Slack)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await read()
        if done(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


def button_value(message: dict[str, object], action_id: str) -> str:
    for block in message.get("blocks") or []:  # type: ignore[attr-defined]
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element["action_id"] == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")


async def test_a_question_gets_eyes_a_live_status_and_the_answer_as_a_new_message(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS]))
    fake_slack.workspace.add_user("U0ALICE001", "Ana")
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        question = message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts)
        await fake_slack.send_event(url, question)
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        asked = next(m for m in fake_slack.thread_messages(CHANNEL, file_ts) if m["ts"] == question["ts"])
    assert "units: 20" in message_text(final)
    assert [r["name"] for r in asked.get("reactions", [])] == ["eyes"]
    statuses = fake_slack.statuses(CHANNEL, file_ts)
    assert "Looking at the data…" in statuses and statuses[-1] == ""  # shown while working, cleared after
    # A new message (so people are notified), not an edit; no "⏳" message of its own was ever posted.
    posts = [c for c in fake_slack.calls("chat.postMessage") if "units: 20" in json.dumps(c.args)]
    assert len(posts) == 1 and posts[0].args.get("unfurl_links") in (False, "false", "False")
    assert not any("⏳" in str(c.args.get("text")) for c in fake_slack.calls("chat.postMessage"))
    assert not fake_slack.calls("chat.update")
    # The footer names the data and who shared it, without pinging them.
    assert "sales.csv (shared by Ana)" in message_text(final) and "<@U0ALICE001>" not in message_text(final)
    assert action_ids(final) >= {"feedback_up", "feedback_down", "show_code"}


async def test_where_the_status_line_is_refused_a_progress_message_stands_in_and_goes(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        fake_slack.fail_next("assistant.threads.setStatus", "not_allowed_token_type", 200, None, times=50)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        await fake_slack.wait_until(  # deleted once the answer is up
            lambda: not any("⏳" in str(m.get("text")) for m in fake_slack.thread_messages(CHANNEL, file_ts)),
            timeout=10,
            what="the progress message to go",
        )
    assert "units: 20" in message_text(final)
    placeholders = [c for c in fake_slack.calls("chat.postMessage") if "⏳" in str(c.args.get("text"))]
    assert len(placeholders) == 1


async def test_a_slack_error_posting_the_answer_falls_back_to_text_without_running_again(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        fake_slack.fail_next("chat.postMessage", "invalid_blocks", 200, None)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
        answer = await fake_slack.wait_until(
            lambda: (
                [m for m in fake_slack.thread_messages(CHANNEL, file_ts) if "units: 20" in str(m.get("text"))] or None
            ),
            timeout=60,
            what="the answer as plain text",
        )
    assert not answer[0].get("blocks")
    assert sum(starts_a_question(r.json) for r in fake_groq.requests) == 1  # the analysis ran once


async def test_feedback_is_kept_with_the_answer_and_a_thumbs_down_asks_what_was_wrong(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        qid = button_value(final, "feedback_down")
        await fake_slack.send_action(
            url, "feedback_up", qid, channel=CHANNEL, message_ts=str(final["ts"]), user_id="U0ALICE001"
        )
        await fake_slack.send_action(
            url, "feedback_down", qid, channel=CHANNEL, message_ts=str(final["ts"]), user_id="U0BOB00001"
        )
        (modal,) = await fake_slack.wait_until(lambda: fake_slack.opened_views() or None, timeout=10, what="a modal")
        values = {"note": {"note_text": {"type": "plain_text_input", "value": "East is missing"}}}
        response = await fake_slack.send_view_submission(url, modal, values, user_id="U0BOB00001")
        assert response.status == 200
        votes = await eventually(lambda: bot.deps.state.feedback(qid), lambda v: len(v) == 2 and "note" in str(v))
    assert json.loads(votes["U0ALICE001"]) == {"vote": "up"}
    assert json.loads(votes["U0BOB00001"]) == {"vote": "down", "note": "East is missing"}
    assert "retry_question" in json.dumps(modal["blocks"])  # 👎 offers Try again right there


async def test_try_again_runs_once_on_a_double_click(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS, UNITS, UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        state = bot.deps.state
        qid = button_value(final, "show_code")
        assert await state.answer(qid) is not None
        # Two clicks of the Try again offered in the 👎 modal, the second before the first is done.
        for _ in range(2):
            await fake_slack.send_action(url, "retry_question", qid, channel=CHANNEL, message_ts=str(final["ts"]))
        await fake_slack.wait_until(
            lambda: (
                len([m for m in fake_slack.thread_messages(CHANNEL, file_ts) if "units: 20" in message_text(m)]) >= 2
            ),
            timeout=60,
            what="the retried answer",
        )
        notes = await fake_slack.wait_until(
            lambda: [m for m in fake_slack.ephemeral_messages(CHANNEL) if "already" in str(m.get("text"))] or None,
            timeout=10,
            what="the second click's note",
        )
    assert len(notes) == 1
    assert sum(starts_a_question(r.json) for r in fake_groq.requests) == 2  # the first ask and one retry


async def test_a_question_that_failed_every_delivery_says_so_and_offers_try_again(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        dead = QuestionJob(CHANNEL, file_ts, "Total units?", "U0ALICE001", borrow_latest=False)
        # What the worker calls once the job has failed its last delivery (tests/test_jobs.py covers when).
        await bot.handler.on_dead(Job("q:dead:1", f"{CHANNEL}:{file_ts}", dead))
        notice = await wait_final(fake_slack, CHANNEL, file_ts)
        assert "failed several times" in message_text(notice)
        await fake_slack.send_action(
            url, "retry_question", button_value(notice, "retry_question"), channel=CHANNEL, message_ts=str(notice["ts"])
        )
        await fake_slack.wait_until(
            lambda: [m for m in fake_slack.thread_messages(CHANNEL, file_ts) if "units: 20" in message_text(m)] or None,
            timeout=60,
            what="the answer to the question asked again",
        )
    assert fake_slack.statuses(CHANNEL, file_ts)[0] == ""  # the dead job's status was cleared first


async def test_a_new_agent_dm_thread_is_greeted_with_suggested_prompts_and_answers_there(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    dm, thread_ts = "D0ALICE001", "1700000100.000100"
    started = {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": "U0ALICE001", "channel_id": dm, "thread_ts": thread_ts, "context": {}},
        "event_ts": "1700000100.000200",
    }
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        await fake_slack.send_event(url, started)
        prompts = await fake_slack.wait_for("assistant.threads.setSuggestedPrompts", lambda c: True)
        greeting = await fake_slack.wait_until(
            lambda: (
                [m for m in fake_slack.thread_messages(dm, thread_ts) if "Drop a CSV" in str(m.get("text"))] or None
            ),
            timeout=10,
            what="the greeting",
        )
        file = fake_slack.register_file(None, "sales.csv", SALES_CSV)
        await fake_slack.send_event(url, file_share_event(dm, "U0ALICE001", file, thread_ts=thread_ts))
        await fake_slack.wait_until(
            lambda: [m for m in fake_slack.thread_messages(dm, thread_ts) if "sales.csv" in message_text(m)] or None,
            timeout=30,
            what="the profile card in the agent thread",
        )
        await fake_slack.send_event(url, dm_message_event(dm, "U0ALICE001", "Total units?", thread_ts=thread_ts))
        final = await wait_final(fake_slack, dm, thread_ts)
    assert greeting and prompts.args["channel_id"] == dm and prompts.args["thread_ts"] == thread_ts
    assert (
        len(
            json.loads(prompts.args["prompts"]) if isinstance(prompts.args["prompts"], str) else prompts.args["prompts"]
        )
        == 3
    )
    assert "units: 20" in message_text(final)
