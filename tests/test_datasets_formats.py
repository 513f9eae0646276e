"""A workbook's sheets stored together in a thread, or none of them when the file is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from agent.datasets import Datasets
from agent.errors import DatasetError
from agent.ingest.csvread import MAX_COLUMNS
from agent.store import Store
from tests.workbook_helpers import sales_workbook, workbook

THREAD = "C7:1700000000.000700"


@pytest.fixture
async def store(redis_url: str, namespace: str) -> AsyncIterator[Store]:
    client = aioredis.from_url(redis_url)
    yield Store(client, namespace=namespace)
    await client.aclose()


async def test_every_sheet_is_stored_with_its_own_position_and_name(store: Store) -> None:
    datasets = Datasets(store, max_bytes=10 << 20)
    (csv, position) = (await datasets.add(THREAD, "q2.csv", b"Region,Units\nEast,1\n"))[0]
    added = await datasets.add(THREAD, "sales.xlsx", sales_workbook())
    assert [(r.var_name, i) for r, i in added] == [("sales_q1", 1), ("sales_q2", 2)]
    stored = await store.datasets(THREAD)
    assert [r.var_name for r in stored] == [csv.var_name, "sales_q1", "sales_q2"]
    assert position == 0
    assert "sales_q2 = dataagent_load(" in added[1][0].load_code


async def test_a_workbook_with_one_unreadable_sheet_stores_nothing(store: Store) -> None:
    datasets = Datasets(store, max_bytes=10 << 20)
    wide = [[f"c{i}" for i in range(MAX_COLUMNS + 1)], [1]]
    book = workbook(("Good", [["a", "b"], [1, 2]]), ("Wide", wide), ("AlsoGood", [["x"], ["y"]]))
    with pytest.raises(DatasetError, match="sheet 'Wide' has 2,001 columns"):
        await datasets.add(THREAD, "mixed.xlsx", book)
    assert await store.datasets(THREAD) == []
