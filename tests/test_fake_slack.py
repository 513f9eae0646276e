"""The fake Slack, proven with the real clients: slack_sdk's AsyncWebClient and Socket Mode client, and a real
bolt AsyncApp served over HTTP and over Socket Mode. Nothing here builds Web API requests by hand."""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_common import DEFAULT_CHANNEL, DEFAULT_DM, DEFAULT_USER, TEAM_ID
from tests.fakes.slack_delivery import send_event, send_url_verification
from tests.fakes.slack_events import (
    file_share_event,
    message_changed_event,
    message_event,
)
from tests.fakes.slack_server import Download, FakeSlack

CH = DEFAULT_CHANNEL
# The fixture's credentials (kept literal here: importing the fixture module would defeat pytest_plugins).
FAKE_BOT_TOKEN = "xoxb-test"
FAKE_APP_TOKEN = "xapp-test"


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


@pytest.fixture
def web_client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=FAKE_BOT_TOKEN, base_url=fake_slack.base_url, timeout=5)


@dataclass
class BoltHTTP:
    app: AsyncApp
    url: str


@pytest.fixture
async def bolt_http(fake_slack: FakeSlack) -> AsyncIterator[BoltHTTP]:
    """A real AsyncApp behind its aiohttp adapter on a free port; tests add listeners."""
    client = AsyncWebClient(token=FAKE_BOT_TOKEN, base_url=fake_slack.base_url, timeout=5)
    app = AsyncApp(client=client, signing_secret=fake_slack.signing_secret)
    runner = web.AppRunner(app.web_app(path="/slack/events"), shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield BoltHTTP(app, f"http://127.0.0.1:{port}/slack/events")
    finally:
        await runner.cleanup()


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


# -- bolt over HTTP --------------------------------------------------------------------------------------


async def test_bolt_http_runs_the_listener_for_a_signed_event(fake_slack: FakeSlack, bolt_http: BoltHTTP) -> None:
    @bolt_http.app.event("message")
    async def echo(event: dict[str, Any], say: Any) -> None:
        await say(text=f"echo: {event['text']}", thread_ts=event["ts"])

    event = message_event(CH, DEFAULT_USER, "hello")
    resp = await fake_slack.send_event(bolt_http.url, event)
    assert resp.status == 200

    reply = await fake_slack.wait_for("chat.postMessage", lambda c: c.args.get("thread_ts") == event["ts"])
    assert reply.args["text"] == "echo: hello"
    assert texts(fake_slack.thread_messages(CH, event["ts"])) == ["hello", "echo: hello"]
    assert fake_slack.calls("auth.test")[0].ok  # bolt authorised the request against the fake


async def test_bolt_http_rejects_a_bad_signature(fake_slack: FakeSlack, bolt_http: BoltHTTP) -> None:
    @bolt_http.app.event("message")
    async def echo(event: dict[str, Any], say: Any) -> None:
        await say(text=event["text"], channel=event["channel"])

    forged = await send_event(bolt_http.url, "not-the-secret", message_event(CH, text="forged"))
    stale = await send_event(
        bolt_http.url,
        fake_slack.signing_secret,
        message_event(CH, text="stale"),
        timestamp=int(time.time()) - 600,
    )
    assert (forged.status, stale.status) == (401, 401)

    genuine = await fake_slack.send_event(bolt_http.url, message_event(CH, text="genuine"))
    assert genuine.status == 200
    await fake_slack.wait_for("chat.postMessage", lambda c: c.args["text"] == "genuine")
    assert [c.args["text"] for c in fake_slack.calls("chat.postMessage")] == ["genuine"]


async def test_bolt_http_answers_url_verification(bolt_http: BoltHTTP, fake_slack: FakeSlack) -> None:
    resp = await send_url_verification(bolt_http.url, fake_slack.signing_secret, "challenge-123")
    assert resp.status == 200
    assert (await resp.json())["challenge"] == "challenge-123"


async def test_bolt_http_sees_retry_headers(fake_slack: FakeSlack, bolt_http: BoltHTTP) -> None:
    @bolt_http.app.event("message")
    async def report(event: dict[str, Any], request: Any, say: Any) -> None:
        retry = request.headers.get("x-slack-retry-num", ["none"])[0]
        await say(text=f"retry={retry}", thread_ts=event["ts"])

    event = message_event(DEFAULT_DM, text="again?")
    assert event["channel_type"] == "im"
    await fake_slack.send_event(bolt_http.url, event, event_id="Ev0SAMEID01", retry_num=1)
    reply = await fake_slack.wait_for("chat.postMessage")
    assert reply.args["text"] == "retry=1"


async def test_bolt_http_file_share_can_be_downloaded(fake_slack: FakeSlack, bolt_http: BoltHTTP) -> None:
    @bolt_http.app.event({"type": "message", "subtype": "file_share"})
    async def on_file(event: dict[str, Any], client: AsyncWebClient, say: Any) -> None:
        shared = event["files"][0]
        headers = {"Authorization": f"Bearer {client.token}"}
        async with aiohttp.ClientSession() as s, s.get(shared["url_private_download"], headers=headers) as r:
            data = await r.read()
        await say(text=f"{shared['name']}: {len(data)} bytes", thread_ts=event.get("thread_ts") or event["ts"])

    root = message_event(CH, text="data attached below")
    fake_slack.seed(root)  # the thread exists in Slack; the app has no listener for plain messages here
    file_obj = fake_slack.register_file(None, "q1.csv", b"a,b\n1,2\n")
    await fake_slack.send_event(bolt_http.url, file_share_event(CH, DEFAULT_USER, file_obj, thread_ts=root["ts"]))

    reply = await fake_slack.wait_for("chat.postMessage")
    assert (reply.args["text"], reply.args["thread_ts"]) == ("q1.csv: 8 bytes", root["ts"])
    assert fake_slack.downloads == [Download(file_obj["id"], True)]


async def test_bolt_http_command_acks_and_responds(fake_slack: FakeSlack, bolt_http: BoltHTTP) -> None:
    @bolt_http.app.command("/analyze")
    async def analyze(ack: Any, respond: Any, command: dict[str, str]) -> None:
        await ack()
        await respond(text=f"analysing {command['text']} in {command['channel_id']}")

    resp = await fake_slack.send_command(bolt_http.url, channel_id=CH, command="/analyze", text="sales.csv")
    assert resp.status == 200
    posted = await fake_slack.wait_for_response()
    assert posted.body["text"] == f"analysing sales.csv in {CH}"


async def test_bolt_http_button_click_reaches_the_action(
    fake_slack: FakeSlack, bolt_http: BoltHTTP, web_client: AsyncWebClient
) -> None:
    @bolt_http.app.action("show_code")
    async def show_code(ack: Any, body: dict[str, Any], say: Any) -> None:
        await ack()
        container = body["container"]
        await say(text=f"code for {body['actions'][0]['value']}", thread_ts=container["thread_ts"])

    root = await web_client.chat_postMessage(channel=CH, text="question")
    button = {"type": "button", "action_id": "show_code", "text": {"type": "plain_text", "text": "Code"}}
    answer = await web_client.chat_postMessage(
        channel=CH,
        thread_ts=root["ts"],
        text="42",
        blocks=[{"type": "actions", "block_id": "actions", "elements": [{**button, "value": "run-7"}]}],
    )
    resp = await fake_slack.send_action(bolt_http.url, "show_code", "run-7", channel=CH, message_ts=answer["ts"])
    assert resp.status == 200
    reply = await fake_slack.wait_for("chat.postMessage", lambda c: c.args["text"] == "code for run-7")
    assert reply.args["thread_ts"] == root["ts"]


async def test_seeded_edits_show_in_replies(fake_slack: FakeSlack, web_client: AsyncWebClient) -> None:
    original = message_event(CH, text="sum of sales")
    fake_slack.seed(original)
    fake_slack.seed(message_changed_event(CH, {**original, "text": "mean of sales"}))
    replies = await web_client.conversations_replies(channel=CH, ts=original["ts"])
    assert texts(replies["messages"]) == ["mean of sales"]


# -- bolt over Socket Mode -------------------------------------------------------------------------------


@pytest.fixture
async def socket_app(fake_slack: FakeSlack) -> AsyncIterator[AsyncApp]:
    """A real AsyncApp connected through bolt's AsyncSocketModeHandler (slack_sdk's aiohttp client)."""
    client = AsyncWebClient(token=FAKE_BOT_TOKEN, base_url=fake_slack.base_url, timeout=5)
    app = AsyncApp(client=client)
    handler = AsyncSocketModeHandler(app, FAKE_APP_TOKEN)
    # bolt leaves these two unannotated.
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        yield app
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


async def test_socket_mode_event_is_acked_and_handled(fake_slack: FakeSlack, socket_app: AsyncApp) -> None:
    @socket_app.event("message")
    async def echo(event: dict[str, Any], say: Any) -> None:
        await say(text=f"socket echo: {event['text']}", thread_ts=event["ts"])

    event = message_event(CH, text="over the socket")
    envelope_id = await fake_slack.push_event(event)
    ack = await fake_slack.wait_for_ack(envelope_id)
    assert ack.payload is None
    reply = await fake_slack.wait_for("chat.postMessage")
    assert (reply.args["text"], reply.args["thread_ts"]) == ("socket echo: over the socket", event["ts"])
    opened = fake_slack.calls("apps.connections.open")[0]
    assert opened.headers["Authorization"] == f"Bearer {FAKE_APP_TOKEN}"


async def test_socket_mode_command_ack_carries_its_payload(fake_slack: FakeSlack, socket_app: AsyncApp) -> None:
    @socket_app.command("/analyze")
    async def analyze(ack: Any, command: dict[str, str]) -> None:
        await ack(text=f"queued: {command['text']}")

    envelope_id = await fake_slack.push_command("/analyze", "sales.csv", channel_id=CH)
    ack = await fake_slack.wait_for_ack(envelope_id)
    assert ack.payload == {"text": "queued: sales.csv"}


async def test_socket_mode_client_reconnects_on_disconnect(fake_slack: FakeSlack, socket_app: AsyncApp) -> None:
    @socket_app.event("message")
    async def noop() -> None:
        return None

    await fake_slack.socket.request_reconnect()
    await fake_slack.wait_until(
        lambda: fake_slack.socket.hellos_sent == 2 and fake_slack.socket.connections == 1,
        what="a second connection replacing the first",
    )
    assert len(fake_slack.calls("apps.connections.open")) == 2
    envelope_id = await fake_slack.push_event(message_event(CH, text="after reconnect"))
    await fake_slack.wait_for_ack(envelope_id)


async def test_socket_mode_button_click_is_acked(
    fake_slack: FakeSlack, socket_app: AsyncApp, web_client: AsyncWebClient
) -> None:
    @socket_app.action("show_code")
    async def show_code(ack: Any, body: dict[str, Any], say: Any) -> None:
        await ack()
        await say(text="the code", thread_ts=body["container"]["message_ts"])

    answer = await web_client.chat_postMessage(channel=CH, text="42")
    envelope_id = await fake_slack.push_action("show_code", "run-1", channel=CH, message_ts=answer["ts"])
    await fake_slack.wait_for_ack(envelope_id)
    reply = await fake_slack.wait_for("chat.postMessage", lambda c: c.args["text"] == "the code")
    assert reply.args["thread_ts"] == answer["ts"]
