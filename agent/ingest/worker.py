"""Parse an upload in a child process under limits, so no file can freeze or bloat the bot.

    IngestPool.parse ─ wait for one of `workers` slots ─ child forked by the forkserver
        (limits: RLIMIT_AS, RLIMIT_CPU, a wall clock the parent enforces by killing it)
        ingest + profile ─ pipe ─ ParsedFile: the bytes to store, the profile, metadata; never the frame

Regexes and C parsers hold the GIL, so a thread is not enough: only another process keeps the event
loop (Slack acks, job-lease heartbeats) running while a hostile or huge file is read, and only a process
that exits hands the parsed frame's memory back. The forkserver is one single-threaded process started
fresh (not a fork of the threaded bot) with pandas already imported, so each parse starts in
milliseconds and each child dies with its limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import multiprocessing
import os
import resource
import signal
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, ForkServerProcess

from agent import texts
from agent.errors import DatasetError
from agent.ingest import LoadedDataset, ingest_file
from agent.profile import DatasetProfile, profile, profile_text

# The child may still be unwinding after CPU-limit signals; past this the parent kills it.
_CPU_GRACE_S = 5
_JOIN_S = 10.0


@dataclass(frozen=True)
class IngestLimits:
    """How many files are parsed at once, and what one parse may take (INGEST_* settings)."""

    workers: int = 2
    timeout_s: float = 120.0
    memory_mb: int = 4096


@dataclass(frozen=True)
class ParseRequest:
    """What the child needs besides the bytes: the file's name and the limits."""

    name: str
    max_bytes: int
    memory_bytes: int
    cpu_s: int


@dataclass(frozen=True)
class ParsedFile:
    """One dataset of a parsed upload (a file gives one, a workbook one per sheet), without its rows.

    `dataset` keeps everything `LoadedDataset` says about the data but an empty frame (its columns and
    types only) and no stored bytes: those travel as `blob`, never pickled.
    """

    dataset: LoadedDataset = field(repr=False)
    blob: bytes = field(repr=False)
    profile: DatasetProfile = field(repr=False)
    profile_text: str = field(repr=False)
    rows: int

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.dataset.frame.columns)


@dataclass(frozen=True)
class _Failure:
    """The child's answer when the file cannot be used: a ready sentence, or a kind the parent words."""

    message: str = ""
    out_of_memory: bool = False


class IngestPool:
    """Runs `ingest` + `profile` in bounded child processes; at most `limits.workers` at once."""

    def __init__(self, limits: IngestLimits | None = None) -> None:
        self.limits = limits or IngestLimits()
        self._slots = asyncio.Semaphore(self.limits.workers)
        self._ctx: ForkServerContext = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload([__name__])

    async def parse(self, name: str, data: bytes, *, max_bytes: int) -> tuple[ParsedFile, ...]:
        """Parse `data` in a worker, waiting for a free one first; one `ParsedFile` per dataset in it.

        Args:
            name: the file name as uploaded.
            data: the file's bytes.
            max_bytes: the largest file, and decompressed size, `ingest_file` accepts.

        Raises:
            DatasetError: the file cannot be used, took too long, needed too much memory, or killed its reader.
        """
        limits = self.limits
        request = ParseRequest(
            name=name,
            max_bytes=max_bytes,
            memory_bytes=limits.memory_mb << 20,
            cpu_s=math.ceil(limits.timeout_s) + _CPU_GRACE_S,
        )
        async with self._slots:
            return await self._run(request, data)

    async def _run(self, request: ParseRequest, data: bytes) -> tuple[ParsedFile, ...]:
        ours, theirs = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_child, args=(theirs, request), daemon=True, name="dataagent-ingest")
        exchange: asyncio.Future[tuple[ParsedFile, ...] | _Failure | None] | None = None
        try:
            # The first start boots the forkserver (imports pandas): off the loop.
            await asyncio.to_thread(proc.start)
            theirs.close()  # the child's end lives only in the child now, so its death reads as EOF
            exchange = asyncio.ensure_future(asyncio.to_thread(_exchange, ours, data, request.memory_bytes))
            done, _ = await asyncio.wait({exchange}, timeout=self.limits.timeout_s)
            if not done:
                raise DatasetError(texts.INGEST_TIMEOUT.format(name=request.name, seconds=_seconds(self.limits)))
            await asyncio.to_thread(proc.join, _JOIN_S)
            return self._settle(request, _received(exchange), proc)
        finally:
            # Also on cancellation (a lost lease, a shutdown): no reader outlives its upload.
            if proc.is_alive():
                proc.kill()
                await asyncio.to_thread(proc.join, _JOIN_S)
            if exchange is not None and not exchange.done():
                with contextlib.suppress(Exception):
                    await exchange  # ends with EOF now that the child is gone; only then close our end
            ours.close()

    def _settle(
        self, request: ParseRequest, outcome: tuple[ParsedFile, ...] | _Failure | None, proc: ForkServerProcess
    ) -> tuple[ParsedFile, ...]:
        """The child's answer, or the sentence for how it died."""
        if isinstance(outcome, tuple):
            return outcome
        name, limits = request.name, self.limits
        if outcome is not None and not outcome.out_of_memory:
            raise DatasetError(outcome.message)
        if outcome is not None or proc.exitcode in (-signal.SIGKILL, -signal.SIGABRT):
            # SIGKILL we did not send is the kernel's OOM killer; SIGABRT is a C++ reader (Arrow, RE2)
            # aborting on an allocation its address-space limit refused.
            raise DatasetError(texts.INGEST_MEMORY.format(name=name, mb=limits.memory_mb))
        if proc.exitcode == -signal.SIGXCPU:
            raise DatasetError(texts.INGEST_TIMEOUT.format(name=name, seconds=_seconds(limits)))
        raise DatasetError(texts.INGEST_CRASHED.format(name=name))


