"""Slack events in, durable jobs out.

Listeners only decide whether a message is for the bot and enqueue a job; the work happens in
`handlers.work`. A job id is derived from the message (channel and ts), so Slack's retries and
a mention that also arrives as a plain message enqueue one job, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import manners, texts
from handlers.deps import Deps
from handlers.files import SharedFile
from handlers.limit_command import refusal_text
from handlers.names import UserNames
from handlers.payloads import FileJob, QuestionJob
from handlers.state import thread_key
from jobqueue import Job

log = logging.getLogger(__name__)

ANNOUNCE_TIMEOUT_S = 0.5

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Subtypes that are someone's edit, deletion, join, bot post…: never questions.
_TAKEN_SUBTYPES = {None, "file_share", "thread_broadcast"}
# What a file must end in to be taken (upload an unusual name and the engine says what it is).
_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt", ".tab", ".psv", ".gz", ".zip", ".bz2", ".xz")
_TYPED_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".parquet", ".pq", ".feather", ".arrow", ".json", ".jsonl")
TABLE_EXTENSIONS: tuple[str, ...] = (*_TEXT_EXTENSIONS, *_TYPED_EXTENSIONS, ".ndjson")


def clean_question(text: str, bot_user_id: str | None = None, names: Mapping[str, str] | None = None) -> str:
    """The question as typed: the bot's own mention removed, other people kept as "@Name", entities decoded."""
    return manners.question_text(text, bot_user_id, names or {})


def mentions(text: str, user_id: str | None) -> bool:
    return bool(user_id) and any(m == user_id for m in _MENTION.findall(text or ""))


def looks_tabular(file: dict[str, Any]) -> bool:
    name = str(file.get("name") or "").lower()
    return file.get("filetype") in ("csv", "tsv", "xlsx", "xls", "json") or name.endswith(TABLE_EXTENSIONS)


def _from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    subtype = event.get("subtype")
    return not event.get("bot_id") and subtype in _TAKEN_SUBTYPES and event.get("user") not in (None, bot_user_id)


async def take_message(
    event: dict[str, Any], deps: Deps, client: AsyncWebClient, bot_user_id: str | None, names: UserNames
) -> None:
    """Decide whether a message (or mention) is for the bot, and enqueue its work."""
    if not _from_a_person(event, bot_user_id):
        return
    try:
        await _take(event, deps, client, bot_user_id, names)
    finally:
        # Announced on arrival (`announce_message`), taken back once its jobs (a file's and a question's)
        # are queued or it turned out to be none; it expires on its own if this fails.
        if (sent := message_time(str(event["ts"]))) is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(ANNOUNCE_TIMEOUT_S):
                    await deps.queue.withdraw(_thread_of(event), sent)


async def announce_message(deps: Deps, body: dict[str, Any], bot_user_id: str | None, *, retry: bool) -> None:
    """Before Slack has its ack: say a person's message is on its way to the queue.

    A message sent after it, delivered meanwhile (to another process, or this one), then waits for it
    instead of overtaking it while it passes the checks before `enqueue`. Bounded and never raising:
    the ack must not wait on Redis, and without the announcement only this ordering is lost. A
    redelivery (`retry`) announces nothing: it is dropped as seen before it could take it back.
    """
    if retry:
        return
    event = body.get("event") if body.get("type") == "event_callback" else None
    if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention"):
        return
    if not _from_a_person(event, bot_user_id) or "channel" not in event:
        return
    if (sent := message_time(str(event.get("ts")))) is None:
        return
    try:
        async with asyncio.timeout(ANNOUNCE_TIMEOUT_S):
            await deps.queue.announce(_thread_of(event), sent)
    except Exception as exc:  # Redis down or slow, a cluster without the slot: the ack goes out anyway
        log.info("announce_failed error=%s", type(exc).__name__)


def _thread_of(event: dict[str, Any]) -> str:
    return thread_key(str(event["channel"]), str(event.get("thread_ts") or event["ts"]))


