"""`/analyze privacy` through the real bolt app: only admins change it, it is kept in Redis, and the next
question is worked in that mode (the fake model records every request; the thread shows the real values)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from tests.bot_helpers import CHANNEL, bot_settings, events_url, message_text, running_bot, wait_final
from tests.fakes.groq_server import FakeGroq, Reply, run_python
from tests.fakes.slack import FakeSlack, file_share_event, message_event
from tests.test_privacy_engine import CITIES, CSV, NAMES, NOTE_WORDS, PII, leaks
from tests.test_slack_e2e import wait_card

ADMIN, LISTED, MEMBER = "U0ADMIN001", "U0LISTED01", "U0ALICE001"


def first_customer(body: dict[str, Any]) -> Reply | str:
    """A model that prints the first row, then names its customer by what it was shown."""
    last = body["messages"][-1]
    if last["role"] != "tool":
        return run_python("print(df.head(1).to_string())")
    shown = re.findall(r"<CUSTOMER_\d+>|Maribel Quintanilla", last["content"])
    return f"The first customer is {shown[0] if shown else 'unknown'}."


async def privacy(fake: FakeSlack, url: str, user: str, text: str) -> str:
    reply = await fake.send_command(url, channel_id=CHANNEL, command="/analyze", text=text, user_id=user)
    assert reply.status == 200
    return await reply.text()  # bolt answers a text-only ack as plain text, shown to the caller alone


async def test_only_an_admin_sets_the_mode_and_the_next_question_uses_it(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_slack.workspace.add_user(MEMBER, "Ana")
    fake_slack.workspace.add_user(ADMIN, "Olu")["is_admin"] = True
    fake_groq.respond_with(first_customer)
    key = f"{namespace}:s:privacy:{CHANNEL}"
    redis = aioredis.from_url(redis_url)
    try:
        settings = replace(bot_settings(fake_slack, fake_groq, redis_url, tmp_path), admin_user_ids=frozenset({LISTED}))
        async with running_bot(settings, namespace) as bot:
            url = events_url(bot)
            file_obj = fake_slack.register_file(None, "customers.csv", CSV)
            share = file_share_event(CHANNEL, MEMBER, file_obj)
            await fake_slack.send_event(url, share)
            await wait_card(fake_slack, CHANNEL, str(share["ts"]))
            assert "*full* mode" in await privacy(fake_slack, url, MEMBER, "privacy")

            refused = await privacy(fake_slack, url, MEMBER, "privacy schema")
            assert refused.startswith("Only a workspace admin or owner") and await redis.get(key) is None
            assert "privacy full" in await privacy(fake_slack, url, ADMIN, "privacy everything")
            assert await redis.get(key) is None

            assert "*redacted* mode" in await privacy(fake_slack, url, LISTED, "privacy redacted")
            assert await redis.get(key) == b"redacted"
            done = await privacy(fake_slack, url, ADMIN, "privacy schema")
            assert "*schema* mode" in done and await redis.get(key) == b"schema"

            question = message_event(CHANNEL, MEMBER, "Who is the first customer?", thread_ts=str(share["ts"]))
            await fake_slack.send_event(url, question)
            final = message_text(await wait_final(fake_slack, CHANNEL, str(share["ts"])))
    finally:
        await redis.aclose()
    bodies = [json.dumps(r.json, ensure_ascii=False) for r in fake_groq.requests]
    assert len(bodies) == 2 and "<CUSTOMER_" in bodies[1]
    assert leaks(bodies, NAMES + CITIES + NOTE_WORDS + PII) == []
    assert "The first customer is Maribel Quintanilla." in final
