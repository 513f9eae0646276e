"""Blobs as objects in an S3-compatible bucket, for deployments where several hosts share the data.

boto3 rather than aiobotocore: aiobotocore pins one exact botocore release, which would fight every other
package in the lock that wants botocore; boto3's calls run in a worker thread (`asyncio.to_thread`), and a
blob call is one request, so the thread costs nothing next to the transfer.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from agent.blobs.base import BlobUnavailable, StoredBlob, checked_sha

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class S3Settings:
    """Where the bucket is; empty credentials fall back to boto3's own chain (environment, instance role)."""

    url: str  # s3://bucket/prefix
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str = field(default="", repr=False)
    secret_access_key: str = field(default="", repr=False)


class S3Blobs:
    """Blob `sha` is the object `{prefix}/{sha}` in the bucket."""

    def __init__(self, settings: S3Settings) -> None:
        parsed = urlparse(settings.url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError("BLOB_URL for S3 is s3://bucket/prefix")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.name = f"S3 s3://{self.bucket}/{self.prefix}"
        self._client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id or None,
            aws_secret_access_key=settings.secret_access_key or None,
            config=Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, sha: str) -> str:
        sha = checked_sha(sha)
        return f"{self.prefix}/{sha}" if self.prefix else sha

    async def put(self, sha: str, data: bytes) -> None:
        key = self._key(sha)
        try:
            await asyncio.to_thread(self._client.put_object, Bucket=self.bucket, Key=key, Body=data)
        except (BotoCoreError, ClientError) as exc:
            raise BlobUnavailable(f"{self.name}: {type(exc).__name__}") from exc

    async def get(self, sha: str) -> bytes | None:
        return await asyncio.to_thread(self._get, self._key(sha))

    def _get(self, key: str) -> bytes | None:
        # Into one buffer the size of the object: no second copy of a big blob while it streams in.
        buf = io.BytesIO()
        try:
            self._client.download_fileobj(self.bucket, key, buf)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return buf.getvalue()

    async def delete(self, sha: str) -> None:
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=self._key(sha))

    async def exists(self, sha: str) -> bool:
        try:
            await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=self._key(sha))
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    async def listing(self) -> AsyncIterator[StoredBlob]:
        for blob in await asyncio.to_thread(self._scan):
            yield blob

    def _scan(self) -> list[StoredBlob]:
        found = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else ""
        )
        for page in pages:
            for obj in page.get("Contents", []):
                name = obj["Key"].rsplit("/", 1)[-1]
                try:
                    found.append(StoredBlob(checked_sha(name), obj["LastModified"].timestamp()))
                except ValueError:
                    continue  # someone else's object under the prefix: never ours to delete
        return found

    async def check(self) -> str:
        await asyncio.to_thread(self._client.head_bucket, Bucket=self.bucket)
        return f"blobs in {self.name} (bucket reachable)"

    async def aclose(self) -> None:
        await asyncio.to_thread(self._client.close)


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")
