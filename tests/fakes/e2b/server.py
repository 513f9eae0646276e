"""A local fake of E2B that the real `e2b_code_interpreter` SDK talks to over HTTP.

Two listeners on 127.0.0.1, like E2B's two hosts:

* the control plane (`api_url`): `POST /v2/sandboxes`, `GET|DELETE /sandboxes/{id}`,
  `POST /sandboxes/{id}/timeout|pause`, `POST /v2/sandboxes/{id}/connect`, checked against
  `X-API-KEY`, answering with E2B's JSON shapes and status codes (404 for an unknown sandbox);
* the sandbox proxy (`sandbox_url`): the SDK sends every sandbox request to this one URL and
  names the target in the `E2b-Sandbox-Id` / `E2b-Sandbox-Port` headers, exactly as it does for
  E2B's shared `sandbox.<domain>` host. Port 49983 is envd (`GET /health`, `POST /files`,
  checked against `X-Access-Token`), port 49999 the code-interpreter server (`POST /execute`,
  NDJSON lines `stdout|stderr|result|error|number_of_executions|keepalive|end_of_execution`).
  A sandbox that is gone answers 502 "... was not found", as E2B's proxy does.

Each sandbox behind the proxy is a `sandbox.FakeSandbox`: a real, stateful ipykernel.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fakes.e2b.sandbox import HOME, FakeSandbox

ENVD_PORT = 49983
JUPYTER_PORT = 49999
ENVD_VERSION = "0.6.4"
KEEPALIVE_S = 1.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. `plane` is "api" or "sandbox"; `body` is parsed JSON or None."""

    plane: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"code": status, "message": message, **extra}, status=status)