def _seconds(limits: IngestLimits) -> str:
    return f"{limits.timeout_s:g}"


def _received(
    exchange: asyncio.Future[tuple[ParsedFile, ...] | _Failure | None],
) -> tuple[ParsedFile, ...] | _Failure | None:
    """The exchange's answer; None when the pipe broke (the child died before answering)."""
    if exchange.exception() is not None:
        return None
    return exchange.result()


def _exchange(conn: Connection, data: bytes, max_reply: int) -> tuple[ParsedFile, ...] | _Failure | None:
    """Parent side, in a thread: hand over the bytes, read the answer (bounded by the child's memory limit)."""
    try:
        conn.send_bytes(data)
        heads = conn.recv()
        if isinstance(heads, _Failure):
            return heads
        if not isinstance(heads, tuple) or not all(isinstance(h, ParsedFile) for h in heads):
            return None
        parsed = []
        for head in heads:
            blob = conn.recv_bytes(max_reply)
            max_reply -= len(blob)
            parsed.append(dataclasses.replace(head, blob=blob))
    except (EOFError, OSError):
        return None
    return tuple(parsed)


def _child(conn: Connection, request: ParseRequest) -> None:
    """Child side: limits first, then parse; the frame never leaves this process."""
    os.environ.clear()  # the bot's tokens have no business in a process that reads hostile files
    # On top of what the process already maps: pandas' and Arrow's allocators reserve address space
    # at import, so an absolute cap would mostly measure the libraries, not the file.
    ceiling = _mapped_bytes() + request.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CPU, (request.cpu_s, request.cpu_s + _CPU_GRACE_S))
    data = conn.recv_bytes()
    try:
        parsed, blobs = _parse(request, data)
    except DatasetError as exc:
        conn.send(_Failure(message=str(exc)))
        return
    except MemoryError:
        conn.send(_Failure(out_of_memory=True))
        return
    del data
    # The header travels pickled, the big bytes raw: no pickled copy of the blob is ever built.
    conn.send(parsed)
    for blob in blobs:
        conn.send_bytes(blob)


def _mapped_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _parse(request: ParseRequest, data: bytes) -> tuple[tuple[ParsedFile, ...], list[bytes]]:
    heads, blobs = [], []
    for loaded in ingest_file(request.name, data, max_bytes=request.max_bytes):
        prof = profile(loaded)
        blobs.append(loaded.stored)
        bare = dataclasses.replace(loaded, frame=loaded.frame.iloc[:0], stored=b"")
        heads.append(
            ParsedFile(dataset=bare, blob=b"", profile=prof, profile_text=profile_text(prof), rows=len(loaded.frame))
        )
    return tuple(heads), blobs
