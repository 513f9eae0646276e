"""Talking to a Jupyter kernel over ZeroMQ: run one cell, gather what it produced.

Shared by anything that drives an ipykernel (the local jail today). Turns the iopub message
stream into an `Execution`, capping text on this side too, so a kernel that slipped its own
output cap still cannot make the host hold more than `output_cap` bytes.

The kernel controls the directory its sockets are in, so the host connects exactly once, to
paths it has just seen to be sockets, and never again: ZeroMQ's reconnects are off and the
heartbeat channel (whose thread re-creates its socket when a beat is missed) is never made. A
kernel that closes a socket has cut itself off, and its sandbox ends as lost at the next cell.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
import re
import stat
import time
from dataclasses import dataclass, field
from queue import Empty
from typing import Any

import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo

from agent.sandbox.base import Execution, ExecutionError, ResultBudget

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


_MARK = "[output truncated:"


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


@dataclass
class _Collector:
    """Accumulates one cell's outputs, keeping at most `cap` characters of text."""

    cap: int
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    budget: ResultBudget = field(init=False)
    error: ExecutionError | None = None
    kept: int = 0
    truncated: bool = False

    def __post_init__(self) -> None:
        self.budget = ResultBudget(text_cap=self.cap)

    def add_stream(self, name: str, text: str) -> None:
        if _MARK in text:
            self.truncated = True
        # The kernel caps itself at `cap`; the slack lets its own truncation marker through.
        room = self.cap + 1024 - self.kept
        if len(text) > room:
            text = text[: max(room, 0)]
            if not self.truncated:
                text += f"\n{_MARK} more than {self.cap} bytes]\n"
            self.truncated = True
        self.kept += len(text)
        if text:
            (self.stderr if name == "stderr" else self.stdout).append(text)

    def add_data(self, data: dict[str, Any], main: bool) -> None:
        encoded = data.get("image/png")
        if isinstance(encoded, str):
            # Sized from the base64 length, so an oversized or surplus figure is never decoded.
            if not self.budget.png_fits(len(encoded) * 3 // 4):
                return
            try:
                png = base64.b64decode(encoded)
            except (binascii.Error, ValueError):
                return
            # A figure's text/plain is just its repr; keeping it would read as a result.
            self.budget.add(None, png, main)
        elif isinstance(text := data.get("text/plain"), str):
            self.budget.add(text, None, main)

    def add_error(self, content: dict[str, Any]) -> None:
        tb = "\n".join(strip_ansi(line) for line in content.get("traceback", []))
        self.error = ExecutionError(
            name=str(content.get("ename", "Error")),
            value=strip_ansi(str(content.get("evalue", ""))),
            traceback=tb[-20_000:],
        )

    def handle(self, msg: dict[str, Any]) -> None:
        kind = msg["msg_type"]
        content = msg["content"]
        if kind == "stream":
            self.add_stream(content.get("name", "stdout"), content.get("text", ""))
        elif kind in ("display_data", "execute_result"):
            self.add_data(content.get("data", {}), main=kind == "execute_result")
        elif kind == "error":
            self.add_error(content)

    def execution(self, started: float) -> Execution:
        return Execution(
            stdout="".join(self.stdout),
            stderr="".join(self.stderr),
            results=tuple(self.budget.results),
            error=self.error,
            truncated=self.truncated or self.budget.truncated,
            duration_s=time.monotonic() - started,
        )


class Disconnected(Exception):
    """A send found no kernel on the other end; with reconnects off, that is for good."""


class CellTimeout(Exception):
    """The cell ran past its deadline (the kernel may still be busy with it)."""

    def __init__(self, partial: Execution, msg_id: str) -> None:
        super().__init__(partial, msg_id)
        self.partial = partial
        self.msg_id = msg_id


async def run_cell(client: AsyncKernelClient, code: str, timeout: float, output_cap: int) -> Execution:
    """Execute `code` and gather its outputs until the kernel reports it idle.

    Raises:
        CellTimeout: the deadline passed first; it carries the outputs so far.
    """
    started = time.monotonic()
    collector = _Collector(cap=output_cap)
    await drop_replies(client)
    try:
        msg_id = client.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
    except zmq.ZMQError as exc:
        raise Disconnected(str(exc)) from exc
    deadline = started + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CellTimeout(collector.execution(started), msg_id)
        try:
            msg = await client.get_iopub_msg(timeout=min(remaining, 1.0))
        except Empty:
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            await drop_replies(client)
            return collector.execution(started)
        collector.handle(msg)


async def drop_replies(client: AsyncKernelClient) -> None:
    """Throw away what waits on the shell and control channels, unread: the replies to cells and
    interrupts, whose outputs came on iopub. Left there, each reply pins about 18 KB of libzmq's native
    memory, up to the socket's 1,000-message limit, for as long as the kernel lives (the soak bench's
    +1 MB per 100 questions)."""
    for channel in (client.shell_channel, client.control_channel):
        while True:
            try:
                await channel.socket.recv_multipart(flags=zmq.NOBLOCK, copy=False)
            except zmq.Again:
                break
            except zmq.ZMQError as exc:
                raise Disconnected(str(exc)) from exc


async def drain_until_idle(client: AsyncKernelClient, msg_id: str, timeout: float) -> bool:
    """After an interrupt, wait for the kernel to finish cell `msg_id`; True when it did."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            msg = await client.get_iopub_msg(timeout=min(remaining, 0.5))
        except Empty:
            continue
        if (
            msg["msg_type"] == "status"
            and msg["content"].get("execution_state") == "idle"
            and msg.get("parent_header", {}).get("msg_id") == msg_id
        ):
            return True
    return False


SEND_TIMEOUT_MS = 2000  # a live kernel's socket takes a message at once; this is only for a dead one
_PORTS = (1, 2, 3, 4, 5)  # shell, iopub, stdin, control, heartbeat: over ipc a port is a file name suffix


@dataclass(frozen=True)
class Connection:
    """What host and kernel share: the key that signs every message. Each side names the sockets' place."""

    key: str

    def info(self, socket_base: str) -> KernelConnectionInfo:
        return KernelConnectionInfo(
            transport="ipc",
            ip=socket_base,
            shell_port=_PORTS[0],
            iopub_port=_PORTS[1],
            stdin_port=_PORTS[2],
            control_port=_PORTS[3],
            hb_port=_PORTS[4],
            key=self.key,
            signature_scheme="hmac-sha256",
            kernel_name="",
        )


async def wait_for_sockets(socket_base: str, deadline: float) -> bool:
    """Wait until every channel's path `<socket_base>-<port>` is a socket (not a link); False at `deadline`."""
    pending = {f"{socket_base}-{port}" for port in _PORTS}
    while pending:
        for path in list(pending):
            try:
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    pending.discard(path)
            except OSError:
                pass
        if pending:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)
    return True


