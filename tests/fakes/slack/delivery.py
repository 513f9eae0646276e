"""Deliver events, slash commands and actions to an app over HTTP, signed exactly as Slack signs them.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 under the app's signing secret and sends
`X-Slack-Signature: v0=<hex>` and `X-Slack-Request-Timestamp`; retries add `X-Slack-Retry-Num` and
`X-Slack-Retry-Reason`. The helpers return the app's `aiohttp.ClientResponse` with its body already read,
so `resp.status`, `await resp.text()` and `await resp.json()` work after the session is closed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack.events import Event, command_payload, event_envelope


def signature_headers(signing_secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """`X-Slack-Request-Timestamp` and `X-Slack-Signature` for `body` (the exact bytes sent)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


async def post_signed(
    url: str,
    signing_secret: str,
    body: str,
    content_type: str,
    *,
    headers: Mapping[str, str] | None = None,
    timestamp: int | None = None,
    timeout: float = 10.0,
) -> aiohttp.ClientResponse:
    """POST `body` to `url` with Slack's signature headers; returns the response with its body read."""
    all_headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        **signature_headers(signing_secret, body, timestamp),
        **(headers or {}),
    }
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
        session.post(url, data=body.encode(), headers=all_headers) as resp,
    ):
        await resp.read()
        return resp


async def send_event(
    app_url: str,
    signing_secret: str,
    event: Event,
    *,
    event_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    timestamp: int | None = None,
    timeout: float = 10.0,
) -> aiohttp.ClientResponse:
    """POST `event` in its Events API envelope, as JSON, to the app's events URL.

    Args:
        app_url: The app's request URL, e.g. `http://127.0.0.1:PORT/slack/events`.
        signing_secret: The secret to sign with (a wrong one must get a 401 from a bolt app).
        event: The inner event (see the `events` builders).
        event_id: Reuse an id to model a redelivery; a fresh one otherwise.
        retry_num: When set, adds `X-Slack-Retry-Num` and `X-Slack-Retry-Reason` as a Slack retry does.
        retry_reason: The retry reason (`http_timeout`, `http_error`, `too_many_redirects`, `unknown_error`).
        timestamp: Override the signed timestamp (an old one models a replayed request).
        timeout: Seconds for the whole request.
    """
    body = json.dumps(event_envelope(event, event_id=event_id))
    headers = {}
    if retry_num is not None:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    return await post_signed(
        app_url,
        signing_secret,
        body,
        "application/json",
        headers=headers,
        timestamp=timestamp,
        timeout=timeout,
    )


async def send_url_verification(app_url: str, signing_secret: str, challenge: str) -> aiohttp.ClientResponse:
    """Slack's `url_verification` handshake; a bolt app answers with the challenge."""
    body = json.dumps({"token": "unused", "challenge": challenge, "type": "url_verification"})
    return await post_signed(app_url, signing_secret, body, "application/json")


async def send_command(
    app_url: str,
    signing_secret: str,
    *,
    response_url: str,
    channel_id: str,
    command: str = "/analyze",
    text: str = "",
    timeout: float = 10.0,
    **fields: Any,
) -> aiohttp.ClientResponse:
    """POST a slash command, form-encoded; `fields` go to `command_payload` (user_id, trigger_id, …)."""
    payload = command_payload(command, text, channel_id=channel_id, response_url=response_url, **fields)
    return await post_signed(
        app_url, signing_secret, urlencode(payload), "application/x-www-form-urlencoded", timeout=timeout
    )


async def send_action(
    app_url: str, signing_secret: str, payload: dict[str, Any], *, timeout: float = 10.0
) -> aiohttp.ClientResponse:
    """POST an interactivity payload (e.g. `block_actions_payload(...)`) as the form field `payload`."""
    body = urlencode({"payload": json.dumps(payload)})
    return await post_signed(app_url, signing_secret, body, "application/x-www-form-urlencoded", timeout=timeout)
