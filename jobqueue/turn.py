"""`Turn`: one job task's share of a worker's concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from jobqueue.stats import WorkerStats


class Turn:
    """One task's share of the worker's concurrency: a slot while it runs, the parked gauge while it waits."""

    def __init__(self, slots: asyncio.Semaphore, stats: WorkerStats, notify: Callable[[], None]) -> None:
        self._slots = slots
        self._stats = stats
        self._notify = notify
        self.slot = False
        self.parked = False

    async def take_slot(self) -> None:
        """Wait for a free slot and hold it."""
        await self._slots.acquire()
        self.slot = True

    def park(self) -> None:
        """Give the slot back while waiting: parked jobs must not starve the threads that can run."""
        if self.slot:
            self._slots.release()
            self.slot, self.parked = False, True
            self._stats.parked += 1
            self._notify()

    async def unpark(self) -> None:
        """The job's turn came: leave the parked gauge, then wait for a slot like any new job."""
        self.parked = False
        self._stats.parked -= 1
        self._notify()
        await self.take_slot()

    def release(self) -> None:
        """Give back whatever the task still holds; safe to call on any exit path."""
        if self.slot:
            self._slots.release()
            self.slot = False
        if self.parked:
            self.parked = False
            self._stats.parked -= 1
            self._notify()
