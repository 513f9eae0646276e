"""The local backend: an ipykernel jailed by bubblewrap, one per sandbox.

Lifecycle: `create()` lays out a private workspace (data read-only to the kernel, an IPC
directory for the ZeroMQ sockets, since TCP cannot cross the empty network namespace), starts
the jail, and waits for the kernel to answer. A cell that runs past its timeout is interrupted
over the control channel and the kernel keeps its state; a kernel that ignores the interrupt,
crashes or is killed makes the sandbox lost. Local sandboxes live only as long as the process
that started them: another process's `connect()` gets `SandboxLost` and resurrects.
"""

from __future__ import annotations

import asyncio
import collections
import errno
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import uuid
from contextlib import suppress
from pathlib import Path

from jupyter_client.asynchronous.client import AsyncKernelClient

from agent import texts
from agent.errors import SandboxLost, SandboxUnavailable
from agent.sandbox import jail, procs
from agent.sandbox.base import DATA_DIR, Execution, ExecutionError
from agent.sandbox.jail import JAIL_LAUNCH_ENV
from agent.sandbox.kernel import CellTimeout, drain_until_idle, run_cell, send_interrupt

log = logging.getLogger(__name__)

_BOOT_FILE = Path(__file__).with_name("kernel_boot.py")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_UID_RANGE = (100_000, 165_000)
HEARTBEAT_GRACE_S = 10.0
INTERRUPT_GRACE_S = 10.0  # generous: a loaded host can take seconds to schedule the kernel again
_SHORT_TMP = "/tmp" if os.path.isdir("/tmp") else None


