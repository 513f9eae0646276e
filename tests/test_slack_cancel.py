"""Cancel while it runs, and the "Analyze with DataAgent" message shortcut: the real bolt app, the fake Slack."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bot_helpers import CHANNEL, bot_settings, events_url, finals, message_text, running_bot, wait_final
from tests.engine_helpers import SALES_CSV, Model, slow
from tests.fakes.groq_server import FakeGroq, Reply
from tests.fakes.slack import FakeSlack, block_actions_payload, message_event
from tests.fakes.slack.delivery import send_action
from tests.fakes.slack.events import file_share_event
from tests.test_slack_e2e import share_sales, wait_card

UNITS = "print(f\"units: {df['units'].sum()}\")"
SLEEPY = "import time\ntime.sleep(60)\nprint('woke')"


def first_question_slow(delay_s: float, codes: list[str]) -> Callable[[dict[str, Any]], str | Reply]:
    """The scripted model: "Total units?" answered after `delay_s`, the next question ("And units?") at once."""
    model = Model(codes)
    slowed = slow(model, delay_s)

    def reply(body: dict[str, Any]) -> str | Reply:
        return model(body) if "And units?" in json.dumps(body) else slowed(body)

    return reply


async def click_cancel(fake: FakeSlack, url: str, user: str = "U0ALICE001") -> dict[str, Any]:
    """Click the Cancel button of the private prompt `user` got (ephemeral: clicked through its response_url)."""
    prompt = await fake.wait_until(
        lambda: next((m for m in fake.ephemeral_messages(CHANNEL) if "cancel_question" in str(m.get("blocks"))), None),
        timeout=30,
        what="the private Cancel prompt",
    )
    assert prompt["recipient"] == user
    value = prompt["blocks"][0]["accessory"]["value"]
    payload = block_actions_payload(
        "cancel_question", value, channel_id=CHANNEL, message=prompt, response_url=fake.new_response_url(), user_id=user
    )
    payload["container"]["is_ephemeral"] = True
    response = await send_action(url, fake.signing_secret, payload)
    assert response.status == 200
    return prompt


def cancelled_notes(fake: FakeSlack, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in fake.thread_messages(CHANNEL, thread_ts) if "Cancelled by" in str(m.get("text"))]


async def _cancel_then_ask_again(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path, *, cell_runs: bool
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
        if cell_runs:  # click while the sleeping cell runs in the sandbox
            await fake_slack.wait_until(
                lambda: any("Running" in s for s in fake_slack.statuses(CHANNEL, file_ts)) or None,
                timeout=30,
                what="the cell to run",
            )
        else:  # click while the model thinks
            for _ in range(600):  # the fake Groq has no notifier: look every 50 ms, 30 s at most
                if fake_groq.requests:
                    break
                await asyncio.sleep(0.05)
        await click_cancel(fake_slack, url)
        await fake_slack.wait_until(lambda: cancelled_notes(fake_slack, file_ts) or None, timeout=20, what="Cancelled")
        assert not finals(fake_slack, CHANNEL, file_ts)  # no answer message
        assert fake_slack.statuses(CHANNEL, file_ts)[-1] == ""  # the status was cleared
        cancelling = await fake_slack.wait_for_response(lambda r: "Cancelling" in str(r.body))
        assert cancelling.body.get("replace_original") in (True, "true")
        # The next question in the same thread is answered (the cancelled cell did not wedge the sandbox).
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "And units?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts, timeout=60)
        assert "units: 20" in message_text(final)
        # A click after the answer is posted does nothing harmful: it says so, and nothing is posted.
        posts_before = len(fake_slack.thread_messages(CHANNEL, file_ts))
        prompts = [m for m in fake_slack.ephemeral_messages(CHANNEL) if "cancel_question" in str(m.get("blocks"))]
        late = prompts[-1]
        payload = block_actions_payload(
            "cancel_question",
            late["blocks"][0]["accessory"]["value"],
            channel_id=CHANNEL,
            message=late,
            response_url=fake_slack.new_response_url(),
            user_id="U0ALICE001",
        )
        await send_action(url, fake_slack.signing_secret, payload)
        await fake_slack.wait_for_response(lambda r: "already finished" in str(r.body), timeout=10)
        assert len(fake_slack.thread_messages(CHANNEL, file_ts)) == posts_before
        assert await bot.deps.state.cancel_requested(late["blocks"][0]["accessory"]["value"]) is None
    (note,) = cancelled_notes(fake_slack, file_ts)
    assert note["text"] == "Cancelled by <@U0ALICE001>."


async def test_cancel_while_the_model_thinks_posts_cancelled_and_the_thread_answers_next(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(first_question_slow(30.0, [UNITS, UNITS]))
    await _cancel_then_ask_again(fake_slack, fake_groq, redis_url, namespace, tmp_path, cell_runs=False)


async def test_cancel_during_a_running_cell_does_not_wedge_the_thread(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([SLEEPY, UNITS]))
    await _cancel_then_ask_again(fake_slack, fake_groq, redis_url, namespace, tmp_path, cell_runs=True)


async def test_the_message_shortcut_loads_a_file_shared_before_the_bot_was_there(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    # Shared before the bot joined: in the channel's history, never delivered as an event.
    old = file_share_event(CHANNEL, "U0ALICE001", fake_slack.register_file(None, "old sales.csv", SALES_CSV))
    fake_slack.seed(old)
    plain = message_event(CHANNEL, "U0ALICE001", "no file here")
    fake_slack.seed(plain)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        response = await fake_slack.send_shortcut(
            url, "analyze_file", channel=CHANNEL, message_ts=str(old["ts"]), user_id="U0BOB00001"
        )
        assert response.status == 200
        card = await wait_card(fake_slack, CHANNEL, str(old["ts"]))
        taken = await fake_slack.wait_for_response(lambda r: "Loading" in str(r.body))
        await fake_slack.send_shortcut(url, "analyze_file", channel=CHANNEL, message_ts=str(plain["ts"]))
        refused = await fake_slack.wait_for_response(lambda r: "no file I can analyse" in str(r.body), timeout=10)
        datasets = await bot.deps.engine.datasets(f"{CHANNEL}:{old['ts']}")
    assert "old sales.csv" in card and "rows" in card
    assert [d.name for d in datasets] == ["old sales.csv"]
    assert taken.body.get("response_type") == "ephemeral" and refused.body.get("response_type") == "ephemeral"
    assert not [m for m in fake_slack.thread_messages(CHANNEL, str(plain["ts"])) if m.get("bot_id")]
