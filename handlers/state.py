"""What the Slack layer remembers in Redis, next to the engine's state.

{ns}:s:latest:{channel}      thread key of the channel's most recent dataset
{ns}:s:active:{thread}       the thread holds a dataset or the bot answered in it
{ns}:s:answer:{question_id}  the question, code and raw output behind an answer (Show code / Try again)
{ns}:s:answers:{thread}      the question ids of the thread's saved answers (what forget deletes)
{ns}:s:answered:{job_id}     the job's answer is posted (a redelivered job must not answer twice)
{ns}:s:card:{job_id}         the file job's profile card is being or was posted (a redelivered job posts none)
{ns}:s:cancel:{job_id}       who clicked Cancel on a running question (short TTL; any replica may hold the job)
{ns}:s:sharers:{thread}      who shared each of the thread's files (file name → display name)
{ns}:s:feedback:{question_id} 👍 / 👎 and notes on an answer, by user
{ns}:s:retried:{question_id} a Try again was taken (a double click enqueues once)
{ns}:s:event:{event_id}      events already taken in (Slack retries)
{ns}:s:people:{thread}       set of the humans who have posted in a thread (conversation manners)
{ns}:s:threads:{channel}     the channel's threads that hold data or answers (Forget, App Home)
{ns}:s:channels              channels with threads above (App Home reads it against a user's channels)
{ns}:s:data:{thread}         set when data arrives in the thread; its TTL is when the data expires
{ns}:s:suggestion:{id}       a profile card's suggested question: channel, thread ts and question (JSON)
{ns}:s:suggested:{id}:{user} the user clicked that suggestion (a double click asks once)
"""

from __future__ import annotations

import json
import logging
import time

from agent.redis_client import RedisClient
from handlers.payloads import SavedAnswer

log = logging.getLogger(__name__)

CANCEL_TTL_S = 900  # longer than a question runs; a click on a finished question leaves nothing behind for long


def thread_key(channel: str, thread_ts: str) -> str:
    """The engine's opaque thread key for a Slack thread."""
    return f"{channel}:{thread_ts}"