class LocalSandbox:
    """One jailed kernel. Created by `LocalSandboxProvider.create`."""

    def __init__(self, sandbox_id: str, workspace: Path, ipc_dir: Path, uid: int | None, output_cap: int) -> None:
        self._id = sandbox_id
        self._workspace = workspace
        self._ipc_dir = ipc_dir
        self.uid = uid
        self._output_cap = output_cap
        self._proc: asyncio.subprocess.Process | None = None
        self._client: AsyncKernelClient | None = None
        self._keep: set[int] = set()
        self._kernel_pid = 0
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self._stderr_task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def sandbox_id(self) -> str:
        return self._id

    @property
    def pid(self) -> int | None:
        """Host pid of the outer bwrap process (for operators and tests)."""
        return self._proc.pid if self._proc else None

    async def start(self, argv: list[str], timeout: float) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C aimed at the bot must not reach the kernel
            # bwrap's own process (pid 1 in the jail) keeps the environment it was started with, and a
            # kernel running as the bot's uid can read /proc/1/environ: start it with no secrets at all.
            env=JAIL_LAUNCH_ENV,
        )
        self._stderr_task = asyncio.create_task(self._read_stderr())
        info = json.loads((self._ipc_dir / "kernel.json").read_text())
        info["ip"] = str(self._ipc_dir / "k")
        client = AsyncKernelClient()
        client.load_connection_info(info)
        # jupyter_client calls a kernel dead after one missed 1 s heartbeat, and a kernel still importing
        # pandas on a loaded host misses it: startup then fails with "died" (a real exit is seen by `died`).
        client.hb_channel.time_to_dead = HEARTBEAT_GRACE_S
        client.start_channels()
        self._client = client
        ready = asyncio.create_task(client.wait_for_ready(timeout=timeout))
        died = asyncio.create_task(self._proc.wait())
        done, _ = await asyncio.wait({ready, died}, timeout=timeout + 1, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done or ready.exception() is not None:
            ready.cancel()
            died.cancel()
            await self.close()
            detail = " ".join(self._stderr_tail).strip()[-600:]
            if not detail:
                code = self._proc.returncode
                detail = f"exited with code {code}" if code is not None else f"no answer within {timeout:g} s"
            raise SandboxUnavailable(_explain_start_failure(detail), misconfigured=_jail_refused(detail))
        died.cancel()
        # Whatever runs in the jail now (its init and the kernel) is legitimate; anything that
        # appears later was started by user code and is fair game for `reap_strays`.
        initial = procs.descendants(self._proc.pid)
        self._keep = {pid for pid, _ in initial}
        self._kernel_pid = initial[-1][0]  # bwrap's init comes first, the kernel below it

    async def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        # Kernels echo captured output to stderr too; keep only a bounded tail for diagnostics.
        while chunk := await self._proc.stderr.read(65536):
            self._stderr_tail.append(chunk.decode(errors="replace")[-2000:])

    async def upload(self, name: str, data: bytes) -> str:
        if not _SAFE_NAME.match(name):
            raise ValueError(f"unsafe file name for the sandbox: {name!r}")
        self._ensure_running()
        target = self._workspace / "data" / name
        tmp = target.with_name(f".{name}.{secrets.token_hex(4)}")
        try:
            await asyncio.to_thread(tmp.write_bytes, data)
        except OSError as exc:
            tmp.unlink(missing_ok=True)  # a partial copy must not take the little room left
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                log.error("sandbox_disk_full sandbox=%s dir=%s", self._id, self._workspace)
                raise SandboxUnavailable(texts.DISK_FULL) from None
            raise
        tmp.chmod(0o644)
        tmp.replace(target)
        return f"{DATA_DIR}/{name}"

    async def run(self, code: str, timeout: float) -> Execution:
        async with self._lock:
            self._ensure_running()
            assert self._proc is not None and self._client is not None
            cell = asyncio.create_task(run_cell(self._client, code, timeout, self._output_cap))
            died = asyncio.create_task(self._proc.wait())
            try:
                await asyncio.wait({cell, died}, return_when=asyncio.FIRST_COMPLETED)
                if cell.done():
                    try:
                        return cell.result()
                    except CellTimeout as timed_out:
                        return await self._interrupt(timed_out, timeout, died)
                raise self._lost_error()
            finally:
                cell.cancel()
                died.cancel()
                if self._proc.returncode is None:
                    await asyncio.to_thread(procs.reap_strays, self._proc.pid, self._keep)

    async def _interrupt(self, timed_out: CellTimeout, timeout: float, died: asyncio.Task[int]) -> Execution:
        assert self._client is not None and self._proc is not None
        log.info("sandbox_cell_timeout sandbox=%s timeout_s=%.1f", self._id, timeout)
        # Freeze the kernel while its offspring are killed, so a fork bomb cannot outpace us;
        # forked copies of the kernel would otherwise also answer the interrupt on its sockets.
        await asyncio.to_thread(procs.freeze_and_reap, self._proc.pid, self._keep, self._kernel_pid)
        send_interrupt(self._client)
        idle = asyncio.create_task(drain_until_idle(self._client, timed_out.msg_id, INTERRUPT_GRACE_S))
        await asyncio.wait({idle, died}, return_when=asyncio.FIRST_COMPLETED)
        if not (idle.done() and idle.result()):
            idle.cancel()
            log.warning("sandbox_unresponsive sandbox=%s: killing it", self._id)
            await self.close()
            raise SandboxLost("The sandbox did not stop after its time limit and was shut down.")
        partial = timed_out.partial
        return Execution(
            stdout=partial.stdout,
            stderr=partial.stderr,
            results=partial.results,
            truncated=partial.truncated,
            duration_s=partial.duration_s,
            error=ExecutionError(
                name="TimeoutError",
                value=f"The code ran for more than {timeout:g} s and was stopped.",
                traceback=f"TimeoutError: execution exceeded the {timeout:g} s limit",
            ),
        )

    def _ensure_running(self) -> None:
        if self._closed or self._proc is None or self._proc.returncode is not None:
            raise self._lost_error()

    def _lost_error(self) -> SandboxLost:
        code = self._proc.returncode if self._proc else None
        if self._closed:
            return SandboxLost(f"sandbox {self._id} was closed")
        return SandboxLost(f"sandbox {self._id} died (exit status {code})")

    async def is_alive(self) -> bool:
        if self._closed or self._proc is None or self._proc.returncode is not None or self._client is None:
            return False
        return bool(await self._client.is_alive())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._client is not None:
            self._client.stop_channels()
        if self._proc is not None:
            inside = await asyncio.to_thread(procs.descendants, self._proc.pid)
            if self._proc.returncode is None:
                with suppress(ProcessLookupError):
                    self._proc.kill()
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._proc.wait(), 10)
            # The jail's init takes everything with it; make sure before we report it closed.
            if not await asyncio.to_thread(procs.wait_gone, inside, 5.0):
                await asyncio.to_thread(procs.kill_all, inside)
        if self._stderr_task is not None:
            self._stderr_task.cancel()
        await asyncio.to_thread(shutil.rmtree, self._workspace, True)
        await asyncio.to_thread(shutil.rmtree, self._ipc_dir, True)


