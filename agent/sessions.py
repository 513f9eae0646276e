"""Which sandbox serves a thread, and bringing one back silently when it is gone.

A thread's sandbox is found, in order: in this process's cache; by reattaching to the handle
stored in Redis (another process may have started it, or E2B paused it); or by resurrection —
a new sandbox, every dataset of the thread remounted from Redis and its successful cells
replayed, so variables derived in earlier questions exist again.

A file upload starts the thread's sandbox early (`prestart`, from a pool of ready ones when there
is one) while the file is parsed, so the first question finds it running with the data loaded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from agent.errors import DatasetError, SandboxLost
from agent.progress import OnProgress, Progress, report
from agent.sandbox.base import Execution, Sandbox, SandboxProvider
from agent.sandbox.pool import SandboxPool
from agent.store import DatasetRecord, SandboxHandle, Store

log = logging.getLogger(__name__)

VERSIONS_CODE = (
    "import sys, pandas, numpy, matplotlib\n"
    "print(f'Python {sys.version.split()[0]}, pandas {pandas.__version__}, '"
    "f'numpy {numpy.__version__}, matplotlib {matplotlib.__version__}')"
)


@dataclass(frozen=True)
class _Started:
    """A sandbox started for a thread ahead of its data, with its library versions."""

    box: Sandbox
    versions: str


class Sessions:
    """Hands out a live, loaded sandbox per thread.

    Args:
        store: Redis state.
        provider: the sandbox backend.
        setup_timeout_s: limit for each loading or replay cell.
        max_live: local sandboxes kept at once; the least recently used is closed beyond that
            (it comes back by resurrection when its thread speaks again). Sandboxes started early
            and ready in the pool count towards it.
        pool_size: fresh sandboxes kept ready (0: none, each thread starts its own).
    """

    def __init__(
        self,
        store: Store,
        provider: SandboxProvider,
        *,
        setup_timeout_s: float = 300.0,
        max_live: int = 16,
        pool_size: int = 0,
    ) -> None:
        self._store = store
        self._provider = provider
        self._setup_timeout_s = setup_timeout_s
        self._max_live = max_live
        self._live: OrderedDict[str, Sandbox] = OrderedDict()
        self._versions: dict[str, str] = {}
        self._early: dict[str, asyncio.Task[_Started | None]] = {}
        self._loading: dict[str, asyncio.Task[tuple[Sandbox, bool] | None]] = {}
        self._pool = SandboxPool(provider, min(pool_size, max_live), room=self._has_room)

    def _has_room(self) -> bool:
        return len(self._live) + len(self._early) + self._pool.ready < self._max_live

    @property
    def pool_idle(self) -> int:
        """Ready sandboxes waiting in the pool to be taken."""
        return self._pool.idle

    def warm(self) -> None:
        """Start filling the pool of ready sandboxes (at start-up, inside the event loop)."""
        self._pool.fill()

    def prestart(self, thread: str) -> None:
        """Begin starting `thread`'s sandbox, while its first file is parsed, if it has none here.

        A thread with a stored handle is left alone (its question reattaches). A failure is only
        logged: the thread's first question then starts a sandbox as it would have anyway.
        """
        if thread in self._live or thread in self._early:
            return
        if not self._pool.idle and not self._has_room():
            return  # at the cap: the first question makes room as it would have without an early start
        self._early[thread] = asyncio.create_task(self._start_early(thread), name="sandbox-prestart")

    async def _start_early(self, thread: str) -> _Started | None:
        handle = await self._store.handle(thread)
        if handle is not None and handle.kind == self._provider.kind:
            return None
        box = await self._pool.take()
        try:
            probe = await box.run(VERSIONS_CODE, timeout=self._setup_timeout_s)
        except BaseException:
            await box.close()
            raise
        return _Started(box, probe.stdout.strip() if probe.ok else "")

    async def _claim_early(self, thread: str) -> _Started | None:
        task = self._early.pop(thread, None)
        if task is None:
            return None
        try:
            return await task
        except Exception as exc:  # an early start only saves time; its failure must not fail anything
            log.warning("sandbox_prestart_failed thread=%s reason=%s", thread, exc)
            return None

    async def drop_early(self, thread: str) -> None:
        """Give up the sandbox started early for a thread whose file failed (nothing would use it)."""
        task = self._early.pop(thread, None)
        if task is None:
            return
        task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            started = await task
            if started is not None:
                await started.box.close()

    def versions(self, thread: str) -> str:
        """Library versions of the thread's sandbox, for the prompt ("" before it exists)."""
        return self._versions.get(thread, "")

    async def run(
        self, thread: str, code: str, timeout: float, on_progress: OnProgress | None = None
    ) -> tuple[Execution, bool]:
        """Run `code` in the thread's sandbox; returns the execution and whether it was resurrected.

        A sandbox lost before or during the run is replaced and the code run again, once. A run cancelled
        mid-cell (the question was cancelled) leaves the kernel busy with that cell: the sandbox is dropped,
        and the thread's next question resurrects it with the cells that succeeded.
        """
        box, resurrected = await self.sandbox(thread, on_progress)
        try:
            return await box.run(code, timeout=timeout), resurrected
        except asyncio.CancelledError:
            log.info("sandbox_dropped thread=%s: a cell was cancelled", thread)
            if self._live.get(thread) is box:
                self._live.pop(thread)
            await box.close()
            raise
        except SandboxLost as lost:
            log.info("sandbox_lost thread=%s reason=%s", thread, lost)
            self._live.pop(thread, None)
            box = await self._resurrect(thread, on_progress, previous=True)
            return await box.run(code, timeout=timeout), True

    async def sandbox(self, thread: str, on_progress: OnProgress | None = None) -> tuple[Sandbox, bool]:
        """The thread's live sandbox, and whether it had to be resurrected to get it."""
        if (loading := self._loading.pop(thread, None)) is not None:
            if not loading.done():
                await report(on_progress, Progress("loading_data", "Loading your data…"))
            with suppress(Exception):  # a failed load is retried below, and fails the question if it must
                await loading  # a loaded sandbox is in the live set now, checked like any other below
        if thread in self._early and (started := await self._claim_early(thread)) is not None:
            return await self._resurrect(thread, on_progress, previous=False, started=started), False
        handle = await self._store.handle(thread)
        box = self._live.pop(thread, None)
        if box is not None and await box.is_alive():
            if handle is not None and handle.sandbox_id == box.sandbox_id:
                self._live[thread] = box
                return box, False
            # Another process has run this thread's cells in a sandbox of its own since this one was ours
            # (the stored handle names it), so this kernel lacks their variables; or the thread was
            # forgotten (or expired) meanwhile, and this kernel still holds its data.
            log.info("sandbox_stale thread=%s sandbox=%s", thread, box.sandbox_id)
            await box.close()
        if handle is not None and handle.kind == self._provider.kind:
            try:
                box = await self._provider.connect(handle.sandbox_id)
                self._versions[thread] = handle.versions
                await self._remember(thread, box)
                return box, False
            except SandboxLost:
                log.info("sandbox_unreachable thread=%s sandbox=%s", thread, handle.sandbox_id)
        return await self._resurrect(thread, on_progress, previous=handle is not None), handle is not None

    async def mount(self, thread: str, added: Sequence[tuple[DatasetRecord, int]]) -> None:
        """Load newly added datasets into the thread's sandbox: its live one, or the one started early
        (which then gets every stored dataset of the thread, these included, in the background: the
        upload's card need not wait for the kernel, and the thread's next call waits for the load)."""
        if thread in self._early and thread not in self._loading:
            self._loading[thread] = asyncio.create_task(self._load_early(thread), name="sandbox-load")
            return
        box = self._live.get(thread)
        if box is not None and await box.is_alive():
            for record, index in added:
                await self._load(box, record, index)

    async def _load_early(self, thread: str) -> tuple[Sandbox, bool] | None:
        started = await self._claim_early(thread)
        if started is None:
            return None  # the thread's next call finds or starts its sandbox the ordinary way
        return await self._resurrect(thread, None, previous=False, started=started), False

    async def _settle(self, thread: str) -> None:
        """Wait out a background load (its sandbox, if any, then sits in the live set to be closed)."""
        if (loading := self._loading.pop(thread, None)) is not None:
            with suppress(asyncio.CancelledError, Exception):
                await loading

    async def _resurrect(
        self, thread: str, on_progress: OnProgress | None, *, previous: bool, started: _Started | None = None
    ) -> Sandbox:
        began = time.monotonic()
        if previous:
            await report(on_progress, Progress("resurrecting", "Restoring the session…"))
        else:
            await report(on_progress, Progress("loading_data", "Loading your data…"))
        started = started or await self._claim_early(thread)
        box = started.box if started is not None else await self._pool.take()
        try:
            if started is not None:
                versions = started.versions
            else:
                probe = await box.run(VERSIONS_CODE, timeout=self._setup_timeout_s)
                versions = probe.stdout.strip() if probe.ok else ""
            for index, record in enumerate(await self._store.datasets(thread)):
                await self._load(box, record, index)
            replayed = 0
            for cell in await self._store.cells(thread):
                outcome = await box.run(cell, timeout=self._setup_timeout_s)
                replayed += 1
                if not outcome.ok and outcome.error is not None:
                    log.warning("replay_cell_failed thread=%s error=%s", thread, outcome.error.name)
        except BaseException:
            await box.close()
            raise
        self._versions[thread] = versions
        await self._store.set_handle(thread, SandboxHandle(self._provider.kind, box.sandbox_id, versions))
        await self._remember(thread, box)
        log.info(
            "sandbox_ready thread=%s resurrected=%s replayed=%d seconds=%.2f",
            thread,
            previous,
            replayed,
            time.monotonic() - began,
        )
        return box

    async def _load(self, box: Sandbox, record: DatasetRecord, index: int) -> None:
        data = await self._store.get_blob(record.blob_sha256)
        await box.upload(record.file_name, data)
        code = record.load_code
        if index == 0 and record.var_name != "df":
            code += f"\ndf = {record.var_name}"
        outcome = await box.run(code, timeout=self._setup_timeout_s)
        if outcome.error is not None:
            log.error("dataset_load_failed dataset=%s error=%s", record.var_name, outcome.error.name)
            raise DatasetError(
                f"{record.name} could not be loaded for analysis ({outcome.error.name}). Please upload it again."
            )

    async def _remember(self, thread: str, box: Sandbox) -> None:
        self._live[thread] = box
        self._live.move_to_end(thread)
        # Only local kernels hold this host's memory; remote ones pause on their own.
        while self._provider.kind == "local" and len(self._live) > self._max_live:
            _, oldest = self._live.popitem(last=False)
            await oldest.close()
        self._pool.fill()  # replaces a kernel this thread took, now that it counts as live

    async def forget(self, thread: str) -> None:
        await self._settle(thread)
        await self.drop_early(thread)
        box = self._live.pop(thread, None)
        if box is not None:
            await box.close()

    async def aclose(self) -> None:
        """Release the sandboxes at shutdown.

        Local kernels are closed (they would die with this process anyway); remote ones are left to
        pause, so the next process, or a replica, reattaches instead of resurrecting.
        """
        for thread in list(self._loading):
            await self._settle(thread)
        for thread in list(self._early):
            await self.drop_early(thread)
        await self._pool.aclose()
        live, self._live = list(self._live.values()), OrderedDict()
        if self._provider.kind == "local":
            for box in live:
                await box.close()
