"""DuckDB for big tables: it runs in both sandboxes, ordinary queries pass the code policy, its ways out do not."""

from __future__ import annotations

import importlib.util
import io
import subprocess
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import redis.asyncio as aioredis

from agent.datasets import Datasets
from agent.guard.code import check_code
from agent.ingest import ingest_file
from agent.llm.prompts import datasets_block
from agent.sandbox.base import DATA_DIR, SandboxProvider
from agent.sandbox.e2b import E2BSandboxProvider
from agent.sandbox.local import LocalSandboxProvider
from agent.store import Store
from tests.engine_helpers import SALES_CSV

PARQUET = f"{DATA_DIR}/sales.parquet"
QUERY = (
    "import duckdb\n"
    f"top = duckdb.sql(\"SELECT region, sum(revenue_usd) AS total FROM '{PARQUET}' "
    'GROUP BY region ORDER BY total DESC").df()\n'
    "print(top.iloc[0]['region'], top.iloc[0]['total'])"
)


def sales_parquet() -> bytes:
    out = io.BytesIO()
    pd.read_csv(io.BytesIO(SALES_CSV)).to_parquet(out)
    return out.getvalue()


async def run_query(provider: SandboxProvider) -> str:
    box = await provider.create()
    try:
        await box.upload("sales.parquet", sales_parquet())
        execution = await box.run(QUERY, timeout=60)
        assert execution.error is None, execution.error
        return execution.stdout.strip()
    finally:
        await box.close()


def test_an_ordinary_duckdb_query_passes_the_code_policy() -> None:
    assert check_code(QUERY).allowed
    by_path = (
        f"import duckdb\np = '{PARQUET}'\nprint(duckdb.sql(f\"SELECT count(*) FROM '{{p}}' WHERE region = 'North'\"))"
    )
    assert check_code(by_path).allowed
    on_frame = "import duckdb\nprint(duckdb.sql('SELECT region, avg(units) FROM df GROUP BY region').df())"
    assert check_code(on_frame).allowed
    # A pandas query with a column called "load" is not DuckDB's LOAD.
    assert check_code("print(df.query('load > 2'))").allowed


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("duckdb.sql('INSTALL httpfs')", "install a DuckDB extension"),
        ("duckdb.sql('LOAD httpfs')", "load a DuckDB extension"),
        ("duckdb.sql('SELECT 1; -- x\\nFORCE INSTALL spatial')", "install a DuckDB extension"),
        ("con = duckdb.connect()\ncon.install_extension('httpfs')", "load a DuckDB extension"),
        ("con = duckdb.connect()\ncon.load_extension('httpfs')", "load a DuckDB extension"),
        ("duckdb.sql(\"SELECT * FROM read_csv('https://example.com/a.csv')\")", "read a URL"),
        ("duckdb.sql(\"SELECT * FROM 's3://bucket/x.parquet'\")", "read a URL"),
        (f"duckdb.sql(\"COPY (SELECT * FROM '{PARQUET}') TO '/tmp/out.csv'\")", "copy data"),
        ("duckdb.sql(\"ATTACH '/tmp/other.db' AS o\")", "attach another database"),
        ("con = duckdb.connect()\ncon.execute(\"ATTACH 'x.db'\")", "attach another database"),
        ('duckdb.sql("SET enable_external_access = true")', "change DuckDB's settings"),
        ("duckdb.sql(\"EXPORT DATABASE '/tmp/dump'\")", "export a database"),
        ("duckdb.sql(\"SELECT * FROM read_text('/etc/passwd')\")", "'/etc/passwd'"),
        ("duckdb.sql(\"SELECT * FROM '/home/user/data/../../../etc/shadow'\")", "etc/shadow"),
        ("q = input()\nduckdb.sql(q)", "SQL that is not written out"),
    ],
)
def test_duckdbs_ways_out_are_refused(code: str, said: str) -> None:
    verdict = check_code("import duckdb\n" + code)
    assert not verdict.allowed
    assert any(said in str(v) for v in verdict.violations), verdict.violations


async def test_duckdb_reads_a_parquet_file_in_the_local_jail() -> None:
    provider = LocalSandboxProvider()
    try:
        assert await run_query(provider) == "South 390.0"
    finally:
        await provider.aclose()


async def test_duckdb_reads_a_parquet_file_in_the_fake_e2b(e2b_provider: E2BSandboxProvider) -> None:
    assert await run_query(e2b_provider) == "South 390.0"


@pytest.fixture
async def store(redis_url: str, namespace: str) -> AsyncIterator[Store]:
    client = aioredis.from_url(redis_url)
    yield Store(client, namespace=namespace)
    await client.aclose()


async def test_the_prompt_offers_duckdb_only_for_a_large_table(store: Store) -> None:
    ((record, _),) = await Datasets(store, max_bytes=10 << 20).add("T", "sales.csv", SALES_CSV)
    assert "duckdb" not in datasets_block([record])
    big = replace(record, rows=2_500_000)
    block = datasets_block([big])
    assert f"{DATA_DIR}/{record.file_name}" in block and "duckdb.sql(" in block and "2,500,000 rows" in block


@pytest.mark.parametrize("large", [True, False])
def test_loading_a_large_table_installs_duckdb_where_the_sandbox_lacks_it(
    large: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (ds,) = ingest_file("sales.csv", SALES_CSV, max_bytes=1 << 20)
    path = tmp_path / "sales.parquet"
    path.write_bytes(ds.stored)
    installs: list[list[str]] = []
    found = importlib.util.find_spec
    # A sandbox like E2B's template, which has neither pyarrow's nor DuckDB's absence fixed for it.
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "duckdb" else found(name, *a))
    monkeypatch.setattr(subprocess, "run", lambda argv, **_: installs.append(argv[3:]))
    namespace: dict[str, object] = {}
    exec(ds.load_code(str(path), "sales", large=large), namespace)
    assert installs == ([["install", "-q", "duckdb"]] if large else [])
    assert isinstance(namespace["sales"], pd.DataFrame) and "dataagent_load" not in namespace


async def test_only_an_upload_over_a_million_rows_is_loaded_as_large(store: Store) -> None:
    datasets = Datasets(store, max_bytes=64 << 20)
    ((small, _),) = await datasets.add("T", "sales.csv", SALES_CSV)
    rows = "n\n" + "".join(f"{i % 7}\n" for i in range(1_000_001))
    ((big, _),) = await datasets.add("T", "counts.csv", rows.encode())
    assert (small.large, big.large) == (False, True)
    assert "large=True" not in small.load_code and "dataagent_load('/home/user/data/counts.parquet', large=True)" in (
        big.load_code
    )
