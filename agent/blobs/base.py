"""The blob store contract: bytes kept by their SHA-256, nothing else.

Which threads use a blob and how long it lives is metadata in Redis (`agent.store`), whatever holds the bytes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

_SHA = re.compile(r"[0-9a-f]{64}")


def checked_sha(sha: str) -> str:
    """`sha` if it is a lowercase hex SHA-256; the only name a blob's file or object ever gets."""
    if not _SHA.fullmatch(sha):
        raise ValueError("a blob is named by its lowercase hex SHA-256")
    return sha


class BlobUnavailable(Exception):
    """A store could not take a blob (disk full or unwritable, bucket unreachable); the cause is chained."""


@dataclass(frozen=True)
class StoredBlob:
    """One blob as listed by a store, for the retention sweep."""

    sha: str
    written_at: float  # epoch seconds of its last write


class BlobStore(Protocol):
    """Content-addressed bytes. `put` of the same sha again rewrites it (and refreshes `written_at`)."""

    name: str  # for logs and `dataagent doctor`: where the bytes go

    async def put(self, sha: str, data: bytes) -> None:
        """Store the bytes durably; raises BlobUnavailable when the store cannot take them."""
        ...

    async def get(self, sha: str) -> bytes | None:
        """The bytes, or None when the blob is not (or no longer) there."""
        ...

    async def delete(self, sha: str) -> None:
        """Remove the blob; removing one that is not there is not an error."""
        ...

    async def exists(self, sha: str) -> bool: ...

    def listing(self) -> AsyncIterator[StoredBlob]:
        """Every blob held, for the sweep of blobs no thread references any more."""
        ...

    async def check(self) -> str:
        """Prove the store is reachable and writable; returns a line for `dataagent doctor`."""
        ...

    async def aclose(self) -> None: ...
