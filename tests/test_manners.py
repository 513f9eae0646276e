"""Conversation manners, as pure functions: which thread replies are for the bot, and the question's text."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from handlers.manners import Where, for_the_bot, is_chatter, mentioned_users, mentions_someone_else, question_text
from handlers.names import UserNames
from tests.fakes.slack import FakeSlack

BOT = "U0FAKEBOT1"
ACTIVE = Where(addressed=False, is_dm=False, active_thread=True, people=1)


@pytest.mark.parametrize(
    "text",
    [
        "thanks!",
        "Thank you so much, that's exactly what I needed",
        "thx",
        "ty",
        "ok",
        "Okay.",
        "cool",
        "great",
        "nice",
        "got it",
        "👍",
        "👍🏽",
        "lol",
        ":tada:",
        ":tada: :+1:",
        "🎉🎉",
        "nice one",
        "makes sense",
        "",
        "   ",
    ],
)
def test_chatter_is_not_a_question(text: str) -> None:
    assert is_chatter(text)
    assert not for_the_bot(text, BOT, ACTIVE)


@pytest.mark.parametrize(
    "text",
    [
        "Which region sells the most?",
        "ok?",
        "thanks! and what about East?",
        "Total units?",
        "plot revenue",
        "revenue by month",
        "Use the step",
        "Set up a step",
        "how many rows",
        "break it down by product and month please",
    ],
)
def test_questions_and_requests_are_taken(text: str) -> None:
    assert not is_chatter(text)
    assert for_the_bot(text, BOT, ACTIVE)


def test_a_reply_to_someone_else_is_not_for_the_bot() -> None:
    text = "<@U0BOB00001> can you double-check East?"
    assert mentions_someone_else(text, BOT)
    assert not for_the_bot(text, BOT, ACTIVE)
    assert not for_the_bot("<!here> who owns this data?", BOT, ACTIVE)
    # Mentioning the bot as well makes it the bot's question.
    assert not mentions_someone_else(f"<@{BOT}> what did <@U0BOB00001> sell?", BOT)


def test_a_mention_and_a_dm_are_always_taken() -> None:
    mention = Where(addressed=True, is_dm=False, active_thread=False, people=5)
    dm = Where(addressed=False, is_dm=True, active_thread=False, people=1)
    assert for_the_bot("thanks!", BOT, mention)
    assert for_the_bot("<@U0BOB00001> look", BOT, dm)


def test_two_people_talking_need_a_mention() -> None:
    crowded = Where(addressed=False, is_dm=False, active_thread=True, people=2)
    assert not for_the_bot("Which region sells the most?", BOT, crowded)


def test_outside_an_active_thread_nothing_unaddressed_is_taken() -> None:
    idle = Where(addressed=False, is_dm=False, active_thread=False, people=1)
    assert not for_the_bot("Which region sells the most?", BOT, idle)


def test_question_text_keeps_people_and_decodes_entities_once() -> None:
    names = {"U0BOB00001": "Bob"}
    assert question_text(f"<@{BOT}> what did <@U0BOB00001> sell", BOT, names) == "what did @Bob sell"
    assert question_text("what did <@U0BOB00001> sell", BOT, {}) == "what did @U0BOB00001 sell"
    assert question_text("what did <@U0BOB00001|bob> sell", BOT, {}) == "what did @bob sell"
    assert question_text(f"rows where b &gt; 1 &amp; a &lt; 5 <@{BOT}>", BOT, {}) == "rows where b > 1 & a < 5"
    # Typed literally as "&lt;", Slack sends "&amp;lt;": it must stay "&lt;".
    assert question_text("is &amp;lt; an entity", BOT, {}) == "is &lt; an entity"
    assert question_text("see <#C0DATA0001|sales> and <https://x.test/a|the doc>", BOT, {}) == (
        "see #sales and the doc"
    )


def test_mentioned_users_leaves_out_the_bot() -> None:
    text = f"<@{BOT}> <@U0BOB00001> and <@U0CAROL001|carol> and <@U0BOB00001>"
    assert mentioned_users(text, BOT) == ["U0BOB00001", "U0CAROL001"]


async def test_names_are_looked_up_once_and_fall_back_to_the_id(
    fake_slack: FakeSlack, web_client: AsyncWebClient
) -> None:
    fake_slack.workspace.add_user("U0BOB00001", "Bob")
    names = UserNames()
    assert await names.lookup(web_client, ["U0BOB00001"]) == {"U0BOB00001": "Bob"}
    assert await names.lookup(web_client, ["U0BOB00001", "not-a-user"]) == {"U0BOB00001": "Bob"}
    looked_up = [c.args.get("user") for c in fake_slack.calls("users.info")]
    assert looked_up == ["U0BOB00001", "not-a-user"]  # Bob from the cache the second time