class FakeE2B:
    """The running fake: URLs to point the SDK at, recorded requests, and a `kill` switch.

    Args:
        api_key: the only key the control plane accepts.
    """

    def __init__(self, api_key: str = "e2b_fake_test_key") -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.sandboxes: dict[str, FakeSandbox] = {}
        self.gone: set[str] = set()
        self.api_url = ""
        self.sandbox_url = ""
        self._cache_dir = Path(tempfile.gettempdir()) / "fake-e2b-cache"
        self._runners: list[web.AppRunner] = []

    @property
    def creates(self) -> list[RecordedRequest]:
        """Every create-sandbox request, in order."""
        return [r for r in self.requests if r.plane == "api" and r.method == "POST" and r.path == "/v2/sandboxes"]

    async def start(self) -> None:
        api = web.Application(middlewares=[self._recorder("api")])
        api.router.add_post("/v2/sandboxes", self._create)
        api.router.add_get("/sandboxes/{id}", self._info)
        api.router.add_delete("/sandboxes/{id}", self._delete)
        api.router.add_post("/sandboxes/{id}/timeout", self._set_timeout)
        api.router.add_post("/sandboxes/{id}/pause", self._pause)
        api.router.add_post("/v2/sandboxes/{id}/connect", self._connect)
        proxy = web.Application(middlewares=[self._recorder("sandbox")])
        proxy.router.add_route("*", "/{tail:.*}", self._sandbox_plane)
        self.api_url = await self._listen(api)
        self.sandbox_url = await self._listen(proxy)

    async def stop(self) -> None:
        for sandbox_id in list(self.sandboxes):
            await self.kill(sandbox_id)
        for runner in self._runners:
            await runner.cleanup()

    async def kill(self, sandbox_id: str) -> None:
        """Make a sandbox vanish: its kernel dies, streams drop, and later calls see 404/502."""
        sandbox = self.sandboxes.pop(sandbox_id, None)
        self.gone.add(sandbox_id)
        if sandbox is not None:
            await sandbox.stop()

    async def _listen(self, app: web.Application) -> str:
        # handler_cancellation: a client dropping /execute must cancel the handler (-> interrupt).
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    def _recorder(self, plane: str) -> Any:
        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            body: Any = None
            if request.content_type == "application/json" and request.can_read_body:
                body = await request.json()
            headers = {k.lower(): v for k, v in request.headers.items()}
            self.requests.append(RecordedRequest(plane, request.method, request.path, headers, body))
            if plane == "api" and request.headers.get("X-API-KEY") != self.api_key:
                return _error(401, "Invalid API key, it must start with 'e2b_'")
            result: web.StreamResponse = await handler(request)
            return result

        return record

    def _sandbox_json(self, sandbox: FakeSandbox) -> dict[str, Any]:
        return {
            "templateID": sandbox.template,
            "sandboxID": sandbox.sandbox_id,
            "clientID": "fake-client",
            "envdVersion": ENVD_VERSION,
            "envdAccessToken": sandbox.envd_token,
            "domain": None,
        }

    def _known(self, request: web.Request) -> FakeSandbox | None:
        return self.sandboxes.get(request.match_info["id"])

    def _not_found(self, request: web.Request) -> web.Response:
        return _error(404, f"sandbox \"{request.match_info['id']}\" doesn't exist or you don't have access to it")

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        sandbox = FakeSandbox("i" + secrets.token_hex(10), body, self._cache_dir)
        await sandbox.start()
        self.sandboxes[sandbox.sandbox_id] = sandbox
        return web.json_response(self._sandbox_json(sandbox), status=201)

    async def _info(self, request: web.Request) -> web.Response:
        sandbox = self._known(request)
        if sandbox is None:
            return self._not_found(request)
        end = sandbox.started_at + timedelta(seconds=sandbox.timeout)
        detail = {
            **self._sandbox_json(sandbox),
            "startedAt": sandbox.started_at.isoformat(),
            "endAt": end.isoformat(),
            "cpuCount": 2,
            "memoryMB": 512,
            "diskSizeMB": 1024,
            "state": sandbox.state,
            "metadata": {},
        }
        return web.json_response(detail)

    async def _delete(self, request: web.Request) -> web.Response:
        if self._known(request) is None:
            return self._not_found(request)
        await self.kill(request.match_info["id"])
        return web.Response(status=204)

    async def _set_timeout(self, request: web.Request) -> web.Response:
        sandbox = self._known(request)
        if sandbox is None:
            return self._not_found(request)
        sandbox.timeout = int((await request.json())["timeout"])
        return web.Response(status=204)

    async def _pause(self, request: web.Request) -> web.Response:
        sandbox = self._known(request)
        if sandbox is None:
            return self._not_found(request)
        if sandbox.state == "paused":
            return _error(409, "sandbox is already paused")
        sandbox.state = "paused"  # the kernel keeps running: a memory snapshot in spirit
        return web.Response(status=204)

    async def _connect(self, request: web.Request) -> web.Response:
        sandbox = self._known(request)
        if sandbox is None:
            return self._not_found(request)
        resumed = sandbox.state == "paused"
        sandbox.state = "running"
        return web.json_response(self._sandbox_json(sandbox), status=201 if resumed else 200)

    async def _sandbox_plane(self, request: web.Request) -> web.StreamResponse:
        sandbox_id = request.headers.get("E2b-Sandbox-Id", "")
        port = request.headers.get("E2b-Sandbox-Port", "")
        sandbox = self.sandboxes.get(sandbox_id)
        if sandbox is not None and sandbox.state == "paused" and sandbox.auto_resume:
            sandbox.state = "running"
        if sandbox is None or sandbox.state != "running":
            return _error(502, f"The sandbox {sandbox_id} was not found", sandboxId=sandbox_id)
        if port == str(ENVD_PORT):
            if request.headers.get("X-Access-Token") != sandbox.envd_token:
                return _error(401, "invalid access token")
            if request.method == "GET" and request.path == "/health":
                return web.Response(status=204)
            if request.method == "POST" and request.path == "/files":
                return await self._write_files(request, sandbox)
        elif port == str(JUPYTER_PORT):
            if request.method == "GET" and request.path == "/health":
                return web.Response(text="OK")
            if request.method == "POST" and request.path == "/execute":
                return await self._execute(request, sandbox)
        else:
            return _error(502, f"The sandbox is running but port {port} is not open", sandboxId=sandbox_id)
        return _error(404, f"{request.method} {request.path} is not served by the fake")

    async def _write_files(self, request: web.Request, sandbox: FakeSandbox) -> web.Response:
        written: list[tuple[str, bytes]] = []
        if request.content_type == "application/octet-stream":
            written.append((request.query["path"], await request.read()))
        else:
            parts = [p for p in (await request.post()).getall("file", []) if isinstance(p, web.FileField)]
            for part in parts:
                # A lone file is named by ?path=, several by their multipart file names.
                path = request.query.get("path") if len(parts) == 1 else None
                written.append((path or part.filename, part.file.read()))
        infos = []
        for path, data in written:
            try:
                target = sandbox.host_path(path)
            except ValueError:
                return _error(400, f"the fake envd only writes under {HOME}: {path}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            full = HOME / target.relative_to(sandbox.home)
            infos.append({"name": full.name, "type": "file", "path": str(full)})
        return web.json_response(infos)

    async def _execute(self, request: web.Request, sandbox: FakeSandbox) -> web.StreamResponse:
        if request.headers.get("X-Access-Token") != sandbox.envd_token:
            return _error(401, "invalid access token")
        body = await request.json()
        job = sandbox.submit(str(body["code"]))
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        transport = request.transport
        if transport is not None:
            sandbox.streams.add(transport)
        finished = False
        try:
            while True:
                try:
                    line = await asyncio.wait_for(job.lines.get(), KEEPALIVE_S)
                except TimeoutError:
                    line = {"type": "keepalive"}  # a write is how a silent disconnect shows up
                if line is None:
                    break
                await response.write((json.dumps(line) + "\n").encode())
            await response.write(b'{"type": "end_of_execution"}\n')
            await response.write_eof()
            finished = True
        finally:
            job.abandoned = not finished
            if transport is not None:
                sandbox.streams.discard(transport)
        return response
