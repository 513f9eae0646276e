"""More entry points of the real bot: DMs, a second file, buttons, sub-commands, ignored messages, Socket Mode."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from handlers import texts as handler_texts
from tests.bot_helpers import (
    CHANNEL,
    action_ids,
    bot_settings,
    events_url,
    finals,
    message_text,
    running_bot,
    wait_final,
)
from tests.engine_helpers import SALES_CSV, Model
from tests.fakes.groq_server import FakeGroq, Reply
from tests.fakes.slack import (
    FakeSlack,
    bot_message_event,
    dm_message_event,
    file_share_event,
    message_changed_event,
    message_event,
)
from tests.sandbox_helpers import PNG_MAGIC
from tests.test_slack_answers import button_value
from tests.test_slack_commands import click
from tests.test_slack_e2e import CHART_CODE, share_sales, wait_card

RETURNS_CSV = b"region,returned\nNorth,2\nSouth,5\nEast,1\n"


async def test_a_dm_upload_and_question_are_answered_in_the_dm(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    code = (
        "df.groupby('product')['revenue_usd'].max().plot.bar()\n"
        "print(f'max price row: {df.loc[df.revenue_usd.idxmax(), \"product\"]}')"
    )
    fake_groq.respond_with(Model([code]))
    dm = "D0DIRECT01"
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url, channel=dm)
        await wait_card(fake_slack, dm, file_ts)
        # A top-level DM needs no mention and uses the DM's latest dataset.
        question = dm_message_event(dm, "U0ALICE001", "Which product had the biggest sale?")
        await fake_slack.send_event(url, question)
        final = await wait_final(fake_slack, dm, str(question["ts"]))
        charts = await fake_slack.wait_until(
            lambda: fake_slack.uploaded_files(dm, str(question["ts"])) or None,
            timeout=30,
            what="the chart in the DM thread",
        )
    assert "max price row: Widget" in message_text(final)
    assert charts[0].content.startswith(PNG_MAGIC)


async def test_a_second_file_joins_the_thread_and_both_are_usable(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    code = (
        "merged = sales.groupby('region')['units'].sum().to_frame().join(returns.set_index('region'))\n"
        "print(f\"South returned {merged.loc['South', 'returned']} of {merged.loc['South', 'units']}\")"
    )
    fake_groq.respond_with(Model([code]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        second = fake_slack.register_file(None, "returns.csv", RETURNS_CSV)
        await fake_slack.send_event(url, file_share_event(CHANNEL, "U0ALICE001", second, thread_ts=file_ts))
        card = await fake_slack.wait_for(
            "chat.postMessage",
            lambda c: c.args.get("thread_ts") == file_ts and "returns.csv" in str(c.args),
            timeout=30,
        )
        assert "2 datasets" in message_text({"text": card.args.get("text"), "blocks": card.args.get("blocks")})
        ask = message_event(CHANNEL, "U0ALICE001", "Return rate in South?", thread_ts=file_ts)
        await fake_slack.send_event(url, ask)
        final = await wait_final(fake_slack, CHANNEL, file_ts)
    assert "South returned 5 of 9" in message_text(final)


async def test_show_code_and_try_again_buttons(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(
        Model(["print(df['nope'])", "print(df['nope'])", "print(df['nope'])", "print(f\"units: {df['units'].sum()}\")"])
    )
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
        failure = await wait_final(fake_slack, CHANNEL, file_ts)
        text = message_text(failure)
        assert "3 attempts" in text and "KeyError" in text
        retry = next(
            e
            for b in failure["blocks"]
            if b["type"] == "actions"  # type: ignore[attr-defined]
            for e in b["elements"]
            if e["action_id"] == "retry_question"
        )
        await fake_slack.send_action(
            url, "retry_question", retry["value"], channel=CHANNEL, message_ts=str(failure["ts"])
        )
        answered = await fake_slack.wait_until(
            lambda: [m for m in finals(fake_slack, CHANNEL, file_ts) if "units: 20" in message_text(m)] or None,
            timeout=60,
            what="the retried answer",
        )
        show = next(
            e
            for b in answered[0]["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "show_code"
        )
        await fake_slack.send_action(
            url, "show_code", show["value"], channel=CHANNEL, message_ts=str(answered[0]["ts"])
        )
        shown = await fake_slack.wait_until(lambda: fake_slack.opened_views() or None, timeout=10, what="the code view")
        # The failure that was retried says so, and has no buttons left to run it twice.
        old = next(m for m in fake_slack.thread_messages(CHANNEL, file_ts) if m["ts"] == failure["ts"])
        assert not action_ids(old) and "Asked again by" in message_text(old)
    view = message_text(shown[0])
    assert "df['units'].sum()" in view and "units: 20" in view


async def test_bot_messages_edits_and_unrelated_chatter_are_ignored(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        before = len(fake_slack.calls("chat.postMessage"))
        chatter = message_event(CHANNEL, "U0BOB00001", "lunch anyone?")  # top level, no mention
        await fake_slack.send_event(url, chatter)
        await fake_slack.send_event(url, bot_message_event(CHANNEL, "another bot says hi", thread_ts=file_ts))
        edited = message_event(CHANNEL, "U0ALICE001", "edited question", thread_ts=file_ts)
        await fake_slack.send_event(url, message_changed_event(CHANNEL, edited))
        await asyncio.sleep(1.0)  # nothing should happen; give it the chance to go wrong
    assert len(fake_slack.calls("chat.postMessage")) == before
    assert fake_groq.requests == []


async def test_analyze_subcommands(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        help_reply = await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="")
        assert "/analyze" in await help_reply.text()
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        listed = await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="datasets")
        assert "sales" in await listed.text()
        forgot = await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="forget")
        assert forgot.status == 200 and "Forget" in await forgot.text()
        # Forgetting waits for a click on Confirm (tests/test_slack_commands.py).
        after = await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="datasets")
        assert "sales" in await after.text()


async def test_socket_mode_upload_and_thread_question(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([CHART_CODE]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, socket_mode=True)
    async with running_bot(settings, namespace):
        file_obj = fake_slack.register_file(None, "sales.csv", SALES_CSV)
        upload = file_share_event(CHANNEL, "U0ALICE001", file_obj)
        acked = await fake_slack.wait_for_ack(await fake_slack.push_event(upload))
        assert acked.envelope_id
        file_ts = str(upload["ts"])
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.push_event(message_event(CHANNEL, "U0ALICE001", "Top region?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        charts = await fake_slack.wait_until(
            lambda: fake_slack.uploaded_files(CHANNEL, file_ts) or None, timeout=30, what="chart"
        )
    assert "South with 390.00" in message_text(final)
    assert charts[0].content.startswith(PNG_MAGIC)


async def test_analyze_in_a_channel_the_bot_has_not_joined_says_how_to_invite_it(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        fake_slack.fail_next("chat.postMessage", error="not_in_channel", status=200, retry_after=None)
        await fake_slack.send_command(events_url(bot), channel_id="C0NOTJOIN1", command="/analyze", text="top rows?")
        reply = await fake_slack.wait_for_response(timeout=10)
    assert "/invite" in str(reply.body.get("text"))
    assert reply.body.get("response_type") == "ephemeral"
    assert fake_groq.requests == []


async def test_two_replicas_share_a_workspace_and_keep_a_threads_order(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    # Each question gets its own code, whichever order the engine asks in: run in reverse, the second
    # question's code would find no `step`.
    by_question = {
        "Set up a step": Model(["step = 1\nprint('first done')"]),
        "Use the step": Model(["print(f'second sees step={step}')"]),
    }

    def reply(body: dict[str, Any]) -> str | Reply:
        text = json.dumps(body["messages"])
        asked = max(by_question, key=text.rfind)  # the question being answered comes after its history
        return by_question[asked](body)

    fake_groq.respond_with(reply)
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as one, running_bot(settings, namespace) as two:
        file_ts = await share_sales(fake_slack, events_url(one))
        await wait_card(fake_slack, CHANNEL, file_ts)
        first = message_event(CHANNEL, "U0ALICE001", "Set up a step", thread_ts=file_ts)
        second = message_event(CHANNEL, "U0ALICE001", "Use the step", thread_ts=file_ts)
        await fake_slack.send_event(events_url(one), first)
        await fake_slack.send_event(events_url(two), second)
        done = await fake_slack.wait_until(
            lambda: len(finals(fake_slack, CHANNEL, file_ts)) == 2 or None, timeout=60, what="two answers"
        )
        assert done
        texts_in_order = [message_text(m) for m in finals(fake_slack, CHANNEL, file_ts)]
    assert "first done" in texts_in_order[0]
    assert "second sees step=1" in texts_in_order[1]


async def test_analyze_forget_leaves_no_answer_marker_or_data_of_the_channel_threads(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model(["print(f\"units: {df['units'].sum()}\")"]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        async with running_bot(settings, namespace) as bot:
            url = events_url(bot)
            file_ts = await share_sales(fake_slack, url)
            await wait_card(fake_slack, CHANNEL, file_ts)
            await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
            final = await wait_final(fake_slack, CHANNEL, file_ts)
            assert "units: 20" in message_text(final)
            question_id = button_value(final, "show_code")
            assert [k async for k in client.scan_iter(f"{{{namespace}:blob:*")]
            assert [e.question for e in await bot.deps.audit.entries(conversation=CHANNEL)] == ["Total units?"]
            forgot = await fake_slack.send_command(url, channel_id=CHANNEL, command="/analyze", text="forget")
            hook = await click(fake_slack, url, "forget_confirm", (await forgot.json())["blocks"])
            await fake_slack.wait_for_response(lambda r: hook.endswith(r.hook_id), timeout=10)
            await fake_slack.send_action(url, "show_code", question_id, channel=CHANNEL, message_ts=str(final["ts"]))
            told = await fake_slack.wait_until(
                lambda: (
                    [c for c in fake_slack.calls("chat.postEphemeral") if c.args["text"] == handler_texts.CODE_GONE]
                    or None
                ),
                timeout=10,
                what="the code-gone note",
            )
        assert len(told) == 1
        assert fake_slack.opened_views() == []
        # Tagged keys start with a brace (`{ns:t:…}`): match the namespace anywhere.
        left = sorted([k async for k in client.scan_iter(f"*{namespace}*")])
        audited = await client.smembers(f"{namespace}:audit:conversations")
    finally:
        await client.aclose()
    thread = f"{CHANNEL}:{file_ts}"
    # Once-per-job markers of the queue hold no data (only a job id) and keep a redelivered job from running
    # twice. Nor do the fair-use counters (a number per channel and hour or day, expiring with it):
    # forgetting a channel's data must not reset what it may still ask.
    counters = (":q:jobs}:seen:", f"{{{namespace}:limit}}:q:chan:", f"{{{namespace}:limit}}:t:chan:")
    kept = [k for k in left if not any(c in k for c in counters)]
    assert not [k for k in kept if thread in k or question_id in k or ":blob" in k or file_ts in k], kept
    assert not [k for k in kept if CHANNEL in k], kept  # the audit trail of the channel too
    assert CHANNEL not in audited


async def test_a_redelivered_question_leaves_nothing_holding_its_thread(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    # Each message is announced to the queue before its ack, so a later one cannot overtake it; a Slack
    # retry of a message already taken must not announce it again, or the thread's next questions would
    # wait for an announcement nobody takes back.
    fake_groq.respond_with(Model(["print(f\"units: {df['units'].sum()}\")"]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    client = aioredis.from_url(redis_url)
    try:
        async with running_bot(settings, namespace) as bot:
            url = events_url(bot)
            file_ts = await share_sales(fake_slack, url)
            await wait_card(fake_slack, CHANNEL, file_ts)
            question = message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts)
            await fake_slack.send_event(url, question, event_id="Ev0RETRIED01")
            await wait_final(fake_slack, CHANNEL, file_ts)
            retried = await fake_slack.send_event(url, question, event_id="Ev0RETRIED01", retry_num=1)
            assert retried.status == 200
            standing = [k async for k in client.scan_iter(f"*{namespace}*:incoming")]
        assert standing == []
        assert len(finals(fake_slack, CHANNEL, file_ts)) == 1
    finally:
        await client.aclose()
