"""The local backend: an ipykernel jailed by bubblewrap, one per sandbox.

Lifecycle: `create()` lays out a private workspace (data and connection file, read-only to
the kernel), leases a host-wide unique uid (as root), makes the jail's cgroup where the host
allows, starts the jail under its seccomp filter, and connects once to the kernel's ZeroMQ
sockets (unix sockets in the jail's own tmpfs, since TCP cannot cross the empty network
namespace). Closing undoes all of it; a provider sweeps what dead processes left at start-up.
A cell that runs past its timeout is interrupted over the control channel and the kernel keeps
its state; a kernel that ignores the interrupt, crashes or is killed makes the sandbox lost.
Local sandboxes live only as long as the process that started them: another process's
`connect()` gets `SandboxLost` and resurrects.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import re
import secrets
import time
import uuid
from contextlib import suppress
from pathlib import Path

from jupyter_client.asynchronous.client import AsyncKernelClient

from agent import texts
from agent.errors import SandboxLost, SandboxUnavailable
from agent.sandbox import cgroups, jail, kernel, procs, seccomp
from agent.sandbox import workspace as ws
from agent.sandbox.base import DATA_DIR, Execution, ExecutionError
from agent.sandbox.jail import JAIL_LAUNCH_ENV
from agent.sandbox.kernel import CellTimeout, drain_until_idle, run_cell, send_interrupt
from agent.sandbox.stderr_tail import StderrTail
from agent.sandbox.uids import UidAllocator, UidLease

log = logging.getLogger(__name__)

_BOOT_FILE = Path(__file__).with_name("kernel_boot.py")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
INTERRUPT_GRACE_S = 10.0  # generous: a loaded host can take seconds to schedule the kernel again


class LocalSandbox:
    """One jailed kernel. Created by `LocalSandboxProvider.create`."""

    def __init__(
        self,
        sandbox_id: str,
        workspace: ws.Workspace,
        connection: kernel.Connection,
        output_cap: int,
        uid_lease: UidLease | None = None,
        cgroup: cgroups.JailCgroup | None = None,
    ) -> None:
        self._id = sandbox_id
        self._workspace = workspace
        self._connection = connection
        self._uid_lease = uid_lease
        self.uid = uid_lease.uid if uid_lease else None
        self.cgroup = cgroup
        self._output_cap = output_cap
        self._proc: asyncio.subprocess.Process | None = None
        self._client: AsyncKernelClient | None = None
        self._keep: set[int] = set()
        self._kernel_pid = 0
        self._threads = 0
        self._stderr: StderrTail | None = None
        self._died: asyncio.Task[int] | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def sandbox_id(self) -> str:
        return self._id

    @property
    def pid(self) -> int | None:
        """Host pid of the outer bwrap process (for operators and tests)."""
        return self._proc.pid if self._proc else None

    async def start(self, argv: list[str], timeout: float, pass_fds: tuple[int, ...] = ()) -> None:
        self._stderr = StderrTail()
        self._proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self._stderr.write_fd,
            start_new_session=True,  # a Ctrl-C aimed at the bot must not reach the kernel
            # bwrap's own process (pid 1 in the jail) keeps the environment it was started with, and a
            # kernel running as the bot's uid can read /proc/1/environ: start it with no secrets at all.
            env=JAIL_LAUNCH_ENV,
            pass_fds=pass_fds,
        )
        self._stderr.start()
        ready = asyncio.create_task(self._connect(timeout))
        # One watch on the jail's exit for its whole life: each `Process.wait` leaves a waiter with the
        # transport until the process exits, cancelled or not (one per cell, when made per cell).
        self._died = asyncio.create_task(self._proc.wait())
        done, _ = await asyncio.wait({ready, self._died}, timeout=timeout + 1, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done or ready.exception() is not None:
            ready.cancel()
            await self.close()
            detail = self._stderr.text.strip()[-600:]
            if not detail:
                code = self._proc.returncode
                detail = f"exited with code {code}" if code is not None else f"no answer within {timeout:g} s"
            raise SandboxUnavailable(jail.explain_start_failure(detail), misconfigured=jail.refused(detail))
        # Whatever runs in the jail now (its init and the kernel) is legitimate; anything that
        # appears later was started by user code and is fair game for `reap_strays`.
        initial = procs.descendants(self._proc.pid)
        self._keep = {pid for pid, _ in initial}
        self._kernel_pid = initial[-1][0]  # bwrap's init comes first, the kernel below it
        self._threads = procs.thread_count(self._kernel_pid)

    async def _connect(self, timeout: float) -> None:
        """Connect to the kernel's sockets through the jail's root, once they are there, and wait for it."""
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while True:
            # Through the newest process of the jail (the kernel, once it runs): its root is the jail's,
            # where the IPC tmpfs exists, and having exec'd inside the jail's user namespace it is one
            # that a bot without root may look into.
            inside = procs.descendants(self._proc.pid)
            socket_base = f"/proc/{inside[-1][0]}/root{jail.IPC_DIR}/k" if inside else ""
            if socket_base and await kernel.wait_for_sockets(socket_base, min(time.monotonic() + 0.5, deadline)):
                break
            if time.monotonic() >= deadline:
                raise TimeoutError("the kernel did not open its sockets")
            await asyncio.sleep(0.05)
        self._client = kernel.connect(self._connection, socket_base)
        await self._client.wait_for_ready(timeout=max(deadline - time.monotonic(), 1.0))

    async def upload(self, name: str, data: bytes) -> str:
        if not _SAFE_NAME.match(name):
            raise ValueError(f"unsafe file name for the sandbox: {name!r}")
        self._ensure_running()
        target = self._workspace.data / name
        tmp = target.with_name(f".{name}.{secrets.token_hex(4)}")
        try:
            await asyncio.to_thread(tmp.write_bytes, data)
        except OSError as exc:
            tmp.unlink(missing_ok=True)  # a partial copy must not take the little room left
            raise ws.disk_full(exc, self._workspace.path) from None
        tmp.chmod(0o644)
        tmp.replace(target)
        return f"{DATA_DIR}/{name}"

    async def run(self, code: str, timeout: float) -> Execution:
        async with self._lock:
            self._ensure_running()
            assert self._proc is not None and self._client is not None
            assert self._died is not None
            cell = asyncio.create_task(run_cell(self._client, code, timeout, self._output_cap))
            try:
                await asyncio.wait({cell, self._died}, return_when=asyncio.FIRST_COMPLETED)
                if not cell.done():
                    raise await self._lost()
                try:
                    execution = cell.result()
                except CellTimeout as timed_out:
                    execution = await self._interrupt(timed_out, timeout, self._died)
                except kernel.Disconnected:
                    raise await self._cut_off() from None
                return await self._unless_poisoned(execution)
            finally:
                cell.cancel()
                if self._proc.returncode is None:
                    await asyncio.to_thread(procs.reap_strays, self._proc.pid, self._keep)

    async def _interrupt(self, timed_out: CellTimeout, timeout: float, died: asyncio.Task[int]) -> Execution:
        assert self._client is not None and self._proc is not None
        log.info("sandbox_cell_timeout sandbox=%s timeout_s=%.1f", self._id, timeout)
        # Freeze the kernel while its offspring are killed, so a fork bomb cannot outpace us;
        # forked copies of the kernel would otherwise also answer the interrupt on its sockets.
        await asyncio.to_thread(procs.freeze_and_reap, self._proc.pid, self._keep, self._kernel_pid)
        try:
            send_interrupt(self._client)
        except kernel.Disconnected:
            raise await self._cut_off() from None
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

    async def _unless_poisoned(self, execution: Execution) -> Execution:
        """`execution`, or, when the cell left a thread running in the kernel, a refusal and a closed sandbox.

        A thread outlives its cell and can rewrite later cells' output; the code policy refuses the
        ordinary ways to start one, so one found here got past it. The cell comes back failed (so it is
        never stored for replay) and the next cell runs in a sandbox resurrected from the stored ones.
        """
        threads = await asyncio.to_thread(procs.thread_count, self._kernel_pid)
        if threads <= self._threads:
            return execution
        log.warning(
            "sandbox_poisoned sandbox=%s threads=%d at_start=%d: replacing it", self._id, threads, self._threads
        )
        await self.close()
        return dataclasses.replace(
            execution,
            error=ExecutionError(
                name="SandboxReset",
                value=texts.SANDBOX_POISONED,
                traceback=f"SandboxReset: the cell left {threads - self._threads} thread(s) running",
            ),
        )

    async def _lost(self) -> SandboxLost:
        """The error for a kernel that died, after giving back everything it held."""
        error = self._lost_error()
        await self.close()
        return error

    async def _cut_off(self) -> SandboxLost:
        log.warning("sandbox_disconnected sandbox=%s: the kernel closed its sockets; shutting it down", self._id)
        await self.close()
        return SandboxLost("The sandbox cut its connection to the bot and was shut down.")

    def _ensure_running(self) -> None:
        if self._closed or self._proc is None or self._proc.returncode is not None:
            raise self._lost_error()

    def _lost_error(self) -> SandboxLost:
        code = self._proc.returncode if self._proc else None
        if self._closed:
            return SandboxLost(f"sandbox {self._id} was closed")
        return SandboxLost(f"sandbox {self._id} died (exit status {code})")

    async def is_alive(self) -> bool:
        # No heartbeat (see agent/sandbox/kernel.py): a hung kernel shows at its next cell's time limit.
        return not (self._closed or self._proc is None or self._proc.returncode is not None or self._client is None)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._client is not None:
            kernel.disconnect(self._client)
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
        if self._died is not None:
            self._died.cancel()
        if self._stderr is not None:
            await self._stderr.close(grace_s=2.0)  # with the jail gone the pipe ends at once
        if self.cgroup is not None:
            await asyncio.to_thread(self.cgroup.remove)
        await asyncio.to_thread(self._workspace.remove)
        if self._uid_lease is not None:
            self._uid_lease.release()


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
        uids: UidAllocator | None = None,
        cgroup_root: Path = cgroups.CGROUP_ROOT,
    ) -> None:
        self._root = root
        self._tool_path = tool_path
        self._limits = limits or jail.JailLimits()
        self._start_timeout_s = start_timeout_s
        self._live: dict[str, LocalSandbox] = {}
        self._uids = uids or UidAllocator()
        ws.sweep(root)
        self._cgroups = cgroups.detect(cgroup_root)
        if isinstance(self._cgroups, cgroups.Layout):
            cgroups.sweep(self._cgroups)
        else:
            log.warning("sandbox_cgroups_unavailable reason=%s: only rlimits bound each sandbox", self._cgroups)

    @property
    def memory_isolation(self) -> str:
        """One phrase for operators (`dataagent doctor`): what bounds a sandbox's memory on this host."""
        if isinstance(self._cgroups, cgroups.Layout):
            return f"cgroup v{self._cgroups.version} memory and pids limits per sandbox"
        return f"rlimits only, no cgroup ({self._cgroups})"

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
        program = seccomp.program()
        sandbox_id = f"local-{uuid.uuid4().hex}"
        lease = self._pick_uid() if os.geteuid() == 0 else None
        connection = kernel.Connection(key=secrets.token_hex(32))
        try:
            workspace = ws.make(self._root)
        except OSError as exc:
            if lease is not None:
                lease.release()
            raise ws.disk_full(exc, self._root) from None
        try:
            workspace.write_connection(connection.info(f"{jail.IPC_DIR}/k"))
        except OSError as exc:
            workspace.remove()
            if lease is not None:
                lease.release()
            raise ws.disk_full(exc, workspace.path) from None
        group = self._make_cgroup(sandbox_id)
        sandbox = LocalSandbox(sandbox_id, workspace, connection, self._limits.output_cap_bytes, lease, group)
        argv = jail.build_argv(
            tools=tools,
            uid=sandbox.uid,
            data_dir=workspace.data,
            connection_file=workspace.connection_file,
            boot_file=_BOOT_FILE,
            limits=self._limits,
            seccomp_fd=(fds := os.pipe())[0],
            cgroup_procs=group.procs_files if group else (),
        )
        # The program is a few hundred bytes, far below a pipe's buffer, so this write cannot block.
        os.write(fds[1], program)
        os.close(fds[1])
        try:
            await sandbox.start(argv, self._start_timeout_s, pass_fds=(fds[0],))
        except BaseException:
            await sandbox.close()  # gives back the uid, cgroup and workspace whatever went wrong
            raise
        finally:
            os.close(fds[0])
        self._live[sandbox_id] = sandbox
        log.info("sandbox_started kind=local sandbox=%s uid=%s", sandbox_id, sandbox.uid)
        return sandbox

    def _pick_uid(self) -> UidLease:
        return self._uids.lease()

    def _make_cgroup(self, sandbox_id: str) -> cgroups.JailCgroup | None:
        if not isinstance(self._cgroups, cgroups.Layout):
            return None
        memory_mb = self._limits.group_memory_mb or self._limits.memory_mb
        limits = cgroups.CgroupLimits(memory_bytes=memory_mb << 20, max_pids=self._limits.max_processes)
        try:
            return cgroups.create(self._cgroups, sandbox_id, limits)
        except OSError as exc:
            log.warning("sandbox_cgroup_failed sandbox=%s reason=%s: rlimits only", sandbox_id, exc)
            return None

    async def connect(self, sandbox_id: str) -> LocalSandbox:
        sandbox = self._live.get(sandbox_id)
        if sandbox is None or not await sandbox.is_alive():
            self._live.pop(sandbox_id, None)
            if sandbox is not None:
                await sandbox.close()
            raise SandboxLost(f"no live local sandbox {sandbox_id} in this process")
        return sandbox

    async def aclose(self) -> None:
        live, self._live = list(self._live.values()), {}
        await asyncio.gather(*(s.close() for s in live), return_exceptions=True)
