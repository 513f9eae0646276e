"""`/analyze` manners through the real bolt app: forget asks first, no data answers privately, API errors."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from handlers.render.dates import day_month
from tests.bot_helpers import CHANNEL, bot_settings, events_url, running_bot
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import BOT_USER_ID, FakeSlack, block_actions_payload
from tests.fakes.slack.delivery import send_action
from tests.test_slack_e2e import share_sales, wait_card


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def click(fake: FakeSlack, url: str, action_id: str, blocks: list[dict[str, Any]]) -> str:
    """Click a button of the ephemeral message `blocks` (Slack does not store those); returns its response_url."""
    response_url = fake.new_response_url()
    message = {"type": "message", "ts": "1700000000.000100", "text": "", "blocks": blocks}
    payload = block_actions_payload(action_id, channel_id=CHANNEL, message=message, response_url=response_url)
    payload["container"]["is_ephemeral"] = True
    response = await send_action(url, fake.signing_secret, payload)
    assert response.status == 200
    return response_url


async def datasets_reply(fake: FakeSlack, url: str) -> str:
    reply = await fake.send_command(url, channel_id=CHANNEL, command="/analyze", text="datasets")
    return await reply.text()


async def test_forget_asks_first_and_only_confirm_deletes(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        asked = await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="forget")
        body = await asked.json()
        assert body.get("response_type", "ephemeral") == "ephemeral"
        assert action_ids(body["blocks"]) == ["forget_confirm", "forget_cancel"]
        listing = await datasets_reply(fake_slack, url)
        assert "sales" in listing  # asking deleted nothing
        # Retention is said where data is listed: the default 7 days from the upload.
        assert f"kept until {day_month(time.time() + 7 * 86_400, time.time())}" in listing
        hook = await click(fake_slack, url, "forget_cancel", body["blocks"])
        cancelled = await fake_slack.wait_for_response(lambda r: hook.endswith(r.hook_id), timeout=10)
        assert "Cancelled" in str(cancelled.body["text"]) and cancelled.body.get("replace_original") is True
        assert "sales" in await datasets_reply(fake_slack, url)
        hook = await click(fake_slack, url, "forget_confirm", body["blocks"])
        done = await fake_slack.wait_for_response(lambda r: hook.endswith(r.hook_id), timeout=10)
        assert "forgotten" in str(done.body["text"])
        assert "sales" not in await datasets_reply(fake_slack, url)


async def test_analyze_without_data_answers_privately(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        await fake_slack.send_command(events_url(bot), channel_id="C0EMPTY001", command="/analyze", text="top rows?")
        reply = await fake_slack.wait_for_response(timeout=10)
        await asyncio.sleep(0.5)  # a public root message would show by now
    assert reply.body.get("response_type") == "ephemeral"
    assert "don't have any data" in str(reply.body["text"]) and "“top rows?”" in str(reply.body["text"])
    assert fake_slack.calls("chat.postMessage") == []
    assert fake_groq.requests == []


async def test_analyze_where_the_bot_is_not_a_member_invites_it_by_its_real_mention(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        fake_slack.fail_next("chat.postMessage", error="not_in_channel", status=200, retry_after=None)
        await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="top rows?")
        invite = await fake_slack.wait_for_response(timeout=10)
        fake_slack.fail_next("chat.postMessage", error="internal_error", status=200, retry_after=None)
        await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="top rows?")
        generic = await fake_slack.wait_for_response(lambda r: r is not invite, timeout=10)
    assert f"/invite <@{BOT_USER_ID}>" in str(invite.body["text"])
    assert "@DataAgent" not in str(invite.body["text"])
    assert invite.body.get("response_type") == "ephemeral"
    assert "/invite" not in str(generic.body["text"]) and "try again" in str(generic.body["text"])
    assert fake_groq.requests == []
