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

Behind each sandbox a real, stateful ipykernel runs (started with jupyter_client). It is test
infrastructure running test code, so it is not jailed; it only runs under bubblewrap to get
its own mount namespace, where a per-sandbox temp dir is bound at `/home/user`. That way code
really finds uploads at `/home/user/data/NAME`, as in E2B, without touching the host's /home.
Like E2B's server, a dropped `/execute` stream interrupts the kernel and keeps its state.
"""

from __future__ import annotations

import asyncio
import json
import queue
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from aiohttp import web
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager

ENVD_PORT = 49983
JUPYTER_PORT = 49999
ENVD_VERSION = "0.6.4"
HOME = PurePosixPath("/home/user")
KEEPALIVE_S = 1.0
# MIME types the code-interpreter server lifts into named fields of a result line.
_RESULT_FIELDS = {
    "text/plain": "text",
    "text/html": "html",
    "text/markdown": "markdown",
    "image/svg+xml": "svg",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "application/pdf": "pdf",
    "text/latex": "latex",
    "application/json": "json",
    "application/javascript": "javascript",
    "e2b/data": "data",
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. `plane` is "api" or "sandbox"; `body` is parsed JSON or None."""

    plane: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class _Job:
    code: str
    lines: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    abandoned: bool = False


class FakeSandbox:
    """One fake sandbox: a kernel in its own mount namespace, a home dir, and a job worker."""

    def __init__(self, sandbox_id: str, create_body: dict[str, Any], cache_dir: Path) -> None:
        self.sandbox_id = sandbox_id
        self.template = str(create_body.get("templateID", ""))
        self.timeout = int(create_body.get("timeout", 300))
        self.auto_resume = bool((create_body.get("autoResume") or {}).get("enabled", False))
        self.env_vars: dict[str, str] = dict(create_body.get("envVars") or {})
        self.envd_token = secrets.token_hex(16)
        self.state = "running"
        self.started_at = datetime.now(UTC)
        self.root = Path(tempfile.mkdtemp(prefix=f"fake-e2b-{sandbox_id}-"))
        self.home = self.root / "home"
        self.home.mkdir()
        self._cache_dir = cache_dir
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.streams: set[asyncio.Transport] = set()
        self.km: AsyncKernelManager | None = None
        self.kc: Any = None

    def host_path(self, path: str) -> Path:
        """Where a sandbox path under /home/user lives on the host."""
        pure = PurePosixPath(path) if path.startswith("/") else HOME / path
        rel = pure.relative_to(HOME)  # ValueError outside /home/user
        if ".." in rel.parts:
            raise ValueError(path)
        return self.home / rel

    async def start(self) -> None:
        kernels = self.root / "kernels" / "fake-e2b"
        kernels.mkdir(parents=True)
        argv = [
            "bwrap",
            "--dev-bind",
            "/",
            "/",
            "--tmpfs",
            "/home",
            "--bind",
            str(self.home),
            str(HOME),
            "--chdir",
            str(HOME),
            "--die-with-parent",
            "--",
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ]
        spec = {"argv": argv, "display_name": "fake-e2b", "language": "python", "interrupt_mode": "message"}
        (kernels / "kernel.json").write_text(json.dumps(spec))
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(HOME),
            "LANG": "C.UTF-8",
            # E2B's template shows figures inline; this makes each figure an image/png display.
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "MPLCONFIGDIR": str(self._cache_dir / "matplotlib"),  # font cache built once, not per sandbox
            **self.env_vars,
        }
        self.km = AsyncKernelManager(
            kernel_name="fake-e2b",
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(self.root / "kernels")]),
            connection_file=str(self.root / "connection.json"),
        )
        await self.km.start_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=60)
        self._worker = asyncio.create_task(self._work(), name=f"fake-e2b-{self.sandbox_id}")

    async def stop(self) -> None:
        """Kill the kernel at once and drop every open stream, as a killed microVM would."""
        self.state = "killed"
        for transport in list(self.streams):
            transport.abort()
        if self._worker is not None:
            self._worker.cancel()
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            await self.km.shutdown_kernel(now=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def submit(self, code: str) -> _Job:
        job = _Job(code)
        self._jobs.put_nowait(job)
        return job

    async def _work(self) -> None:
        # One cell at a time, like the real server's per-context lock.
        while True:
            job = await self._jobs.get()
            if not job.abandoned:
                await self._run(job)

    async def _run(self, job: _Job) -> None:
        assert self.km is not None
        msg_id = self.kc.execute(job.code, store_history=True, allow_stdin=False)
        interrupted = False
        while True:
            if job.abandoned and not interrupted:
                await self.km.interrupt_kernel()  # the client went away: stop the cell, keep state
                interrupted = True
            try:
                msg = await self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                job.lines.put_nowait(None)
                return
            line = ndjson_line(msg)
            if line is not None:
                job.lines.put_nowait(line)


def ndjson_line(msg: dict[str, Any]) -> dict[str, Any] | None:
    """Map one iopub message to the line E2B's code-interpreter server streams for it."""
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        stamp = msg["header"]["date"]
        return {"type": content["name"], "text": content["text"], "timestamp": str(stamp.isoformat())}
    if kind == "execute_input":
        return {"type": "number_of_executions", "execution_count": content["execution_count"]}
    if kind == "error":
        tb = "".join(content["traceback"])
        return {"type": "error", "name": content["ename"], "value": content["evalue"], "traceback": tb}
    if kind in ("display_data", "execute_result"):
        data = dict(content["data"])
        line: dict[str, Any] = {"type": "result", "is_main_result": kind == "execute_result"}
        for mime, name in _RESULT_FIELDS.items():
            if mime in data:
                line[name] = data.pop(mime)
        text = line.get("text")
        if isinstance(text, str) and len(text) > 1 and text[0] == text[-1] == "'":
            line["text"] = text[1:-1]  # the real server unquotes a str repr
        line["extra"] = data
        return line
    return None


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
