"""Where dataset bytes live: every blob store keeps the same contract, big blobs leave Redis, forget and the
retention sweep take them away, and a question is answered from a dataset held in S3."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import redis.asyncio as aioredis

from agent.blobs.base import BlobStore
from agent.blobs.disk import DiskBlobs
from agent.blobs.s3 import S3Blobs
from agent.datasets import Datasets
from agent.errors import ConfigError, DatasetError
from agent.store import Store
from bot.config import Settings
from bot.doctor import Problem, check_blobs
from tests.engine_helpers import SALES_CSV, Model, running_parts
from tests.fakes.groq_server import FakeGroq
from tests.s3_helpers import S3Server

THREAD, OTHER = "C1:1700000000.000100", "C1:1700000000.000200"


def sha_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.from_url(redis_url)
    yield redis
    await redis.aclose()


@pytest.fixture(params=["redis", "disk", "s3"])
async def blobs(
    request: pytest.FixtureRequest, client: aioredis.Redis, namespace: str, tmp_path: Path, s3_server: S3Server
) -> AsyncIterator[BlobStore]:
    store: BlobStore
    if request.param == "redis":
        store = Store(client, namespace=namespace).small
    elif request.param == "disk":
        store = DiskBlobs(tmp_path / "blobs")
    else:
        store = S3Blobs(s3_server.new_bucket())
    yield store
    await store.aclose()


async def test_every_store_gives_back_the_bytes_it_was_given_and_forgets_them_on_delete(blobs: BlobStore) -> None:
    data = os.urandom(300_000)
    sha = sha_of(data)
    assert await blobs.get(sha) is None and not await blobs.exists(sha)

    await blobs.put(sha, data)
    await blobs.put(sha, data)  # the same bytes again (another thread's upload) is no error
    assert await blobs.get(sha) == data and await blobs.exists(sha)

    await blobs.delete(sha)
    await blobs.delete(sha)  # gone already: still no error
    assert await blobs.get(sha) is None and not await blobs.exists(sha)


async def test_every_store_refuses_a_name_that_is_not_a_sha(blobs: BlobStore) -> None:
    for name in ("../../etc/passwd", "ab/../../x", "A" * 64, ""):
        with pytest.raises(ValueError, match="SHA-256"):
            await blobs.put(name, b"x")
        with pytest.raises(ValueError, match="SHA-256"):
            await blobs.get(name)


async def test_disk_and_s3_list_their_blobs_for_the_sweep(blobs: BlobStore) -> None:
    data = b"listed" * 1000
    await blobs.put(sha_of(data), data)
    listed = [b.sha async for b in blobs.listing()]
    # Redis expires its own blobs, so it lists none; the others list exactly what they hold.
    assert listed == ([] if blobs.name == "redis" else [sha_of(data)])


async def test_a_disk_blob_is_private_to_the_bot_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    disk = DiskBlobs(tmp_path / "blobs")
    data = b"secret rows" * 1000
    await disk.put(sha_of(data), data)
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [sha_of(data)]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def big_csv(mb: int) -> bytes:
    """About `mb` MB of random numbers and text: Parquet cannot squeeze it below a few MB."""
    rng = np.random.default_rng(7)
    rows = mb * 40_000
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "amount": rng.normal(100, 30, rows).round(4),
            "code": [f"K{n:09d}" for n in rng.integers(0, 10**9, rows)],
        }
    )
    return frame.to_csv(index=False).encode()


async def test_a_30_mb_dataset_is_stored_on_disk_and_not_in_redis(
    client: aioredis.Redis, namespace: str, tmp_path: Path
) -> None:
    csv = big_csv(30)
    assert len(csv) > 30 << 20
    store = Store(client, namespace=namespace, large=DiskBlobs(tmp_path / "blobs"))
    ((record, _),) = await Datasets(store, max_bytes=64 << 20).add(THREAD, "big.csv", csv)

    on_disk = tmp_path / "blobs" / record.blob_sha256[:2] / record.blob_sha256
    assert on_disk.stat().st_size > 1 << 20
    assert len(pd.read_parquet(io.BytesIO(await store.get_blob(record.blob_sha256)))) == record.rows
    keys = [k async for k in client.scan_iter(f"*{namespace}*")]
    assert not [k for k in keys if k == store.blob_key(record.blob_sha256).encode()]
    used = sum([await client.memory_usage(k) or 0 for k in keys])
    assert used < on_disk.stat().st_size / 20, used  # only metadata: records, references


async def test_small_parquet_stays_in_redis_without_a_second_compression(
    client: aioredis.Redis, namespace: str, tmp_path: Path
) -> None:
    store = Store(client, namespace=namespace, large=DiskBlobs(tmp_path / "blobs"))
    ((record, _),) = await Datasets(store, max_bytes=1 << 20).add(THREAD, "sales.csv", SALES_CSV)
    raw = await client.get(store.blob_key(record.blob_sha256))
    assert raw is not None and raw.startswith(b"PAR1")
    assert not (tmp_path / "blobs").exists() or not any((tmp_path / "blobs").rglob("*"))


async def test_a_blob_stored_zlib_compressed_before_this_change_still_reads(
    client: aioredis.Redis, namespace: str
) -> None:
    store = Store(client, namespace=namespace)
    legacy = b"date,region\n2024-01-05,North\n"
    await client.set(store.blob_key(sha_of(legacy)), zlib.compress(legacy, 6))
    assert await store.get_blob(sha_of(legacy)) == legacy


@pytest.fixture(params=["disk", "s3"])
async def large(request: pytest.FixtureRequest, tmp_path: Path, s3_server: S3Server) -> AsyncIterator[BlobStore]:
    store: BlobStore = DiskBlobs(tmp_path / "blobs") if request.param == "disk" else S3Blobs(s3_server.new_bucket())
    yield store
    await store.aclose()


async def test_forget_deletes_the_big_blob_at_once_but_not_while_another_thread_uses_it(
    client: aioredis.Redis, namespace: str, large: BlobStore
) -> None:
    store = Store(client, namespace=namespace, large=large, large_min_bytes=1 << 10)
    data = os.urandom(64 << 10)
    sha = await store.put_blob(data, THREAD)
    assert await store.put_blob(data, OTHER) == sha

    await store.forget(THREAD)
    assert await large.exists(sha) and await store.get_blob(sha) == data  # OTHER still reads it

    await store.forget(OTHER)
    assert not await large.exists(sha)
    assert [k async for k in client.scan_iter(f"*{namespace}*")] == []


async def test_the_sweep_removes_big_blobs_whose_references_expired_and_keeps_the_rest(
    client: aioredis.Redis, namespace: str, large: BlobStore
) -> None:
    store = Store(client, namespace=namespace, large=large, large_min_bytes=1 << 10)
    expired, live = os.urandom(8 << 10), os.urandom(8 << 10)
    await store.put_blob(expired, THREAD)
    await store.put_blob(live, OTHER)
    # Retention ran out for THREAD's references (Redis expired them); OTHER's are still within it.
    await client.delete(store.blob_key(sha_of(expired)) + ":refs")

    assert await store.sweep_blobs() == 0  # just written: within the grace period, a racing rewrite is safe
    assert await store.sweep_blobs(grace_s=0) == 1
    assert not await large.exists(sha_of(expired))
    assert await store.get_blob(sha_of(live)) == live


async def test_a_question_is_answered_from_a_dataset_held_in_s3(
    redis_url: str, namespace: str, fake_groq: FakeGroq, s3_server: S3Server
) -> None:
    large = S3Blobs(s3_server.new_bucket())
    fake_groq.respond_with(Model(['print(df.groupby("region")["revenue_usd"].sum().idxmax())']))
    try:
        async with running_parts(redis_url, namespace, fake_groq, large=large) as parts:
            (record,) = await parts.engine.add_dataset(THREAD, "sales.csv", SALES_CSV)
            assert await large.exists(record.blob_sha256)
            assert not await parts.store.redis.exists(parts.store.blob_key(record.blob_sha256))
            answer = await parts.engine.ask(THREAD, "Which region sells the most?", None)
            assert answer.status == "answered", answer.error
            assert "North" in answer.stdout or "South" in answer.stdout
            await parts.engine.forget(THREAD)
            assert not await large.exists(record.blob_sha256)
    finally:
        await large.aclose()


def test_blob_url_must_name_a_store_we_know() -> None:
    for bad in ("ftp://x/y", "s3://", "relative/dir", "file://relative"):
        with pytest.raises(ConfigError, match="BLOB_URL"):
            Settings.from_env({"BLOB_URL": bad})
    assert Settings.from_env({"BLOB_URL": "s3://bucket/prefix"}).blob_url == "s3://bucket/prefix"


async def test_doctor_reports_a_writable_blob_dir_and_an_unreachable_bucket(
    tmp_path: Path, s3_server: S3Server
) -> None:
    assert "writable" in await check_blobs(Settings.from_env({"DATA_DIR": str(tmp_path)}))
    good = s3_server.new_bucket()
    env = {
        "BLOB_URL": good.url,
        "S3_ENDPOINT_URL": s3_server.endpoint_url,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test-secret",
    }
    assert "reachable" in await check_blobs(Settings.from_env(env))
    with pytest.raises(Problem, match="BLOB_URL") as err:
        await check_blobs(Settings.from_env({**env, "BLOB_URL": "s3://no-such-bucket/x"}))
    assert "test-secret" not in str(err.value)


async def test_a_blob_store_that_cannot_write_stores_nothing_and_says_so(
    client: aioredis.Redis, namespace: str, tmp_path: Path
) -> None:
    (tmp_path / "blobs").write_text("a file where the blob directory should be")
    store = Store(client, namespace=namespace, large=DiskBlobs(tmp_path / "blobs"), large_min_bytes=1 << 10)
    with pytest.raises(DatasetError, match="file storage is full or unreachable"):
        await Datasets(store, max_bytes=1 << 20).add(THREAD, "sales.csv", SALES_CSV * 40)
    assert [k async for k in client.scan_iter(f"*{namespace}*")] == []
