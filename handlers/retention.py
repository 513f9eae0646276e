"""When a thread's data is deleted: what "kept until 8 Dec" is computed from, wherever data is listed."""

from __future__ import annotations

from collections.abc import Sequence

from agent import DatasetRecord
from handlers.deps import Deps


async def data_expires_at(deps: Deps, thread: str, records: Sequence[DatasetRecord]) -> float | None:
    """Epoch seconds at which the thread's datasets expire; None when unknown.

    A thread's records expire together, the retention period after the last one was stored; a thread
    whose records predate `stored_at` falls back to the TTL of its data marker.
    """
    stored = max((r.stored_at for r in records), default=0.0)
    if stored:
        return stored + deps.retention_days * 86_400
    return await deps.state.data_expires_at(thread)
