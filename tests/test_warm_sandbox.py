"""A thread's sandbox starts while its file is parsed, and a pool of fresh local kernels waits ahead."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from agent.datasets import Datasets
from agent.errors import SandboxUnavailable
from agent.sandbox import procs
from agent.sandbox.local import LocalSandbox, LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store
from bot.config import Settings
from tests.engine_helpers import SALES_CSV

THREAD = "C9:1700000000.000300"
OTHER = "C9:1700000000.000301"


class CountingProvider(LocalSandboxProvider):
    """The real local provider, counting the kernels it starts (and failing the first `fail` of them)."""

    def __init__(self, root: Path, fail: int = 0) -> None:
        super().__init__(root=root)
        self.created: list[str] = []
        self._fail = fail

    async def create(self) -> LocalSandbox:
        if self._fail:
            self._fail -= 1
            raise SandboxUnavailable("no kernel today")
        box = await super().create()
        self.created.append(box.sandbox_id)
        return box


@pytest.fixture
async def store(redis_url: str, namespace: str) -> AsyncIterator[Store]:
    client = aioredis.from_url(redis_url)
    yield Store(client, namespace=namespace)
    await client.aclose()


def jails() -> list[int]:
    """The jails this test process started: its bwrap children (each has bwrap processes of its own below)."""
    found = []
    for pid, _ in procs.descendants(os.getpid()):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        if comm == "bwrap" and parent == os.getpid():
            found.append(pid)
    return found


async def wait_ready(provider: CountingProvider, count: int) -> None:
    """Until `provider` has started `count` kernels (bounded, generously)."""
    for _ in range(1200):
        if len(provider.created) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} kernel(s) not started within 120 s")


async def add_sales(sessions: Sessions, store: Store, thread: str = THREAD) -> None:
    """What the engine does with an upload: start the sandbox early, parse, then mount."""
    sessions.prestart(thread)
    added = await Datasets(store, max_bytes=10 << 20).add(thread, "sales.csv", SALES_CSV)
    await sessions.mount(thread, added)


async def test_the_first_question_after_an_upload_finds_its_sandbox_started_and_loaded(
    store: Store, tmp_path: Path
) -> None:
    provider = CountingProvider(tmp_path)
    sessions = Sessions(store, provider, setup_timeout_s=60)
    try:
        await add_sales(sessions, store)
        await wait_ready(provider, 1)  # started by the upload alone, before any question
        execution, resurrected = await sessions.run(THREAD, "print(len(df), len(sales))", timeout=30)
        assert execution.stdout.strip() == "6 6"
        assert resurrected is False
        assert len(provider.created) == 1  # the early one served the question: none started for it
    finally:
        await sessions.aclose()
        await provider.aclose()


async def test_a_failed_early_start_does_not_fail_the_upload_and_the_question_starts_one(
    store: Store, tmp_path: Path
) -> None:
    provider = CountingProvider(tmp_path, fail=1)
    sessions = Sessions(store, provider, setup_timeout_s=60)
    try:
        await add_sales(sessions, store)
        assert len(await store.datasets(THREAD)) == 1
        execution, _ = await sessions.run(THREAD, "print(df['units'].sum())", timeout=30)
        assert execution.stdout.strip() == "20"
        assert len(provider.created) == 1
    finally:
        await sessions.aclose()
        await provider.aclose()


async def test_a_pooled_kernel_is_handed_to_one_thread_only_and_replaced(store: Store, tmp_path: Path) -> None:
    provider = CountingProvider(tmp_path)
    sessions = Sessions(store, provider, setup_timeout_s=60, pool_size=1)
    try:
        sessions.warm()
        await wait_ready(provider, 1)
        pooled = provider.created[0]
        await sessions.run(THREAD, "secret = 'thread one'", timeout=30)
        first, _ = await sessions.sandbox(THREAD)
        assert first.sandbox_id == pooled
        await wait_ready(provider, 2)  # the pool starts a replacement in the background
        execution, _ = await sessions.run(OTHER, "print('secret' in dir())", timeout=30)
        second, _ = await sessions.sandbox(OTHER)
        assert second.sandbox_id == provider.created[1] != pooled
        assert execution.stdout.strip() == "False"  # fresh: nothing of the other thread's
    finally:
        await sessions.aclose()
        await provider.aclose()


async def test_the_pool_respects_the_cap_on_live_sandboxes(store: Store, tmp_path: Path) -> None:
    provider = CountingProvider(tmp_path)
    sessions = Sessions(store, provider, setup_timeout_s=60, pool_size=1, max_live=1)
    try:
        sessions.warm()
        await wait_ready(provider, 1)
        await sessions.run(THREAD, "x = 1", timeout=30)
        await asyncio.sleep(2)  # a refill, had one been started, would have begun by now
        assert len(provider.created) == 1
        assert len(jails()) == 1
    finally:
        await sessions.aclose()
        await provider.aclose()


async def test_no_kernel_outlives_shutdown_even_one_starting_for_the_pool(store: Store, tmp_path: Path) -> None:
    provider = CountingProvider(tmp_path)
    sessions = Sessions(store, provider, setup_timeout_s=60, pool_size=2)
    sessions.warm()
    await wait_ready(provider, 1)
    sessions.prestart(THREAD)  # an early start in flight, never claimed
    await sessions.run(OTHER, "y = 2", timeout=30)
    assert jails()
    await sessions.aclose()
    await provider.aclose()
    assert jails() == []
    assert not any(tmp_path.iterdir())  # every workspace removed too


def test_the_pool_is_on_for_local_kernels_and_off_for_billed_e2b_sandboxes_by_default() -> None:
    assert Settings.from_env({"SANDBOX": "local"}).sandbox_pool_size == 1
    assert Settings.from_env({"E2B_API_KEY": "e2b_x"}).sandbox_pool_size == 0
    assert Settings.from_env({"SANDBOX_POOL_SIZE": "0"}).sandbox_pool_size == 0
