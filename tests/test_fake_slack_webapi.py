"""The fake Slack's Web API and files, proven with the real slack_sdk AsyncWebClient (the `web_client`
fixture). Nothing here builds Web API requests by hand."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import (
    DEFAULT_CHANNEL,
    DEFAULT_USER,
    FAKE_APP_TOKEN,
    FAKE_BOT_TOKEN,
    TEAM_ID,
    Download,
    FakeSlack,
    message_changed_event,
    message_event,
)

CH = DEFAULT_CHANNEL


def tiny_png() -> bytes:
    """A valid 1x1 PNG, so the bytes checked on arrival are a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("text")) for m in messages]


# -- Web API ---------------------------------------------------------------------------------------------


async def test_web_client_posts_threads_updates_and_sets_status(
    fake_slack: FakeSlack, web_client: AsyncWebClient
) -> None:
    root = await web_client.chat_postMessage(channel=CH, text="Working on it…")
    reply = await web_client.chat_postMessage(channel=CH, thread_ts=root["ts"], text="The total is 42")
    assert float(reply["ts"]) > float(root["ts"])
    await web_client.chat_update(channel=CH, ts=root["ts"], text="Done")
    await web_client.assistant_threads_setStatus(channel_id=CH, thread_ts=root["ts"], status="is analysing…")
    await web_client.reactions_add(channel=CH, timestamp=root["ts"], name="white_check_mark")

    replies = await web_client.conversations_replies(channel=CH, ts=root["ts"])
    assert texts(replies["messages"]) == ["Done", "The total is 42"]
    assert replies["messages"][0]["reactions"][0]["name"] == "white_check_mark"
    assert texts(fake_slack.thread_messages(CH, root["ts"])) == ["Done", "The total is 42"]
    assert fake_slack.statuses(CH, root["ts"]) == ["is analysing…"]
    history = await web_client.conversations_history(channel=CH)
    assert texts(history["messages"]) == ["Done"]  # replies stay in their thread

    posted = fake_slack.calls("chat.postMessage")
    assert [c.args.get("thread_ts") for c in posted] == [None, root["ts"]]
    assert posted[0].headers["Authorization"] == f"Bearer {FAKE_BOT_TOKEN}"

    await web_client.chat_delete(channel=CH, ts=reply["ts"])
    assert texts(fake_slack.thread_messages(CH, root["ts"])) == ["Done"]

    await web_client.chat_postEphemeral(channel=CH, user=DEFAULT_USER, thread_ts=root["ts"], text="only you")
    [whisper] = fake_slack.ephemeral_messages(CH)
    assert (whisper["recipient"], whisper["text"]) == (DEFAULT_USER, "only you")
    assert texts(fake_slack.thread_messages(CH, root["ts"])) == ["Done"]  # ephemeral is not in the thread


async def test_web_api_refuses_what_slack_refuses(fake_slack: FakeSlack, web_client: AsyncWebClient) -> None:
    root = await web_client.chat_postMessage(channel=CH, text="hi")
    too_many = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    cases = [
        (web_client.chat_update(channel=CH, ts="1.000001", text="x"), "message_not_found"),
        (web_client.chat_postMessage(channel=CH, text="x", blocks=too_many), "invalid_blocks"),
        (web_client.chat_postMessage(channel=CH, text="x", blocks=too_long), "invalid_blocks"),
        (web_client.conversations_replies(channel=CH, ts="1.000001"), "thread_not_found"),
        (web_client.files_info(file="F0NOSUCH01"), "file_not_found"),
        (web_client.users_info(user="not-a-user"), "user_not_found"),
        (AsyncWebClient(token="xoxb-wrong", base_url=fake_slack.base_url).auth_test(), "invalid_auth"),
        (
            AsyncWebClient(token=FAKE_APP_TOKEN, base_url=fake_slack.base_url).auth_test(),
            "not_allowed_token_type",
        ),
        (web_client.apps_connections_open(app_token=FAKE_BOT_TOKEN), "not_allowed_token_type"),
    ]
    for call, error in cases:
        with pytest.raises(SlackApiError) as info:
            await call
        assert info.value.response["error"] == error
    await web_client.reactions_add(channel=CH, timestamp=root["ts"], name="eyes")
    with pytest.raises(SlackApiError, match="already_reacted"):
        await web_client.reactions_add(channel=CH, timestamp=root["ts"], name="eyes")
    assert len(fake_slack.calls("chat.postMessage")) == 3
    assert [c.ok for c in fake_slack.calls("chat.postMessage")] == [True, False, False]


