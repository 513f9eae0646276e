"""The fake Slack playing Slack towards a real bolt AsyncApp, served over HTTP and over Socket Mode (through
slack_sdk's Socket Mode client). Nothing here builds Web API requests by hand."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import (
    DEFAULT_CHANNEL,
    DEFAULT_DM,
    DEFAULT_USER,
    FAKE_APP_TOKEN,
    FAKE_BOT_TOKEN,
    Download,
    FakeSlack,
    file_share_event,
    message_event,
    send_event,
    send_url_verification,
)

CH = DEFAULT_CHANNEL


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
