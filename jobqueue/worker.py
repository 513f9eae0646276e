"""The worker that drives a `JobQueue`: bounded concurrency, leases kept fresh, a graceful stop.

    run(stop) ─┬─ read loop:    XREADGROUP new entries while a slot is free ─┐
               ├─ reclaim loop: XAUTOCLAIM entries idle > claim_idle_s ─────┼─▶ one task per entry:
               └─ fresh loop:   XCLAIM JUSTID every held entry (lease)       │   head of its thread?
                                                                             │   run ─▶ ack | retry | bury
                                                                             └── no: park, retry soon

Setting `stop` ends reading, lets running jobs finish for `grace_s`, then cancels the rest and hands
their entries back (claimable at once, the delivery not counted). Cancelling `run()` instead behaves
like a killed process: tasks are cancelled and nothing more is written, so the entries are taken up
by another worker after `claim_idle_s`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Generic, TypeVar

from redis.exceptions import RedisError

from jobqueue.job import Delivery, Job, P
from jobqueue.queue import JobQueue, StartVerdict
from jobqueue.stats import Outcome, WorkerStats
from jobqueue.turn import Turn
from jobqueue.waits import raise_if_cancelled, wait_event

log = logging.getLogger(__name__)

Handler = Callable[[Job[P]], Awaitable[None]]
T = TypeVar("T")
_REDIS_ERRORS = (RedisError, TimeoutError, OSError)


class Worker(Generic[P]):
    """Runs jobs from a queue with `handler`, at most `concurrency` at once.

    Args:
        queue: The queue; its consumer name identifies this worker.
        handler: Handles one job. Returning acks the job; raising (or exceeding `job_timeout_s`)
            leaves it for redelivery, and after `queue.max_deliveries` attempts buries it.
        concurrency: Jobs running at once (parked jobs do not count).
        job_timeout_s: Wall-clock limit of one handler call.
        on_dead: Called once with a job moved to the dead-letter stream (to tell the user).
        grace_s: How long a stop waits for running jobs before abandoning them.
        poll_s: How long one read blocks; bounds how fast `stop` is noticed.
        park_poll_s: How often a parked job checks whether its turn has come.
        reclaim_s: How often to look for idle entries (at most `claim_idle_s / 2`); handed-back
            entries are taken up within this time.
        max_parked: Parked jobs held at once before reading pauses (default 16 × concurrency).
    """

    def __init__(
        self,
        queue: JobQueue[P],
        handler: Handler[P],
        *,
        concurrency: int = 4,
        job_timeout_s: float = 900.0,
        on_dead: Handler[P] | None = None,
        grace_s: float = 30.0,
        poll_s: float = 1.0,
        park_poll_s: float = 0.25,
        reclaim_s: float = 5.0,
        max_parked: int | None = None,
    ) -> None:
        self.queue = queue
        self.handler = handler
        self.concurrency = concurrency
        self.job_timeout_s = job_timeout_s
        self.on_dead = on_dead
        self.grace_s = grace_s
        self.poll_s = poll_s
        self.park_poll_s = park_poll_s
        self.reclaim_s = reclaim_s
        self.max_parked = max_parked or 16 * concurrency
        self.stats = WorkerStats()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[str, asyncio.Task[None]] = {}  # entry id -> its task
        self._handlers: dict[str, asyncio.Task[None]] = {}  # entry id -> running handler
        self._held: set[str] = set()  # entries this worker holds and has not settled: kept fresh
        self._wakers: dict[str, asyncio.Event] = {}  # thread -> wakes its parked jobs
        self._behind_unread: set[str] = set()  # parked entries whose thread's head is still to be read
        self._stop = asyncio.Event()
        self._changed = asyncio.Event()  # a task ended or parked: the reader may read more
        self._tick = asyncio.Event()  # set and replaced on every change of `stats`

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set, then shut down gracefully (see the module docstring)."""
        self._stop = stop
        while not await self._guard(self._ensure_group, "ensure_group"):
            if await wait_event(stop, 1.0):
                return
        loops = [
            asyncio.create_task(self._fresh_loop(), name="jobs-fresh"),
            asyncio.create_task(self._reclaim_loop(stop), name="jobs-reclaim"),
        ]
        try:
            await self._read_loop(stop)
            raise_if_cancelled()  # a kill is never followed by a drain's writes
            await self._drain()
        finally:
            tasks = [*loops, *self._tasks.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _ensure_group(self) -> bool:
        await self.queue.ensure_group()
        return True

    async def until(self, predicate: Callable[[WorkerStats], bool], timeout: float) -> None:
        """Wait until `predicate(self.stats)` holds.

        Raises:
            TimeoutError: it did not hold within `timeout` seconds.
        """
        async with asyncio.timeout(timeout):
            while not predicate(self.stats):
                await self._tick.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._tick.set()
        self._tick = asyncio.Event()

    def _free(self) -> int:
        """Slots not spoken for. Tasks waiting for a slot count as busy: they run next."""
        return self.concurrency - (len(self._tasks) - self.stats.parked)

    async def _read_loop(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            raise_if_cancelled()
            self._changed.clear()  # before measuring, so a change after it is not missed
            free = self._free()
            # Jobs parked behind an entry nobody has read yet do not pause reading: it must be read.
            if free <= 0 or self.stats.parked - len(self._behind_unread) >= self.max_parked:
                await wait_event(self._changed, self.poll_s)
                continue
            try:
                # No slot is held while blocking: parked jobs whose turn came may take one meanwhile.
                deliveries = await self.queue.read(free, self.poll_s)
                failures = 0
            except _REDIS_ERRORS as exc:
                failures += 1
                log.warning("jobs_read_failed consumer=%s error=%s", self.queue.consumer, type(exc).__name__)
                await wait_event(stop, min(5.0, 0.1 * 2**failures))
                continue
            self.stats.read += len(deliveries)
            self._notify()
            for d in deliveries:
                self._spawn(d)

    def _spawn(self, d: Delivery[P]) -> None:
        self._held.add(d.entry_id)
        if d.entry_id in self._tasks or self._stop.is_set():
            return  # already in hand (reclaimed our own entry after a stall), or stopping: handed back
        task = asyncio.create_task(self._process(d), name=f"job-{d.job.job_id}")
        self._tasks[d.entry_id] = task
        task.add_done_callback(partial(self._forget_task, d.entry_id))

    def _forget_task(self, entry_id: str, _task: asyncio.Task[None]) -> None:
        self._tasks.pop(entry_id, None)
        self._notify()

    async def _process(self, d: Delivery[P]) -> None:
        turn = Turn(self._slots, self.stats, self._notify)
        try:
            await turn.take_slot()
            if d.job.attempt > self.queue.max_deliveries:
                await self._bury(d, "max_deliveries")
                return
            if await self._await_turn(d, turn) and not self._stop.is_set():
                await self._execute(d)
        finally:
            turn.release()
            self._behind_unread.discard(d.entry_id)
            if self.stats.parked == 0:
                self._wakers.clear()  # nobody waits: drop the per-thread events

    async def _await_turn(self, d: Delivery[P], turn: Turn) -> bool:
        """Wait, parked, until the entry heads its thread; True with a slot held, False if it must not run."""
        while True:
            verdict = await self._guard(lambda: self.queue.try_start(d), "try_start", d)
            if verdict is StartVerdict.LOST:
                self._settle(d, Outcome.LOST)
                return False
            if verdict is StartVerdict.UNREAD:
                self._behind_unread.add(d.entry_id)
            else:
                self._behind_unread.discard(d.entry_id)
            if verdict is StartVerdict.RUN:
                break
            turn.park()  # WAIT, UNREAD, or Redis did not answer: ask again soon
            if self._stop.is_set():
                return False  # left held: handed back by the drain
            await self._wait_turn(d.job.thread)
        if turn.parked:
            if self._stop.is_set():
                return False
            await turn.unpark()
        return True

    async def _wait_turn(self, thread: str) -> None:
        event = self._wakers.setdefault(thread, asyncio.Event())
        await wait_event(event, self.park_poll_s)

    def _wake(self, thread: str) -> None:
        event = self._wakers.pop(thread, None)
        if event is not None:
            event.set()

    async def _execute(self, d: Delivery[P]) -> None:
        job = d.job
        self.stats.started += 1
        self._notify()
        log.info("job_started job_id=%s thread=%s attempt=%d", job.job_id, job.thread, job.attempt)
        started = time.monotonic()
        task = asyncio.create_task(self._call_handler(job), name=f"handler-{job.job_id}")
        self._handlers[d.entry_id] = task
        try:
            await asyncio.wait({task})  # unlike `await task`, a lease-loss cancel of `task` does not raise
        except asyncio.CancelledError:  # shutdown or kill: abandon the handler, let it unwind briefly
            task.cancel()
            await asyncio.wait({task}, timeout=5.0)
            if not task.done():
                log.warning("job_handler_ignores_cancel job_id=%s thread=%s", job.job_id, job.thread)
            raise
        finally:
            self._handlers.pop(d.entry_id, None)
        seconds = time.monotonic() - started
        if task.cancelled():
            self._settle(d, Outcome.LOST)
            return
        exc = task.exception()
        if exc is None:
            await self._finish(d, seconds)
        else:
            await self._fail(d, exc, seconds)

    async def _call_handler(self, job: Job[P]) -> None:
        async with asyncio.timeout(self.job_timeout_s):
            await self.handler(job)

    async def _finish(self, d: Delivery[P], seconds: float) -> None:
        job = d.job
        acked = await self._guard(lambda: self.queue.ack(d), "ack", d, retries=3)
        self._settle(d, Outcome.DONE if acked else _unsettled_or_lost(acked))
        log.info(
            "job_done job_id=%s thread=%s attempt=%d seconds=%.2f acked=%s",
            job.job_id,
            job.thread,
            job.attempt,
            seconds,
            bool(acked),
        )

    async def _fail(self, d: Delivery[P], exc: BaseException, seconds: float) -> None:
        job = d.job
        self.stats.failed += 1
        self._notify()
        log.error(
            "job_failed job_id=%s thread=%s attempt=%d of %d seconds=%.2f error=%s",
            job.job_id,
            job.thread,
            job.attempt,
            self.queue.max_deliveries,
            seconds,
            type(exc).__name__,
            exc_info=exc,
        )
        if job.attempt >= self.queue.max_deliveries:
            await self._bury(d, type(exc).__name__)
        else:
            self._settle(d, Outcome.RETRY)  # no longer refreshed: redelivered after claim_idle_s

    async def _bury(self, d: Delivery[P], reason: str) -> None:
        job = d.job
        buried = await self._guard(lambda: self.queue.bury(d, reason), "bury", d, retries=3)
        if not buried:
            self._settle(d, _unsettled_or_lost(buried))
            return
        self._settle(d, Outcome.DEAD)
        log.error("job_dead job_id=%s thread=%s attempts=%d reason=%s", job.job_id, job.thread, job.attempt, reason)
        if self.on_dead is not None:
            try:
                async with asyncio.timeout(self.queue.op_timeout_s * 3):
                    await self.on_dead(job)
            except Exception:
                log.exception("job_on_dead_failed job_id=%s thread=%s", job.job_id, job.thread)

    def _settle(self, d: Delivery[P], outcome: Outcome) -> None:
        """Stop refreshing an entry we are done with, count the outcome, wake its thread's parked jobs."""
        self._held.discard(d.entry_id)
        match outcome:
            case Outcome.DONE:
                self.stats.done += 1
            case Outcome.DEAD:
                self.stats.dead += 1
            case Outcome.LOST:
                self.stats.lost += 1
                log.warning("job_lost job_id=%s thread=%s: another worker holds it", d.job.job_id, d.job.thread)
            case Outcome.UNSETTLED:
                log.error(
                    "job_unsettled job_id=%s thread=%s: Redis unreachable, it will be redelivered",
                    d.job.job_id,
                    d.job.thread,
                )
            case Outcome.RETRY:
                pass  # counted as failed already
        self._wake(d.job.thread)
        self._notify()

    async def _guard(
        self, call: Callable[[], Awaitable[T]], what: str, d: Delivery[P] | None = None, retries: int = 1
    ) -> T | None:
        """Run a Redis call; on failure log, retry a bounded number of times, then return None."""
        for attempt in range(1, retries + 1):
            try:
                return await call()
            except _REDIS_ERRORS as exc:
                raise_if_cancelled()  # our own cancel, reported by the client as a timeout
                log.warning(
                    "jobs_redis_failed op=%s job_id=%s attempt=%d error=%s",
                    what,
                    d.job.job_id if d else "-",
                    attempt,
                    type(exc).__name__,
                )
                if attempt < retries:
                    await asyncio.sleep(0.2 * attempt)
        return None

    async def _fresh_loop(self) -> None:
        """Refresh held entries well within `claim_idle_s`; cancel handlers whose lease was lost."""
        while True:
            await asyncio.sleep(max(0.02, self.queue.claim_idle_s / 3))
            raise_if_cancelled()  # a cancel a client call swallowed last time round must still end the loop
            held = list(self._held)
            if not held:
                continue
            for eid in await self._guard(partial(self.queue.touch, held), "touch") or []:
                if eid in self._held:
                    self._held.discard(eid)
                    handler = self._handlers.get(eid)
                    if handler is not None:
                        handler.cancel()

    async def _reclaim_loop(self, stop: asyncio.Event) -> None:
        every = max(0.05, min(self.reclaim_s, self.queue.claim_idle_s / 2))
        while not await wait_event(stop, every):
            raise_if_cancelled()  # as in the fresh loop
            free = self._free()
            found = await self._guard(partial(self.queue.reclaim, free), "reclaim") if free > 0 else None
            for d in found or []:
                self.stats.reclaimed += 1
                log.info("job_reclaimed job_id=%s thread=%s attempt=%d", d.job.job_id, d.job.thread, d.job.attempt)
                self._spawn(d)
            self.stats.reclaim_passes += 1
            self._notify()

    async def _drain(self) -> None:
        """After `stop`: parked jobs step aside, running ones get `grace_s`, the rest are handed back."""
        for event in self._wakers.values():
            event.set()
        tasks = list(self._tasks.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.warning("jobs_abandoned consumer=%s count=%d", self.queue.consumer, len(late))
        held = list(self._held)
        if held:
            await self._guard(lambda: self.queue.hand_back(held), "hand_back")
            self._held.clear()
        await self._guard(self.queue.retire, "retire")


def _unsettled_or_lost(answer: bool | None) -> Outcome:
    """A False answer from Redis means another consumer holds the entry; None means Redis never answered."""
    return Outcome.UNSETTLED if answer is None else Outcome.LOST
