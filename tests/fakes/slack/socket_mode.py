"""The Socket Mode side of the fake: the WebSocket `apps.connections.open` hands out.

Protocol (as slack_sdk's Socket Mode clients speak it): the client GETs the URL (`/link/?ticket=…`), upgrades,
and receives `{"type": "hello", …}`. Slack then sends envelopes `{"envelope_id", "type": "events_api" |
"slash_commands" | "interactive", "payload", "accepts_response_payload", …}` and the app acks each with
`{"envelope_id", "payload"?}`. `{"type": "disconnect"}` asks the client to reconnect with a fresh URL.
The client pings; aiohttp answers pongs for us.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.slack.common import API_APP_ID, Notifier

log = logging.getLogger(__name__)

LINK_PATH = "/link/"


@dataclass(frozen=True)
class Ack:
    """An acknowledgement the app sent back over the socket."""

    envelope_id: str
    payload: dict[str, Any] | None
    raw: dict[str, Any]


class SocketModeHub:
    """Connected sockets, envelopes pushed, acks received."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self.acks: list[Ack] = []
        self.pushed: list[dict[str, Any]] = []
        self.hellos_sent = 0

    @property
    def connections(self) -> int:
        """Sockets open right now."""
        return len(self._sockets)

    def issue_url(self, ws_root: str) -> str:
        """A fresh connection URL, as `apps.connections.open` returns it."""
        ticket = secrets.token_hex(16)
        self._tickets.add(ticket)
        return f"{ws_root}{LINK_PATH}?ticket={ticket}&app_id={API_APP_ID}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The WebSocket endpoint: refuses unknown tickets, says hello, records acks until the end."""
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": API_APP_ID},
            }
        )
        self._sockets.append(ws)
        self.hellos_sent += 1
        self._notifier.changed()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._record(msg.data)
        finally:
            self._sockets.remove(ws)
            self._notifier.changed()
        return ws

    def _record(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            log.warning("fake slack: a socket client sent non-JSON text")
            return
        if isinstance(message, dict) and "envelope_id" in message:
            payload = message.get("payload")
            self.acks.append(Ack(str(message["envelope_id"]), payload if isinstance(payload, dict) else None, message))
            self._notifier.changed()

    async def wait_connected(self, timeout: float = 5.0) -> web.WebSocketResponse:
        """The newest open socket, waiting for a client to connect if none is."""
        return await self._notifier.wait_until(
            lambda: self._sockets[-1] if self._sockets else None, timeout, lambda: "a Socket Mode connection"
        )

    async def push(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Send one envelope on the newest socket; returns its `envelope_id`."""
        ws = await self.wait_connected(timeout)
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason or "")
        self.pushed.append(envelope)
        await ws.send_json(envelope)
        return str(envelope["envelope_id"])

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        """The ack for `envelope_id`, waiting for it if it has not come yet."""
        return await self._notifier.wait_until(
            lambda: next((a for a in self.acks if a.envelope_id == envelope_id), None),
            timeout,
            lambda: f"the ack of envelope {envelope_id} (acks so far: {[a.envelope_id for a in self.acks]})",
        )

    async def request_reconnect(self, reason: str = "refresh_requested") -> None:
        """Send `{"type": "disconnect"}` on every socket, as Slack does before rotating a connection."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}})

    async def close_all(self) -> None:
        """Close every socket (server going away)."""
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