async def test_auth_and_users_look_like_a_workspace(web_client: AsyncWebClient) -> None:
    auth = await web_client.auth_test()
    assert auth["team_id"] == TEAM_ID and auth["user_id"].startswith("U") and auth["bot_id"].startswith("B")
    user = await web_client.users_info(user=DEFAULT_USER)
    assert user["user"]["id"] == DEFAULT_USER and user["user"]["tz"]


async def test_users_conversations_lists_a_users_channels_a_page_at_a_time(
    fake_slack: FakeSlack, web_client: AsyncWebClient
) -> None:
    fake_slack.workspace.join("C0000000A1", DEFAULT_USER)
    fake_slack.workspace.join("G0000000B1", DEFAULT_USER)
    fake_slack.workspace.join("D0000000C1", DEFAULT_USER)
    fake_slack.workspace.join("C0000000Z9", "U0SOMEONE1")
    first = await web_client.users_conversations(user=DEFAULT_USER, types="public_channel,private_channel", limit=1)
    cursor = first["response_metadata"]["next_cursor"]
    second = await web_client.users_conversations(
        user=DEFAULT_USER, types="public_channel,private_channel", limit=1, cursor=cursor
    )
    assert [c["id"] for c in first["channels"] + second["channels"]] == ["C0000000A1", "G0000000B1"]
    assert second["response_metadata"]["next_cursor"] == ""
    ims = await web_client.users_conversations(user=DEFAULT_USER, types="im")
    assert [c["id"] for c in ims["channels"]] == ["D0000000C1"]


async def test_views_publish_keeps_each_users_home_and_refuses_what_slack_refuses(
    fake_slack: FakeSlack, web_client: AsyncWebClient
) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    published = await web_client.views_publish(user_id=DEFAULT_USER, view=home)
    assert published["view"]["id"] and fake_slack.home_views(DEFAULT_USER)[0]["blocks"] == home["blocks"]
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    for view, error in [
        ({**home, "type": "modal"}, "invalid_arguments"),
        ({**home, "blocks": [too_long]}, "invalid_blocks"),
    ]:
        with pytest.raises(SlackApiError) as info:
            await web_client.views_publish(user_id=DEFAULT_USER, view=view)
        assert info.value.response["error"] == error
    assert len(fake_slack.home_views(DEFAULT_USER)) == 1


async def test_fail_next_injects_a_rate_limit_once(fake_slack: FakeSlack, web_client: AsyncWebClient) -> None:
    fake_slack.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        await web_client.chat_postMessage(channel=CH, text="first")
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"
    assert info.value.response.headers["Retry-After"] == "7"
    await web_client.chat_postMessage(channel=CH, text="second")
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [429, 200]


async def test_rate_limit_is_retried_by_the_sdk_handler(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(
        token=FAKE_BOT_TOKEN,
        base_url=fake_slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake_slack.fail_next("chat.postMessage", retry_after=0)
    reply = await client.chat_postMessage(channel=CH, text="eventually")
    assert reply["ok"]
    assert [c.status for c in fake_slack.calls("chat.postMessage")] == [429, 200]


async def test_chat_stream_builds_one_message(fake_slack: FakeSlack, web_client: AsyncWebClient) -> None:
    root = await web_client.chat_postMessage(channel=CH, text="question")
    streamer = await web_client.chat_stream(
        channel=CH,
        thread_ts=root["ts"],
        recipient_team_id=TEAM_ID,
        recipient_user_id=DEFAULT_USER,
        buffer_size=1,
    )
    await streamer.append(markdown_text="**Total** ")
    await streamer.append(markdown_text="is 42")
    await streamer.stop()
    assert texts(fake_slack.thread_messages(CH, root["ts"])) == ["question", "**Total** is 42"]
    with pytest.raises(SlackApiError, match="message_not_in_streaming_state"):
        await web_client.chat_appendStream(channel=CH, ts=str(streamer.ts), markdown_text="late")


async def test_seeded_edits_show_in_replies(fake_slack: FakeSlack, web_client: AsyncWebClient) -> None:
    original = message_event(CH, text="sum of sales")
    fake_slack.seed(original)
    fake_slack.seed(message_changed_event(CH, {**original, "text": "mean of sales"}))
    replies = await web_client.conversations_replies(channel=CH, ts=original["ts"])
    assert texts(replies["messages"]) == ["mean of sales"]


# -- files -----------------------------------------------------------------------------------------------


async def test_files_upload_v2_puts_the_bytes_in_the_thread(fake_slack: FakeSlack, web_client: AsyncWebClient) -> None:
    root = await web_client.chat_postMessage(channel=CH, text="plot sales")
    done = await web_client.files_upload_v2(
        channel=CH,
        thread_ts=root["ts"],
        initial_comment="Here is the chart",
        file_uploads=[
            {
                "content": PNG,
                "filename": "sales.png",
                "title": "Sales by month",
                "alt_txt": "Bar chart of sales",
            },
            {"content": b"month,total\n", "filename": "sales.csv", "title": "Data"},
        ],
    )
    assert [f["name"] for f in done["files"]] == ["sales.png", "sales.csv"]

    png, csv = fake_slack.uploaded_files(CH, root["ts"])
    assert (png.content, png.filename, png.title, png.alt_txt) == (
        PNG,
        "sales.png",
        "Sales by month",
        "Bar chart of sales",
    )
    assert (png.channel, png.thread_ts, png.mimetype) == (CH, root["ts"], "image/png")
    assert csv.content == b"month,total\n"
    assert fake_slack.uploaded_files(CH, None) == []  # nothing leaked to the channel's top level
    carrier = fake_slack.thread_messages(CH, root["ts"])[-1]
    assert carrier["text"] == "Here is the chart"
    assert [f["id"] for f in carrier["files"]] == [png.id, csv.id]

    info = await web_client.files_info(file=png.id)
    assert info["file"]["shares"]["public"][CH][0]["thread_ts"] == root["ts"]
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            info["file"]["url_private_download"], headers={"Authorization": f"Bearer {FAKE_BOT_TOKEN}"}
        ) as resp,
    ):
        assert await resp.read() == PNG