def connect(connection: Connection, socket_base: str) -> AsyncKernelClient:
    """A client on the kernel's shell, iopub and control sockets at `socket_base`, which never reconnects."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.RECONNECT_IVL, -1)
    # With no peer a send would wait for one forever, on the event loop's thread; give up instead.
    context.setsockopt(zmq.SNDTIMEO, SEND_TIMEOUT_MS)
    client = AsyncKernelClient(context=context)
    # Replay protection remembers every message's signature (up to 65,536, about 10 MB per kernel); it
    # guards nothing here: the only peer is the kernel, which holds the key anyway.
    client.session.digest_history_size = 0
    client.load_connection_info(connection.info(socket_base))
    client.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=True)
    return client


def disconnect(client: AsyncKernelClient) -> None:
    """Stop the channels without `stop_channels`, which would make (and so connect) the heartbeat channel."""
    for channel in (client.shell_channel, client.iopub_channel, client.control_channel):
        if channel.is_alive():
            channel.stop()
    client.context.destroy(linger=0)


def send_interrupt(client: AsyncKernelClient) -> None:
    """Interrupt over the control channel: the kernel signals its own process group."""
    msg = client.session.msg("interrupt_request", content={})
    try:
        client.control_channel.send(msg)
    except zmq.ZMQError as exc:
        raise Disconnected(str(exc)) from exc
