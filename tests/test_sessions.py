"""Which sandbox serves a thread across processes: reattach to E2B by handle, else resurrect."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from agent.datasets import Datasets
from agent.ingest import ingest
from agent.profile import profile
from agent.sandbox.base import DATA_DIR
from agent.sandbox.e2b import E2BSandboxProvider
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import DatasetRecord, Store

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


# The loader the release before Parquet storage shipped in every record's load code, byte for byte.
LEGACY_CSV_LOADER = (Path(__file__).parent / "legacy" / "csv_loader_release1.py.txt").read_text()


async def test_a_dataset_the_previous_release_stored_as_csv_still_loads_next_to_a_parquet_one(
    store: Store, e2b_provider: E2BSandboxProvider
) -> None:
    csv = b"zip,amount,when\n01234,1.5,2024-01-31\n80331,,2024-02-01\n"
    spec = json.dumps([["zip", "str"], ["amount", "float64"], ["when", "date"]])
    sha = await store.put_blob(csv, THREAD)
    old = DatasetRecord(
        name="sales.csv",
        var_name="sales",
        blob_sha256=sha,
        file_name="sales.csv",
        load_code=f"{LEGACY_CSV_LOADER}\nsales = dataagent_load({DATA_DIR + '/sales.csv'!r}, {spec!r})\n"
        "del dataagent_load\n",
        profile_text="",
        profile=profile(ingest("sales.csv", csv, max_bytes=1 << 20)),
        rows=2,
        columns=("zip", "amount", "when"),
    )
    await store.add_dataset(THREAD, old)
    ((new, _),) = await Datasets(store, max_bytes=1 << 20).add(THREAD, "stock.csv", b"sku,n\n007,1\n008,2\n")
    assert new.file_name.endswith(".parquet")
    sessions = Sessions(store, e2b_provider)
    code = "print(sales['zip'].tolist(), sales['amount'].sum(), sales['when'].dt.day.tolist(), stock['n'].sum())"
    execution, _ = await sessions.run(THREAD, code, timeout=30)
    assert execution.stdout.strip() == "['01234', '80331'] 1.5 [31, 1] 3"
    await sessions.forget(THREAD)


async def test_a_replica_never_answers_from_a_kernel_another_replica_has_moved_past(store: Store) -> None:
    # Two processes with local kernels: each can only run the thread's cells in a kernel of its own.
    one = Sessions(store, LocalSandboxProvider())
    two = Sessions(store, LocalSandboxProvider())
    try:
        await _ran(one, store, "total = 1")  # the first question, in process one
        await _ran(two, store, "total = total + 10")  # the next one lands on process two: a new kernel, cells replayed
        # Back on process one: its kernel is alive but behind; the thread's state is the one process two left.
        execution, resurrected = await one.run(THREAD, "print(total)", timeout=60)
        assert execution.stdout.strip() == "11"
        assert resurrected is True
    finally:
        await one.aclose()
        await two.aclose()


async def _ran(sessions: Sessions, store: Store, cell: str) -> None:
    """Run a cell the way the engine does with a successful one: kept for replay."""
    execution, _ = await sessions.run(THREAD, cell, timeout=60)
    assert execution.ok, execution.error
    await store.add_cell(THREAD, cell)


async def test_a_thread_forgotten_by_another_replica_is_not_answered_from_this_ones_kernel(store: Store) -> None:
    here = Sessions(store, LocalSandboxProvider())
    try:
        await _ran(here, store, "salaries = {'ana': 91000}")
        await store.forget(THREAD)  # /analyze forget, handled by another process: its data and handle deleted
        execution, _ = await here.run(THREAD, "print('salaries' in dir())", timeout=60)
        assert execution.stdout.strip() == "False"
    finally:
        await here.aclose()
