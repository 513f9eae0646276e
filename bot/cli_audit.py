"""`dataagent audit`: the audit trail for an admin, as a table or as JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from agent.audit import AuditEntry, AuditLog
from bot.config import Settings
from bot.exit_codes import Exit
from bot.redis_connect import connect
from bot.services import redis_url

_RELATIVE = re.compile(r"^(\d+)([dhm])$")
_UNIT_S = {"d": 86_400, "h": 3600, "m": 60}
_QUESTION_WIDTH = 60


def add_audit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="export who asked what, where, on which data, with the code that ran")
    audit.add_argument("--channel", default=None, help="one conversation's entries (a channel, group or DM id)")
    audit.add_argument(
        "--since", default=None, help="from this UTC date or time (2026-12-01, 2026-12-01T09:00) or age (7d, 12h)"
    )
    audit.add_argument("--json", action="store_true", help="one JSON object per line, code included")


def parse_since(raw: str, now: float) -> float:
    """Epoch seconds of `--since`; raises ValueError with the accepted forms."""
    if match := _RELATIVE.match(raw.strip()):
        return now - int(match.group(1)) * _UNIT_S[match.group(2)]
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(
            f"--since takes a date (2026-12-01), a UTC time (2026-12-01T09:00) or an age (7d, 12h), not {raw!r}."
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since, time.time()) if args.since else None
    except ValueError as exc:
        print(f"dataagent: {exc}", file=sys.stderr)
        return Exit.USAGE
    entries = asyncio.run(_read(settings, args.channel, since))
    if args.json:
        for entry in entries:
            print(entry.to_json())
    else:
        print(table(entries))
    return Exit.OK


async def _read(settings: Settings, channel: str | None, since: float | None) -> list[AuditEntry]:
    store = connect(redis_url(settings), socket_timeout=30, socket_connect_timeout=10)
    try:
        log = AuditLog(store, namespace=settings.redis_prefix, retention_days=settings.retention_days)
        return await log.entries(conversation=channel, since=since)
    finally:
        await store.aclose()


def table(entries: Sequence[AuditEntry]) -> str:
    """A plain table for a terminal; the code is summarised (its lines), `--json` carries it whole."""
    if not entries:
        return "No audit entries."
    header = ("when (UTC)", "conversation", "user", "outcome", "tokens", "datasets", "code", "question")
    rows = [header]
    for e in entries:
        when = datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        code = f"{len(e.code.splitlines())} lines" if e.code else "-"
        question = " ".join(e.question.split())
        if len(question) > _QUESTION_WIDTH:
            question = question[: _QUESTION_WIDTH - 1] + "…"
        datasets = ", ".join(e.datasets) or "-"
        rows.append((when, e.conversation, e.user, e.outcome, f"{e.tokens:,}", datasets, code, question))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in rows
    ]
    return "\n".join(lines)