async def _take(
    event: dict[str, Any], deps: Deps, client: AsyncWebClient, bot_user_id: str | None, names: UserNames
) -> None:
    channel, ts = str(event["channel"]), str(event["ts"])
    thread_ts = str(event.get("thread_ts") or ts)
    thread = thread_key(channel, thread_ts)
    text = str(event.get("text") or "")
    in_thread = "thread_ts" in event
    is_dm = event.get("channel_type") == "im"
    addressed = mentions(text, bot_user_id) or event.get("type") == "app_mention"
    files = [f for f in event.get("files") or [] if isinstance(f, dict)]
    people = 1
    if not is_dm and (in_thread or addressed or files):
        # Everyone who posts in a thread counts, taken or not: a conversation between people is
        # what makes the bot wait for a mention.
        people = await deps.state.add_participant(thread, str(event["user"]))
    if files:
        if not await _take_files(event, files, deps, client, thread, loud=addressed or is_dm):
            return
        wanted = (
            addressed or is_dm or not (manners.mentions_someone_else(text, bot_user_id) or manners.is_chatter(text))
        )
    else:
        active = in_thread and await deps.state.is_active(thread)
        where = manners.Where(addressed=addressed, is_dm=is_dm, active_thread=active, people=people)
        wanted = manners.for_the_bot(text, bot_user_id, where)
    if not wanted:
        return
    known = await names.lookup(client, manners.mentioned_users(text, bot_user_id))
    question = clean_question(text, bot_user_id, known)
    if not question:
        if not files:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=texts.EMPTY_MENTION)
        return
    await enqueue_question(
        deps,
        client,
        channel=channel,
        thread_ts=thread_ts,
        question=question,
        user=str(event.get("user")),
        job_id=f"q:{channel}:{ts}",
        borrow_latest=not in_thread and not files,
        react_to=ts,
        sent_at=message_time(ts),
    )


async def _take_files(
    event: dict[str, Any],
    files: list[dict[str, Any]],
    deps: Deps,
    client: AsyncWebClient,
    thread: str,
    *,
    loud: bool,
) -> bool:
    """Queue the tabular files of a message; False when it had none (after saying so where that is welcome)."""
    channel, ts = str(event["channel"]), str(event["ts"])
    thread_ts = str(event.get("thread_ts") or ts)
    tabular = [f for f in files if looks_tabular(f)]
    if not tabular:
        if loud or await deps.state.is_active(thread):
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=texts.NOT_A_TABLE_FILE)
        return False
    shared = tuple(SharedFile.from_event(f) for f in tabular)
    payload = FileJob(channel=channel, thread_ts=thread_ts, user=str(event["user"]), files=shared)
    await deps.queue.enqueue(Job(f"file:{channel}:{ts}", thread, payload), position=message_time(ts))
    await deps.state.mark_active(thread)
    return True


async def enqueue_question(
    deps: Deps,
    client: AsyncWebClient,
    *,
    channel: str,
    thread_ts: str,
    question: str,
    user: str,
    job_id: str,
    borrow_latest: bool,
    react_to: str | None = None,
    sent_at: float | None = None,
) -> bool:
    """Queue a question and show at once that it was heard: 👀 on the message that asked.

    No message of its own: the answer arrives as a new message, progress as the thread's status.
    Returns False when it was a duplicate, or over a fair-use limit (then the thread is told when to ask again).
    """
    refusal = await deps.limits.admit(job_id, user, channel)
    if refusal is not None:
        log.info("question_over_limit job_id=%s limit=%s", job_id, refusal.limit.name)
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=refusal_text(refusal))
        return False
    payload = QuestionJob(
        channel=channel, thread_ts=thread_ts, question=question, user=user, borrow_latest=borrow_latest
    )
    # Placed by when the message was sent: two sent back to back may be enqueued in reverse (two
    # processes, or the checks above taking longer for the first), and still run in the order sent.
    entry = await deps.queue.enqueue(Job(job_id, thread_key(channel, thread_ts), payload), position=sent_at)
    if not entry:
        return False
    await deps.state.mark_active(thread_key(channel, thread_ts))
    if react_to is not None:
        try:
            await client.reactions_add(channel=channel, timestamp=react_to, name=texts.HEARD_REACTION)
        except SlackApiError as exc:  # an acknowledgement is a courtesy: never lose the question over it
            log.info("reaction_failed job_id=%s error=%s", job_id, exc.response.get("error"))
    return True


def message_time(ts: str) -> float | None:
    """When a Slack message was sent (its ts is epoch seconds with a sequence suffix); None if it is not one."""
    try:
        sent = float(ts)
    except ValueError:
        return None
    return sent if math.isfinite(sent) else None
