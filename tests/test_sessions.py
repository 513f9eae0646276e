"""Which sandbox serves a thread across processes: reattach to E2B by handle, else resurrect."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from agent.sandbox.e2b import E2BSandboxProvider
from agent.sessions import Sessions
from agent.store import Store

THREAD = "C9:1700000000.000200"


@pytest.fixture
async def store(redis_url: str, namespace: str) -> AsyncIterator[Store]:
    client = aioredis.from_url(redis_url)
    yield Store(client, namespace=namespace)
    await client.aclose()


async def test_another_process_reattaches_to_the_threads_e2b_sandbox_with_its_state(
    store: Store, e2b_provider: E2BSandboxProvider
) -> None:
    first = Sessions(store, e2b_provider)
    ran, resurrected = await first.run(THREAD, "answer = 42", timeout=30)
    assert ran.ok and resurrected is False
    await first.aclose()  # a process shutting down leaves the remote sandbox to pause

    second = Sessions(store, e2b_provider)  # a new process: nothing cached, the handle is in Redis
    execution, resurrected = await second.run(THREAD, "print(answer)", timeout=30)
    assert execution.stdout.strip() == "42"
    assert resurrected is False
    await second.forget(THREAD)


async def test_an_expired_e2b_sandbox_is_resurrected_with_replayed_cells(
    store: Store, e2b_provider: E2BSandboxProvider, fake_e2b: object
) -> None:
    sessions = Sessions(store, e2b_provider)
    await sessions.run(THREAD, "answer = 42", timeout=30)
    await store.add_cell(THREAD, "answer = 42")
    handle = await store.handle(THREAD)
    assert handle is not None
    await fake_e2b.kill(handle.sandbox_id)  # type: ignore[attr-defined]
    later = Sessions(store, e2b_provider)
    execution, resurrected = await later.run(THREAD, "print(answer + 1)", timeout=30)
    assert execution.stdout.strip() == "43"
    assert resurrected is True
    await later.forget(THREAD)
    await sessions.aclose()
