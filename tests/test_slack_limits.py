"""Fair use through the real bot: fake Slack and model on the wire, limits counted in the real Redis."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from bot.app import Bot
from bot.config import Settings
from handlers.limits import HOUR_S, FairUse, LimitSettings
from tests.bot_helpers import CHANNEL, bot_settings, events_url, finals, running_bot
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq, Reply
from tests.fakes.slack import BOT_USER_ID, FakeSlack, message_event
from tests.test_slack_e2e import share_sales, wait_card

ALICE, BOB, ADMIN = "U0ALICE001", "U0BOB00001", "U0ADMIN001"
CODE = "print(len(df))"
PROMPT_TOKENS, COMPLETION_TOKENS = 100, 20  # every call; a question costs two calls (code, then the answer)


def priced(model: Model) -> Callable[[dict[str, Any]], Reply]:
    """The model, reporting fixed token counts in `usage` on every reply."""

    def reply(body: dict[str, Any]) -> Reply:
        answer = model(body)
        answer = answer if isinstance(answer, Reply) else Reply(answer)
        return dataclasses.replace(answer, prompt_tokens=PROMPT_TOKENS, completion_tokens=COMPLETION_TOKENS)

    return reply


def limited(settings: Settings, **limits: int) -> Settings:
    return dataclasses.replace(settings, **{"user_questions_per_hour": 0, **limits})


async def ask(fake: FakeSlack, url: str, thread_ts: str, user: str = ALICE, text: str = "How many rows?") -> None:
    # A mention: once two people talk in a thread the bot answers only when addressed.
    event = message_event(CHANNEL, user, f"<@{BOT_USER_ID}> {text}", thread_ts=thread_ts)
    response = await fake.send_event(url, event)
    assert response.status == 200


async def answered(fake: FakeSlack, thread_ts: str, count: int) -> None:
    await fake.wait_until(
        lambda: len(finals(fake, CHANNEL, thread_ts)) >= count or None, timeout=60, what=f"{count} answers"
    )


async def refusal(fake: FakeSlack, thread_ts: str) -> str:
    call = await fake.wait_for(
        "chat.postMessage",
        lambda c: c.args.get("thread_ts") == thread_ts and "ask again" in str(c.args.get("text")),
        timeout=30,
    )
    return str(call.args["text"])


def next_hour(text: str) -> None:
    """The refusal names the end of this clock hour, as a Slack date the reader sees in their own zone."""
    match = re.search(r"<!date\^(\d+)\^\{time\}\|(\d\d:\d\d) UTC>", text)
    assert match, text
    assert int(match.group(1)) == (int(time.time()) // HOUR_S + 1) * HOUR_S
    assert match.group(2).endswith(":00")


async def test_the_question_over_the_users_hourly_limit_is_refused_with_when_to_ask_again(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([CODE, CODE]))
    settings = limited(bot_settings(fake_slack, fake_groq, redis_url, tmp_path), user_questions_per_hour=2)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        for n in (1, 2):
            await ask(fake_slack, url, file_ts)
            await answered(fake_slack, file_ts, n)
        sent = len(fake_groq.requests)
        await ask(fake_slack, url, file_ts)
        text = await refusal(fake_slack, file_ts)
        # Another person in the same channel is not held to Alice's limit.
        fake_groq.respond_with(Model([CODE]))
        await ask(fake_slack, url, file_ts, user=BOB)
        await answered(fake_slack, file_ts, 3)
    assert text.startswith("You've asked 2 questions this hour (the limit is 2); you can ask again at <!date^")
    next_hour(text)
    assert len(fake_groq.requests) == sent + 2  # the refused question never reached the model; Bob's took 2 calls
    assert len(finals(fake_slack, CHANNEL, file_ts)) == 3


async def test_a_second_replica_on_the_same_redis_sees_the_same_count(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([CODE]))
    settings = limited(bot_settings(fake_slack, fake_groq, redis_url, tmp_path), user_questions_per_hour=1)
    async with running_bot(settings, namespace) as first, running_bot(settings, namespace) as second:
        file_ts = await share_sales(fake_slack, events_url(first))
        await wait_card(fake_slack, CHANNEL, file_ts)
        await ask(fake_slack, events_url(first), file_ts)
        await answered(fake_slack, file_ts, 1)
        await ask(fake_slack, events_url(second), file_ts, text="And the total revenue?")
        text = await refusal(fake_slack, file_ts)
    assert "You've asked 1 question this hour (the limit is 1)" in text
    assert len(finals(fake_slack, CHANNEL, file_ts)) == 1


async def limit_command(fake: FakeSlack, bot: Bot, user: str, text: str) -> str:
    reply = await fake.send_command(events_url(bot), channel_id=CHANNEL, command="/analyze", text=text, user_id=user)
    assert reply.status == 200
    return await reply.text()


async def test_only_an_admin_can_raise_a_channels_limit_and_the_raise_takes_effect(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_slack.workspace.add_user(ADMIN, "Ada")["is_admin"] = True
    fake_groq.respond_with(Model([CODE, CODE]))
    settings = limited(bot_settings(fake_slack, fake_groq, redis_url, tmp_path), channel_questions_per_hour=1)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await ask(fake_slack, url, file_ts)
        await answered(fake_slack, file_ts, 1)
        await ask(fake_slack, url, file_ts, user=BOB)
        refused = await refusal(fake_slack, file_ts)
        not_admin = await limit_command(fake_slack, bot, BOB, "limit 10")
        shown = await limit_command(fake_slack, bot, BOB, "limit")
        raised = await limit_command(fake_slack, bot, ADMIN, "limit 10 50,000")
        await ask(fake_slack, url, file_ts, user=BOB, text="And now?")
        await answered(fake_slack, file_ts, 2)
        reset = await limit_command(fake_slack, bot, ADMIN, "limit reset")
    assert refused.startswith("This channel has asked 1 question this hour (the limit is 1)")
    assert not_admin == "Only a workspace admin can change this channel's limits."
    assert shown.startswith(
        "This channel's limits are 1 questions per hour and unlimited model tokens per day;"
        " so far it has asked 1 question this hour and spent "
    )
    assert not shown.endswith("spent 0 tokens today.")  # Alice's answer was charged
    assert raised == "This channel's limits are now 10 questions per hour and 50,000 model tokens per day."
    assert reset == "This channel's limits are now 1 questions per hour and unlimited model tokens per day."


async def test_an_id_in_admin_user_ids_may_set_limits_and_bad_numbers_get_the_usage_line(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        bot_settings(fake_slack, fake_groq, redis_url, tmp_path), admin_user_ids=frozenset({BOB})
    )
    async with running_bot(settings, namespace) as bot:
        bad = await limit_command(fake_slack, bot, BOB, "limit -3")
        done = await limit_command(fake_slack, bot, BOB, "limit 0 0")
    assert bad.startswith("Usage: `/analyze limit <questions per hour> [<tokens per day>]`")
    assert done == "This channel's limits are now unlimited questions per hour and unlimited model tokens per day."


async def test_spent_tokens_stop_questions_for_the_day_and_each_answer_is_charged_what_the_model_reported(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(priced(Model([CODE, CODE])))
    per_question = 2 * (PROMPT_TOKENS + COMPLETION_TOKENS)
    settings = limited(bot_settings(fake_slack, fake_groq, redis_url, tmp_path), user_tokens_per_day=per_question + 1)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        for n in (1, 2):  # the second is still under the limit when it arrives
            await ask(fake_slack, url, file_ts)
            await answered(fake_slack, file_ts, n)
        await ask(fake_slack, url, file_ts)
        text = await refusal(fake_slack, file_ts)
        audited = await bot.deps.audit.entries(conversation=CHANNEL)
    spent = 2 * per_question
    # Each answer's own usage is kept with it, for an admin's `dataagent audit`.
    assert [(e.outcome, e.tokens) for e in audited if e.outcome == "answered"] == [("answered", per_question)] * 2
    assert text.startswith(f"Your questions have used {spent} model tokens today (the limit is {per_question + 1})")
    assert "{date_short_pretty} at {time}" in text
    client = aioredis.from_url(redis_url)
    try:
        limits = FairUse(client, namespace=namespace, settings=LimitSettings())
        assert await limits.used(ALICE, CHANNEL) == (2, 2, spent, spent)  # the refused one is not counted
    finally:
        await client.aclose()