class SlackState:
    def __init__(self, client: RedisClient, *, namespace: str, retention_days: int) -> None:
        self.redis = client
        self.ns = namespace
        self.ttl_s = retention_days * 86_400

    def _k(self, *parts: str) -> str:
        return ":".join((self.ns, "s", *parts))

    async def first_sight(self, event_id: str) -> bool:
        """True the first time an event id is seen (within an hour)."""
        return bool(await self.redis.set(self._k("event", event_id), "1", nx=True, ex=3600))

    async def set_latest(self, channel: str, thread: str) -> None:
        await self.redis.set(self._k("latest", channel), thread, ex=self.ttl_s)

    async def latest(self, channel: str) -> str | None:
        raw = await self.redis.get(self._k("latest", channel))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def clear_latest(self, channel: str) -> None:
        await self.redis.delete(self._k("latest", channel))

    async def mark_active(self, thread: str) -> None:
        await self.redis.set(self._k("active", thread), "1", ex=self.ttl_s)

    async def is_active(self, thread: str) -> bool:
        return bool(await self.redis.exists(self._k("active", thread)))

    async def add_participant(self, thread: str, user: str) -> int:
        """Note that `user` posted in `thread`; returns how many different people have posted there."""
        key = self._k("people", thread)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, user)
            pipe.expire(key, self.ttl_s)
            pipe.scard(key)
            replies = await pipe.execute()
        return int(replies[-1])

    async def save_answer(self, question_id: str, record: SavedAnswer) -> None:
        """Keep what the answer's buttons need, for the retention period."""
        index = self._k("answers", thread_key(record.channel, record.thread_ts))
        # The thread's index first, then the record in its own Cluster slot: forget must find every record.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(index, question_id)
            pipe.expire(index, self.ttl_s)
            await pipe.execute()
        await self.redis.set(self._k("answer", question_id), record.to_json(), ex=self.ttl_s)

    async def answer(self, question_id: str) -> SavedAnswer | None:
        """The record behind an answer's buttons; None when it expired or cannot be read."""
        raw = await self.redis.get(self._k("answer", question_id))
        if not raw:
            return None
        try:
            return SavedAnswer.from_json(raw)
        except ValueError:
            log.warning("answer_record_unreadable question_id=%s", question_id)
            return None

    async def mark_answered(self, job_id: str) -> None:
        await self.redis.set(self._k("answered", job_id), "1", ex=self.ttl_s)

    async def answered(self, job_id: str) -> bool:
        return bool(await self.redis.exists(self._k("answered", job_id)))

    async def take_card(self, job_id: str) -> bool:
        """True the first time a file job may post its profile card; False on every redelivery.

        Taken before the post: a crash between the two loses the card (the data is still loaded and
        the thread answers questions), which is better than a card posted once per delivery.
        """
        return bool(await self.redis.set(self._k("card", job_id), "1", nx=True, ex=self.ttl_s))

    async def request_cancel(self, job_id: str, user: str) -> None:
        """Ask whichever replica holds the job to stop it (it polls for this while the engine works)."""
        await self.redis.set(self._k("cancel", job_id), user, ex=CANCEL_TTL_S)

    async def cancel_requested(self, job_id: str) -> str | None:
        """Who asked to cancel the job, or None."""
        raw = await self.redis.get(self._k("cancel", job_id))
        return _text(raw) if raw else None

    async def clear_cancel(self, job_id: str) -> None:
        await self.redis.delete(self._k("cancel", job_id))

    async def add_sharer(self, thread: str, file_name: str, who: str) -> None:
        key = self._k("sharers", thread)
        await self.redis.hset(key, file_name, who)
        await self.redis.expire(key, self.ttl_s)

    async def sharers(self, thread: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self._k("sharers", thread))
        return {_text(k): _text(v) for k, v in raw.items()}

    async def save_feedback(self, question_id: str, user: str, record: str) -> None:
        key = self._k("feedback", question_id)
        await self.redis.hset(key, user, record)
        await self.redis.expire(key, self.ttl_s)

    async def feedback(self, question_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self._k("feedback", question_id))
        return {_text(k): _text(v) for k, v in raw.items()}

    async def take_retry(self, question_id: str) -> bool:
        """True for the first Try again on an answer; later clicks (a double click) get False."""
        return bool(await self.redis.set(self._k("retried", question_id), "1", nx=True, ex=self.ttl_s))

    async def add_channel_thread(self, channel: str, thread: str) -> None:
        key = self._k("threads", channel)
        await self.redis.sadd(key, thread)
        await self.redis.expire(key, self.ttl_s)
        # Outlives every channel's threads set: it is refreshed whenever any of them is.
        await self.redis.sadd(self._k("channels"), channel)
        await self.redis.expire(self._k("channels"), self.ttl_s)

    async def channel_threads(self, channel: str) -> list[str]:
        members = await self.redis.smembers(self._k("threads", channel))
        return sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)

    async def forget_channel(self, channel: str) -> None:
        """Delete what the Slack layer keeps of the channel's threads: answers behind buttons, markers, sharers."""
        keys = [self._k("threads", channel), self._k("latest", channel)]
        for thread in await self.channel_threads(channel):
            index = self._k("answers", thread)
            for question_id in map(_text, await self.redis.smembers(index)):
                keys += [self._k(what, question_id) for what in ("answer", "feedback", "retried", "answered")]
            keys += [
                index,
                self._k("active", thread),
                self._k("sharers", thread),
                self._k("data", thread),
                self._k("people", thread),
            ]
        # A file job's id names the message the file came in, not always the thread: find its markers.
        keys += [k async for k in self.redis.scan_iter(match=self._k("card", f"file:{channel}:*"), count=500)]
        await self.redis.delete(*keys)
        await self.redis.srem(self._k("channels"), channel)

    async def data_channels(self) -> set[str]:
        """Channels that may hold data (some may have expired since: their threads come back empty)."""
        return {_text(m) for m in await self.redis.smembers(self._k("channels"))}

    async def mark_data(self, thread: str) -> None:
        """Data just arrived in the thread: it expires after the retention period from now."""
        await self.redis.set(self._k("data", thread), "1", ex=self.ttl_s)

    async def data_expires_at(self, thread: str) -> float | None:
        """When the thread's data expires (epoch seconds); None when unknown."""
        ttl = int(await self.redis.ttl(self._k("data", thread)))
        return time.time() + ttl if ttl > 0 else None

    async def save_suggestion(self, suggestion_id: str, channel: str, thread_ts: str, question: str) -> None:
        record = json.dumps({"channel": channel, "thread_ts": thread_ts, "question": question})
        await self.redis.set(self._k("suggestion", suggestion_id), record, ex=self.ttl_s)

    async def suggestion(self, suggestion_id: str) -> tuple[str, str, str] | None:
        """(channel, thread_ts, question) behind a suggestion button; None when expired or unreadable."""
        raw = await self.redis.get(self._k("suggestion", suggestion_id))
        if not raw:
            return None
        try:
            d = json.loads(raw)
            return str(d["channel"]), str(d["thread_ts"]), str(d["question"])
        except (ValueError, KeyError, TypeError):
            log.warning("suggestion_unreadable id=%s", suggestion_id)
            return None

    async def take_suggestion(self, suggestion_id: str, user: str) -> bool:
        """True the first time `user` clicks the suggestion; a double click gets False."""
        key = self._k("suggested", suggestion_id, user)
        return bool(await self.redis.set(key, "1", nx=True, ex=self.ttl_s))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
