"""The audit trail on real Redis: what is kept, for how long, what forget takes, and `dataagent audit`."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from agent import AuditLog
from bot.cli_audit import parse_since
from tests.test_cli_data import run_cli

SECRET_CODE = "print(df['salary'].sum())\nprint('second line')"


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


async def _ask(log: AuditLog, conversation: str, user: str, question: str, outcome: str = "answered") -> None:
    await log.record(
        user=user,
        conversation=conversation,
        thread="1796083200.000100",
        question=question,
        datasets=("payroll.csv",),
        code=SECRET_CODE,
        outcome=outcome,
    )


async def test_entries_read_back_by_conversation_and_since_and_forget_takes_only_that_conversation(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    log = AuditLog(redis_client, namespace=namespace, retention_days=7)
    await _ask(log, "G0HR000001", "U0ANA00001", "Total salary?")
    await _ask(log, "C0SALES001", "U0BO000001", "Top region?", outcome="failed")
    everything = await log.entries()
    assert [(e.conversation, e.user, e.outcome) for e in everything] == [
        ("G0HR000001", "U0ANA00001", "answered"),
        ("C0SALES001", "U0BO000001", "failed"),
    ]
    assert everything[0].code == SECRET_CODE and everything[0].datasets == ("payroll.csv",)
    assert [e.question for e in await log.entries(conversation="C0SALES001")] == ["Top region?"]
    assert await log.entries(since=time.time() + 60) == []
    # Every key expires with the data.
    keys = [k async for k in redis_client.scan_iter(f"{namespace}:audit:*")]
    ttls = [await redis_client.ttl(k) for k in keys]
    assert len(keys) == 3 and all(0 < ttl <= 7 * 86_400 for ttl in ttls)  # two streams and their index

    await log.forget("G0HR000001")
    assert [e.conversation for e in await log.entries()] == ["C0SALES001"]
    assert not [k async for k in redis_client.scan_iter(f"{namespace}:audit:G0HR000001*")]


async def test_a_write_trims_entries_older_than_the_retention_by_minid(
    redis_client: aioredis.Redis, namespace: str
) -> None:
    log = AuditLog(redis_client, namespace=namespace, retention_days=1)
    stream = f"{namespace}:audit:C0SALES001"
    two_days_ago_ms = int((time.time() - 2 * 86_400) * 1000)
    await redis_client.xadd(stream, {"user": "U0OLD00001", "question": "old"}, id=f"{two_days_ago_ms}-0")
    await _ask(log, "C0SALES001", "U0NEW00001", "new")
    raw = await redis_client.xrange(stream)
    assert [fields[b"question"] for _, fields in raw] == [b"new"]  # gone from Redis, not only filtered


def test_since_takes_dates_times_and_ages_and_refuses_anything_else() -> None:
    now = 1_796_083_200.0  # 2026-12-01 00:00 UTC
    assert parse_since("2026-12-01", now) == now
    assert parse_since("2026-11-30T12:00", now) == now - 12 * 3600
    assert parse_since("7d", now) == now - 7 * 86_400 and parse_since("12h", now) == now - 12 * 3600
    with pytest.raises(ValueError, match="--since takes"):
        parse_since("last tuesday", now)


async def test_the_audit_command_prints_a_table_or_json_lines_for_one_channel(
    redis_client: aioredis.Redis, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    log = AuditLog(redis_client, namespace=namespace, retention_days=7)
    await _ask(log, "G0HR000001", "U0ANA00001", "Total salary by team, with a long tail " + "x" * 100)
    await _ask(log, "C0SALES001", "U0BO000001", "Top region?")
    env = {"REDIS_URL": redis_url, "REDIS_PREFIX": namespace}
    code, out, err = await run_cli(tmp_path, "audit", "--channel", "G0HR000001", env=env)
    assert code == 0, err
    header, row = out.strip().splitlines()
    assert header.split()[:2] == ["when", "(UTC)"] and "G0HR000001" in row and "U0ANA00001" in row
    assert "payroll.csv" in row and "2 lines" in row and "C0SALES001" not in out and row.endswith("…")
    code, out, _ = await run_cli(tmp_path, "audit", "--json", "--since", "1d", env=env)
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert code == 0 and {e["conversation"] for e in lines} == {"G0HR000001", "C0SALES001"}
    assert all(e["code"] == SECRET_CODE for e in lines)
    code, _, err = await run_cli(tmp_path, "audit", "--since", "yesterday-ish", env=env)
    assert code == 2 and "--since takes" in err
