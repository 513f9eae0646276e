"""A few sandboxes started ahead of need, so a thread's first question does not wait for a kernel.

A pooled sandbox has never run anything but the pool's own probe: it is handed to exactly one
thread and never comes back (a thread's kernel holds that thread's data and variables). Each one
taken is replaced in the background (the owner calls `fill` once the taken one is counted as
live) while `room()` allows, so the pool never pushes the process past its cap on live sandboxes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress

from agent.errors import SandboxError
from agent.sandbox.base import Sandbox, SandboxProvider

log = logging.getLogger(__name__)


class SandboxPool:
    """Up to `size` fresh sandboxes from `provider`, ready to hand out.

    Args:
        provider: where sandboxes come from.
        size: how many to keep ready (0 disables the pool: `take` always starts one).
        room: whether one more live sandbox fits the process's cap (asked before each refill).
    """

    def __init__(self, provider: SandboxProvider, size: int, room: Callable[[], bool] = lambda: True) -> None:
        self._provider = provider
        self._size = size
        self._room = room
        self._ready: list[Sandbox] = []
        self._filling: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def ready(self) -> int:
        """Sandboxes waiting to be handed out, plus those being started for the pool."""
        return len(self._ready) + len(self._filling)

    @property
    def idle(self) -> int:
        """Sandboxes started and waiting to be taken (`take` then starts none)."""
        return len(self._ready)

    def fill(self) -> None:
        """Start sandboxes in the background until the pool is full or the cap leaves no room."""
        while not self._closed and self.ready < self._size and self._room():
            task = asyncio.create_task(self._start_one(), name="sandbox-pool-fill")
            self._filling.add(task)
            task.add_done_callback(self._filling.discard)

    async def take(self) -> Sandbox:
        """A fresh sandbox: a ready one from the pool when there is one, else one started now."""
        while self._ready:
            box = self._ready.pop(0)
            if await box.is_alive():
                log.info("sandbox_pool_hit sandbox=%s", box.sandbox_id)
                return box
            await box.close()
        return await self._provider.create()

    async def _start_one(self) -> None:
        try:
            box = await self._provider.create()
        except (SandboxError, OSError) as exc:
            # The pool only saves time: a thread that finds it empty starts its own sandbox.
            log.warning("sandbox_pool_fill_failed reason=%s", exc)
            return
        if self._closed:
            await box.close()
            return
        self._ready.append(box)

    async def aclose(self) -> None:
        """Stop filling and close every sandbox the pool still holds."""
        self._closed = True
        filling = list(self._filling)
        for task in filling:
            task.cancel()
        for task in filling:
            with suppress(asyncio.CancelledError):
                await task
        ready, self._ready = self._ready, []
        await asyncio.gather(*(box.close() for box in ready), return_exceptions=True)
