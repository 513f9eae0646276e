"""What the Slack listeners and the job handler need, passed in explicitly (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from agent import AuditLog, Engine
from handlers.access import Access
from handlers.limits import FairUse
from handlers.payloads import Payload
from handlers.state import SlackState
from jobqueue import JobQueue


@dataclass(frozen=True)
class Deps:
    engine: Engine
    queue: JobQueue[Payload]
    state: SlackState
    bot_token: str
    api_url: str
    max_file_bytes: int
    access: Access
    audit: AuditLog
    retention_days: int
    limits: FairUse
    # Users who may change channel settings besides the workspace's admins and owners (ADMIN_USER_IDS).
    admin_ids: frozenset[str] = frozenset()
