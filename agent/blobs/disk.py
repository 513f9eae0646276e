"""Blobs as files under one directory: `{root}/{sha[:2]}/{sha}`, mode 0600, written atomically."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from agent.blobs.base import BlobUnavailable, StoredBlob, checked_sha


class DiskBlobs:
    """The embedded default for big blobs: one host, the bot's own data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = f"disk {root}"

    def _path(self, sha: str) -> Path:
        # Only the checked sha names a file: nothing a user chose reaches the path.
        sha = checked_sha(sha)
        return self.root / sha[:2] / sha

    async def put(self, sha: str, data: bytes) -> None:
        path = self._path(sha)
        try:
            await asyncio.to_thread(self._write, path, data)
        except OSError as exc:
            raise BlobUnavailable(f"{self.name}: {exc.strerror}") from exc

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A crash mid-write leaves a temporary file, never a short blob under the real name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    async def get(self, sha: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self._path(sha).read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, sha: str) -> None:
        await asyncio.to_thread(self._path(sha).unlink, missing_ok=True)

    async def exists(self, sha: str) -> bool:
        return await asyncio.to_thread(self._path(sha).is_file)

    async def listing(self) -> AsyncIterator[StoredBlob]:
        for blob in await asyncio.to_thread(self._scan):
            yield blob

    def _scan(self) -> list[StoredBlob]:
        found = []
        for path in self.root.glob("??/*"):
            if path.name.startswith(".tmp-"):
                continue
            try:
                found.append(StoredBlob(checked_sha(path.name), path.stat().st_mtime))
            except (ValueError, FileNotFoundError):
                continue  # not a blob of ours, or deleted while listing
        return found

    async def check(self) -> str:
        await asyncio.to_thread(self._probe)
        return f"blobs on {self.name} (writable)"

    def _probe(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".tmp-doctor-") as f:
            f.write(b"ok")
            f.flush()
            os.fsync(f.fileno())

    async def aclose(self) -> None:
        return None


def _fsync_dir(path: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
