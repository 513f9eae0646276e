"""The wire half of the fake Slack: one aiohttp server on 127.0.0.1 (port 0) and what it records.

It serves:
  - the Web API at `base_url` (`http://127.0.0.1:PORT/api/`; the SDK appends method names), with bearer-token
    checks (`not_authed`, `invalid_auth`, `not_allowed_token_type` as Slack answers, all with status 200),
    every call recorded in order, and error injection (`fail_next`);
  - file downloads at `url_private[_download]` (bot token required; otherwise an HTML login page, status 200,
    as real Slack answers) and the upload URLs of the `files_upload_v2` flow;
  - `response_url` hooks for slash commands and actions (recorded);
  - the Socket Mode WebSocket that `apps.connections.open` hands out (see `socket_mode`).

Tests use its subclass `server.FakeSlack`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.slack.args import ApiFailure
from tests.fakes.slack.common import Notifier
from tests.fakes.slack.socket_mode import LINK_PATH, SocketModeHub
from tests.fakes.slack.webapi import Workspace

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Form and query bodies carry these as JSON strings; recorded calls show them decoded, as JSON bodies do.
JSON_FIELDS = ("blocks", "attachments", "files", "metadata", "chunks", "loading_messages", "prompts")
LOGIN_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>'
    '<body><h1>Sign in to Slack</h1><form action="/signin" method="post"></form></body></html>'
)


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call as the fake received and answered it."""

    method: str
    args: dict[str, Any]
    headers: Mapping[str, str]
    http_verb: str
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when the fake received it (time.monotonic)

    @property
    def ok(self) -> bool:
        """Whether the fake answered `ok: true`."""
        return bool(self.response.get("ok"))


@dataclass(frozen=True)
class ResponseUrlPost:
    """A POST an app made to a `response_url` the fake handed out."""

    hook_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Download:
    """A file download attempt; `authorized` is False when it got the login page."""

    file_id: str
    authorized: bool


@dataclass
class _Injected:
    error: str
    status: int
    retry_after: int | None
    times: int


class SlackWire:
    """The server, its workspace state and its records. `await start()` / `await stop()`.

    Args:
        bot_token: The `xoxb-…` token Web API calls and downloads must carry.
        app_token: The `xapp-…` token `apps.connections.open` must carry.
        signing_secret: The app's signing secret (used by the subclass to sign what it sends the app).
    """

    def __init__(self, bot_token: str, app_token: str, signing_secret: str) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.workspace = Workspace()
        self.notifier = Notifier()
        self.socket = SocketModeHub(self.notifier)
        self.responses: list[ResponseUrlPost] = []
        self.downloads: list[Download] = []
        self._calls: list[RecordedCall] = []
        self._injected: dict[str, list[_Injected]] = {}
        self._holds: dict[str, list[tuple[Callable[[dict[str, Any]], bool], asyncio.Event]]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.workspace.methods["apps.connections.open"] = lambda args: {
            "ok": True,
            "url": self.socket.issue_url(f"ws://127.0.0.1:{self.port}"),
        }

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT` (the host of file and upload URLs)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The Web API base URL to give the SDK (`AsyncWebClient(base_url=…)`, `SLACK_API_URL`)."""
        return f"{self.root_url}/api/"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/files-pri/{key}/{tail:.+}", self._download)
        app.router.add_post("/upload/v1/{key}", self._upload)
        app.router.add_post("/response_url/{hook}", self._response_url)
        app.router.add_get(LINK_PATH, self.socket.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        self.workspace.root_url = self.root_url
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Close sockets and stop listening."""
        await self.socket.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- records ------------------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Recorded Web API calls in arrival order, all or those of one method (e.g. `"chat.postMessage"`)."""
        return [c for c in self._calls if method is None or c.method == method]

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        *,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail with `{"ok": false, "error": error}` and `status`.

        A 429 carries `Retry-After: retry_after` (whole seconds, as Slack sends it). Injected failures are
        recorded like any call and apply after the token check.
        """
        self._injected.setdefault(method, []).append(_Injected(error, status, retry_after, times))

    def hold_next(self, method: str, predicate: Callable[[dict[str, Any]], bool] | None = None) -> asyncio.Event:
        """Answer the next call of `method` (whose args `predicate` accepts) only once the returned event is set.

        The call is carried out and recorded at once; only its reply waits, as when a network stalls after
        Slack acted: a test can break something else (kill Redis) between the action and the app learning of it.
        `method` "files.download" holds a file download (args: `file_id`) before any byte is sent.
        """
        gate = asyncio.Event()
        self._holds.setdefault(method, []).append((predicate or (lambda _args: True), gate))
        return gate

    def _take_hold(self, method: str, args: dict[str, Any]) -> asyncio.Event | None:
        holds = self._holds.get(method, [])
        for index, (predicate, gate) in enumerate(holds):
            if predicate(args):
                del holds[index]
                return gate
        return None

    # -- HTTP handlers -----------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    return web.json_response({"ok": False, "error": "invalid_json"})
                args.update(body)
            else:
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in JSON_FIELDS:
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else args.pop("token", None)
        args.pop("token", None)
        status, headers, reply = self._answer(method, token, args)
        self._calls.append(RecordedCall(method, args, dict(request.headers), request.method, status, reply))
        self.notifier.changed()
        if gate := self._take_hold(method, args):
            await gate.wait()
        return web.json_response(reply, status=status, headers=headers)

    def _answer(
        self, method: str, token: str | None, args: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        kind = {self.bot_token: "bot", self.app_token: "app"}.get(token or "")
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if kind is None:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        if (kind == "app") != (method in APP_TOKEN_METHODS):
            return 200, {}, {"ok": False, "error": "not_allowed_token_type"}
        if injected := self._take_injection(method):
            headers = {}
            if injected.status == 429 and injected.retry_after is not None:
                headers["Retry-After"] = str(injected.retry_after)
            return injected.status, headers, {"ok": False, "error": injected.error}
        handler = self.workspace.methods.get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method", "req_method": method}
        try:
            return 200, {}, handler(args)
        except ApiFailure as failure:
            return 200, {}, {"ok": False, "error": failure.error, **failure.extra}

    def _take_injection(self, method: str) -> _Injected | None:
        queue = self._injected.get(method)
        if not queue:
            return None
        injected = queue[0]
        injected.times -= 1
        if injected.times <= 0:
            queue.pop(0)
        return injected

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["key"].partition("-")[2]
        authorized = request.headers.get("Authorization") == f"Bearer {self.bot_token}"
        self.downloads.append(Download(file_id, authorized))
        self.notifier.changed()
        stored = self.workspace.files.get(file_id)
        if gate := self._take_hold("files.download", {"file_id": file_id}):
            await gate.wait()
        if not authorized:
            return web.Response(text=LOGIN_PAGE, content_type="text/html")
        if stored is None:
            return web.Response(status=404, text="file not found", content_type="text/html")
        return web.Response(body=stored.content, content_type=stored.mimetype)

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.workspace.uploads.get(request.match_info["key"])
        if upload is None:
            return web.Response(status=404, text="upload not found", content_type="text/plain")
        upload.content = await request.read()
        self.notifier.changed()
        return web.Response(text=f"OK - {len(upload.content)}", content_type="text/plain")

    async def _response_url(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        self.responses.append(ResponseUrlPost(request.match_info["hook"], body if isinstance(body, dict) else {}))
        self.notifier.changed()
        return web.Response(text="ok", content_type="text/plain")
