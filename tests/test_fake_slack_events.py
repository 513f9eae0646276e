"""The fake's event and command builders encode typed text as Slack does, markup left alone."""

from __future__ import annotations

from tests.fakes.slack import BOT_USER_ID, app_mention_event, command_payload, mention_events, message_event, slack_text


def test_typed_ampersands_and_angle_brackets_arrive_as_entities() -> None:
    assert slack_text("b > 1 & a < 5") == "b &gt; 1 &amp; a &lt; 5"
    assert message_event("C1", text="b > 1 & a < 5")["text"] == "b &gt; 1 &amp; a &lt; 5"
    payload = command_payload(text="b > 1 & a < 5", channel_id="C1", response_url="http://x.test/r")
    assert payload["text"] == "b &gt; 1 &amp; a &lt; 5"


def test_slack_markup_is_not_encoded_and_nothing_is_encoded_twice() -> None:
    text = "<@U0BOB00001> see <#C0DATA0001|sales>, <https://x.test/a?b=1&c=2|doc> & <!here>"
    assert slack_text(text) == text.replace(" & ", " &amp; ")
    mention, message = mention_events("C1", text="a < b")
    assert mention["text"] == message["text"] == f"<@{BOT_USER_ID}> a &lt; b"
    assert app_mention_event("C1", text="x &amp; y")["text"].endswith("x &amp; y")