async def test_registered_file_downloads_only_with_the_bot_token(fake_slack: FakeSlack) -> None:
    csv = b"region,sales\nnorth,10\n"
    file_obj = fake_slack.register_file("F0CSVFILE1", "sales.csv", csv)
    assert file_obj["size"] == len(csv) and file_obj["url_private_download"].startswith(fake_slack.root_url)

    async def fetch(headers: dict[str, str]) -> tuple[int, str, bytes]:
        async with (
            aiohttp.ClientSession() as s,
            s.get(file_obj["url_private_download"], headers=headers) as r,
        ):
            return r.status, r.content_type, await r.read()

    assert await fetch({"Authorization": f"Bearer {FAKE_BOT_TOKEN}"}) == (200, "text/csv", csv)
    for headers in ({}, {"Authorization": "Bearer xoxb-wrong"}):
        status, content_type, body = await fetch(headers)
        assert (status, content_type) == (200, "text/html") and b"<html" in body
    assert fake_slack.downloads == [Download("F0CSVFILE1", authorized) for authorized in (True, False, False)]


async def test_conversations_members_pages_by_opaque_cursor_and_hides_private_channels_the_bot_is_not_in(
    fake_slack: FakeSlack, web_client: AsyncWebClient
) -> None:
    fake_slack.workspace.join("C0000000A1", "U0000000X1", "U0000000X2", "U0000000X3")
    fake_slack.workspace.join("G0000000B1", "U0000000X1")  # private, without the bot
    first = await web_client.conversations_members(channel="C0000000A1", limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    assert cursor and not cursor.isdigit()  # opaque, as Slack's
    second = await web_client.conversations_members(channel="C0000000A1", limit=2, cursor=cursor)
    assert first["members"] + second["members"] == ["U0000000X1", "U0000000X2", "U0000000X3"]
    assert second["response_metadata"]["next_cursor"] == ""
    for kwargs, error in (
        ({"channel": "C0NOSUCH01"}, "channel_not_found"),
        ({"channel": "G0000000B1"}, "channel_not_found"),
        ({"channel": "C0000000A1", "cursor": "bm9wZQ=="}, "invalid_cursor"),
    ):
        with pytest.raises(SlackApiError) as failed:
            await web_client.conversations_members(**kwargs)
        assert failed.value.response["error"] == error
    with pytest.raises(SlackApiError) as bad_user:
        await web_client.users_conversations(user="not-a-user")
    assert bad_user.value.response["error"] == "user_not_found"


async def test_acting_in_an_open_channel_makes_a_member_but_a_closed_one_keeps_its_members(
    fake_slack: FakeSlack, web_client: AsyncWebClient
) -> None:
    fake_slack.workspace.join("G0000000B1", DEFAULT_USER)
    fake_slack.seed(message_event("C0000000A1", "U0000000X9", "hi"))
    fake_slack.seed(message_event("G0000000B1", "U0000000X9", "let me in"))
    mine = await web_client.users_conversations(user="U0000000X9", types="public_channel,private_channel")
    assert [c["id"] for c in mine["channels"]] == ["C0000000A1"]
    assert mine["channels"][0]["is_private"] is False
