"""The real bot with its datasets in an S3-compatible bucket: upload, question, answer, forget."""

from __future__ import annotations

import os
import time
from pathlib import Path

import boto3
import redis.asyncio as aioredis

from tests.bot_helpers import CHANNEL, bot_settings, events_url, message_text, running_bot, wait_final
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.s3_helpers import S3Server
from tests.test_slack_e2e import CHART_CODE, share_sales, wait_card


def objects(server: S3Server, url: str) -> list[str]:
    bucket, prefix = url.removeprefix("s3://").split("/", 1)
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test-secret",
    )
    found = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    client.close()
    return found


async def test_upload_and_question_with_blobs_in_s3(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = s3_server.new_bucket()
    extra = {
        "BLOB_URL": bucket.url,
        "BLOB_REDIS_MAX_KB": "0",  # every blob to S3, however small
        "S3_ENDPOINT_URL": s3_server.endpoint_url,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test-secret",
    }
    fake_groq.respond_with(Model([CHART_CODE]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, extra=extra)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        assert "6 rows" in await wait_card(fake_slack, CHANNEL, file_ts)
        assert len(objects(s3_server, bucket.url)) == 1
        assert not [k async for k in bot.services.redis.scan_iter(f"{namespace}:blob:*")]

        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Top region?", thread_ts=file_ts))
        assert "South with 390.00" in message_text(await wait_final(fake_slack, CHANNEL, file_ts))

        await bot.services.engine.forget(f"{CHANNEL}:{file_ts}")
        assert objects(s3_server, bucket.url) == []


async def test_the_bot_sweeps_unreferenced_disk_blobs_at_start_up(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    orphan, kept = "ab" * 32, "cd" * 32
    for sha in (orphan, kept):
        path = tmp_path / "blobs" / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"old bytes")
        os.utime(path, (time.time() - 86_400, time.time() - 86_400))
    # `kept` is still referenced by a thread (its reference set lives in Redis); `orphan`'s expired.
    redis = aioredis.from_url(redis_url)
    await redis.sadd(f"{{{namespace}:blob:{kept}}}:refs", "C1:1.2")
    try:
        async with running_bot(bot_settings(fake_slack, fake_groq, redis_url, tmp_path), namespace):
            await fake_slack.wait_until(
                lambda: not (tmp_path / "blobs" / orphan[:2] / orphan).exists() or None,
                timeout=30,
                what=lambda: "the start-up sweep",
            )
            assert (tmp_path / "blobs" / kept[:2] / kept).exists()
    finally:
        await redis.delete(f"{{{namespace}:blob:{kept}}}:refs")
        await redis.aclose()