def _jail_refused(detail: str) -> bool:
    return "namespace" in detail or "Operation not permitted" in detail or "uid map" in detail


def _explain_start_failure(detail: str) -> str:
    if _jail_refused(detail):
        return (
            "The local sandbox could not start because bubblewrap may not create namespaces here "
            "(inside Docker this needs a seccomp profile that allows user namespaces). "
            f"Use E2B instead (set E2B_API_KEY). Detail: {detail}"
        )
    return f"The local sandbox kernel did not start. Detail: {detail or 'no output'}"


class LocalSandboxProvider:
    """Starts jailed kernels on this host and remembers the ones still alive."""

    kind = "local"

    def __init__(
        self,
        *,
        root: Path | None = None,
        limits: jail.JailLimits | None = None,
        start_timeout_s: float = 60.0,
        tool_path: str | None = None,
    ) -> None:
        self._root = root
        self._tool_path = tool_path
        self._limits = limits or jail.JailLimits()
        self._start_timeout_s = start_timeout_s
        self._live: dict[str, LocalSandbox] = {}

    async def create(self) -> LocalSandbox:
        """A new jailed kernel. One that fails to come up gets one more try: a loaded host can miss the
        deadline once, and a question should not fail for it. A jail the host refuses fails at once."""
        try:
            return await self._create_once()
        except SandboxUnavailable as first:
            if first.misconfigured:
                raise
            log.warning("sandbox_start_retry kind=local reason=%s", first)
            return await self._create_once()

    async def _create_once(self) -> LocalSandbox:
        tools = jail.require_tools(self._tool_path)
        sandbox_id = f"local-{uuid.uuid4().hex}"
        uid = self._pick_uid() if os.geteuid() == 0 else None
        workspace = Path(tempfile.mkdtemp(prefix="dataagent-sbx-", dir=self._root))
        (workspace / "data").mkdir(mode=0o755)
        (workspace / "data").chmod(0o755)
        # Unix socket paths are limited to about 107 bytes, so the sockets live in a short temp path
        # whatever the workspace root is.
        ipc = Path(tempfile.mkdtemp(prefix="da-ipc-", dir=_SHORT_TMP))
        connection = {
            "transport": "ipc",
            "ip": f"{jail.IPC_DIR}/k",
            "shell_port": 1,
            "iopub_port": 2,
            "stdin_port": 3,
            "control_port": 4,
            "hb_port": 5,
            "key": secrets.token_hex(32),
            "signature_scheme": "hmac-sha256",
            "kernel_name": "",
        }
        (ipc / "kernel.json").write_text(json.dumps(connection))
        if uid is not None:
            os.chown(ipc, uid, uid)
            os.chown(ipc / "kernel.json", uid, uid)
        argv = jail.build_argv(
            tools=tools, uid=uid, workspace=workspace, ipc_dir=ipc, boot_file=_BOOT_FILE, limits=self._limits
        )
        sandbox = LocalSandbox(sandbox_id, workspace, ipc, uid, self._limits.output_cap_bytes)
        await sandbox.start(argv, self._start_timeout_s)
        self._live[sandbox_id] = sandbox
        log.info("sandbox_started kind=local sandbox=%s", sandbox_id)
        return sandbox

    def _pick_uid(self) -> int:
        taken = {s.uid for s in self._live.values()}
        while True:
            uid = _UID_RANGE[0] + secrets.randbelow(_UID_RANGE[1] - _UID_RANGE[0])
            if uid not in taken:
                return uid

    async def connect(self, sandbox_id: str) -> LocalSandbox:
        sandbox = self._live.get(sandbox_id)
        if sandbox is None or not await sandbox.is_alive():
            self._live.pop(sandbox_id, None)
            raise SandboxLost(f"no live local sandbox {sandbox_id} in this process")
        return sandbox

    async def aclose(self) -> None:
        live, self._live = list(self._live.values()), {}
        await asyncio.gather(*(s.close() for s in live), return_exceptions=True)
