"""One fake E2B sandbox: a real, stateful ipykernel (started with jupyter_client) and its job worker.

It is test infrastructure running test code, so it is not jailed; it only runs under bubblewrap to get
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
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager

HOME = PurePosixPath("/home/user")
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
