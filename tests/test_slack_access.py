"""Who may see what: a private channel's data reaches its members only, by every entry point, end to end
through the real bolt app, the fake Slack (membership from `users.conversations`) and real Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path

from handlers import texts
from tests.bot_helpers import action_ids, bot_settings, events_url, message_text, running_bot, wait_final
from tests.engine_helpers import Model, starts_a_question
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import BOT_USER_ID, FakeSlack, app_home_opened_event, mention_events, message_event
from tests.test_slack_answers import button_value
from tests.test_slack_e2e import share_sales, wait_card

PRIVATE = "G0PRIVATE1"
PUBLIC = "C0PUBLIC01"
ALICE = "U0ALICE001"  # shares the file in PRIVATE
BOB = "U0BOB00001"  # also in PRIVATE
MALLORY = "U0MALLORY1"  # in PUBLIC only
BOBS_QUESTION = "How many units in the West?"
UNITS = "print(f\"units: {df['units'].sum()}\")"


def ephemerals_to(fake: FakeSlack, user: str) -> list[str]:
    return [str(m.get("text")) for m in fake.ephemeral_messages() if m["recipient"] == user]


async def test_an_outsider_reaches_a_private_channels_data_by_no_entry_point_and_a_member_does(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_slack.workspace.join(PRIVATE, ALICE, BOB)
    fake_slack.workspace.join(PUBLIC, ALICE, MALLORY)
    fake_groq.respond_with(Model([UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url, channel=PRIVATE)
        await wait_card(fake_slack, PRIVATE, file_ts)
        card = next(m for m in fake_slack.thread_messages(PRIVATE, file_ts) if "ask_suggestion_0" in action_ids(m))
        # A member asks and is answered.
        await fake_slack.send_event(url, message_event(PRIVATE, ALICE, "Total units?", thread_ts=file_ts))
        final = await wait_final(fake_slack, PRIVATE, file_ts)
        assert "units: 20" in message_text(final)
        question_id = button_value(final, "show_code")
        # A message of Mallory's own channel to click on and run the shortcut from, carrying the private
        # file as a payload would (stored directly: the file was never shared in PUBLIC).
        private_file = fake_slack.workspace.find(PRIVATE, file_ts)["files"]  # type: ignore[index]
        here = message_event(PUBLIC, MALLORY, "hello")
        await fake_slack.send_event(url, here)
        forged = {**message_event(PUBLIC, MALLORY, "look"), "files": private_file, "type": "message"}
        fake_slack.workspace.store(PUBLIC, forged)

        # Mention and thread reply in the private channel (the worker's check: no path skips it).
        for event in mention_events(PRIVATE, MALLORY, "total units?"):
            await fake_slack.send_event(url, event)
        await fake_slack.send_event(
            url, message_event(PRIVATE, MALLORY, f"<@{BOT_USER_ID}> units again?", thread_ts=file_ts)
        )
        # /analyze: a question and the datasets list.
        await fake_slack.send_command(url, channel_id=PRIVATE, command="/analyze", text="total units?", user_id=MALLORY)
        asked = await fake_slack.wait_for_response(timeout=10)
        listed = await fake_slack.send_command(
            url, channel_id=PRIVATE, command="/analyze", text="datasets", user_id=MALLORY
        )
        listing = await listed.text()
        # Button replays with the private thread's ids: Show code, Try again, a suggested question.
        for action, value in (
            ("show_code", question_id),
            ("retry_question", question_id),
            ("ask_suggestion_0", button_value(card, "ask_suggestion_0")),
        ):
            await fake_slack.send_action(
                url, action, value, channel=PUBLIC, message_ts=str(here["ts"]), user_id=MALLORY
            )
        # The shortcut: on the private file from her channel, and on the private message itself.
        await fake_slack.send_shortcut(
            url, "analyze_file", channel=PUBLIC, message_ts=str(forged["ts"]), user_id=MALLORY
        )
        await fake_slack.send_shortcut(url, "analyze_file", channel=PRIVATE, message_ts=file_ts, user_id=MALLORY)
        shortcut_replies = [await fake_slack.wait_for_response(lambda r: r is not asked, timeout=10)]
        shortcut_replies.append(
            await fake_slack.wait_for_response(lambda r: r is not asked and r is not shortcut_replies[0], timeout=10)
        )
        # App Home.
        await fake_slack.send_event(url, app_home_opened_event(MALLORY))
        await fake_slack.send_event(url, app_home_opened_event(ALICE))
        mallory_home = await fake_slack.wait_until(lambda: fake_slack.home_views(MALLORY) or None, timeout=10)
        alice_home = await fake_slack.wait_until(lambda: fake_slack.home_views(ALICE) or None, timeout=10)
        await fake_slack.wait_until(lambda: len(ephemerals_to(fake_slack, MALLORY)) >= 3, timeout=10, what="notes")

        async def refused_in_worker() -> int:
            entries = await bot.deps.audit.entries(conversation=PRIVATE)
            return sum(e.user == MALLORY and e.outcome.startswith("refused") for e in entries)

        for _ in range(100):  # the two questions queued by the mention and the reply
            if await refused_in_worker() == 2:
                break
            await asyncio.sleep(0.1)
        assert await refused_in_worker() == 2
        member_listing = await fake_slack.send_command(
            url, channel_id=PRIVATE, command="/analyze", text="datasets", user_id=BOB
        )
        member_list = await member_listing.text()
        private_thread = fake_slack.thread_messages(PRIVATE, file_ts)
        (alices,) = [e for e in await bot.deps.audit.entries(conversation=PRIVATE) if e.user == ALICE]

    # Nothing Mallory did reached the model, opened a modal or posted in either channel.
    assert sum(starts_a_question(r.json) for r in fake_groq.requests) == 1  # Alice's question only
    assert fake_slack.opened_views() == []
    assert len(finals_in(private_thread)) == 1
    assert not [m for m in fake_slack.workspace.messages.get(PUBLIC, {}).values() if m.get("user") != MALLORY]
    assert asked.body["text"] == texts.NOT_A_MEMBER and asked.body.get("response_type") == "ephemeral"
    assert listing == texts.NOT_A_MEMBER
    assert ephemerals_to(fake_slack, MALLORY).count(texts.NOT_A_MEMBER) == 3  # the three buttons
    assert {str(r.body["text"]) for r in shortcut_replies} == {texts.SHORTCUT_NOT_HERE, texts.NOT_A_MEMBER}
    assert "sales.csv" not in message_text(mallory_home[-1])
    # A member can: the listing and the Home show the data, with when it is deleted.
    assert "sales.csv" in str(member_list)
    assert "sales.csv" in message_text(alice_home[-1]) and "kept until" in message_text(alice_home[-1])
    # The audit trail has the member's question, with its data and code.
    assert (alices.question, alices.thread, alices.outcome) == ("Total units?", file_ts, "answered")
    assert alices.datasets == ("sales.csv",) and "units" in alices.code


def finals_in(thread: list[dict[str, object]]) -> list[dict[str, object]]:
    return [m for m in thread if "show_code" in action_ids(m)]


async def test_membership_is_asked_once_per_user_for_a_busy_thread_and_a_failed_check_refuses(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_slack.workspace.join(PRIVATE, ALICE, BOB)
    fake_groq.respond_with(Model([UNITS, UNITS]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url, channel=PRIVATE)
        await wait_card(fake_slack, PRIVATE, file_ts)
        for question in ("Total units?", "And units in total, again?"):
            await fake_slack.send_event(url, message_event(PRIVATE, ALICE, question, thread_ts=file_ts))
        for _ in range(600):  # both questions finish (bounded: a minute)
            if len(await bot.deps.audit.entries(conversation=PRIVATE)) == 2:
                break
            await asyncio.sleep(0.1)
        # Slack fails Bob's check: he is refused with a sentence, not let through.
        fake_slack.fail_next("users.conversations", error="internal_error", status=200, retry_after=None)
        await fake_slack.send_event(
            url, message_event(PRIVATE, BOB, f"<@{BOT_USER_ID}> {BOBS_QUESTION}", thread_ts=file_ts)
        )
        note = await fake_slack.wait_until(
            lambda: next(
                (
                    m
                    for m in fake_slack.thread_messages(PRIVATE, file_ts)
                    if m.get("text") == texts.MEMBERSHIP_UNCHECKED
                ),
                None,
            ),
            timeout=30,
            what="the unchecked note",
        )
        entries = await bot.deps.audit.entries(conversation=PRIVATE)
    alice_checks = [c for c in fake_slack.calls("users.conversations") if c.args.get("user") == ALICE]
    assert len(alice_checks) == 1  # cached across her two questions
    assert note["thread_ts"] == file_ts
    assert not [r for r in fake_groq.requests if BOBS_QUESTION in str(r.json)]  # never reached the model
    assert [(e.user, e.outcome) for e in entries][2:] == [(BOB, "refused (unknown)")]
    assert [e.user for e in entries[:2]] == [ALICE, ALICE]
