"""Doing a queued job: ingest shared files, or answer a question, and show it in the thread."""

from __future__ import annotations

import contextlib
import logging
import time
from functools import partial
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent import Answer, DatasetError, DatasetRecord
from handlers import texts
from handlers.access import Verdict, refusal
from handlers.cancel import Cancelled, cancellable, offer_cancel
from handlers.deps import Deps
from handlers.files import DownloadError, download
from handlers.names import UserNames
from handlers.payloads import FileJob, Payload, QuestionJob, SavedAnswer
from handlers.posting import post_answer
from handlers.privacy import channel_privacy
from handlers.render import (
    answer_attachments,
    chart_alt_text,
    chart_filename,
    chart_title,
    dead_message,
    profile_card,
    result_message,
)
from handlers.render.mrkdwn import escape
from handlers.status import ThreadStatus
from handlers.suggest import offer_suggestions
from jobqueue import Job

log = logging.getLogger(__name__)


class JobHandler:
    """The queue worker's handler: one method per payload type."""

    def __init__(self, deps: Deps, client: AsyncWebClient) -> None:
        self.deps = deps
        self.client = client
        self._names = UserNames()

    async def __call__(self, job: Job[Payload]) -> None:
        match job.payload:
            case FileJob() as files:
                await self.ingest_files(job.job_id, job.thread, files)
            case QuestionJob() as question:
                await self.answer(job.job_id, job.thread, question)

    async def on_dead(self, job: Job[Payload]) -> None:
        """A job that failed every delivery: clear its status, say so in its thread, offer Try again."""
        p = job.payload
        with contextlib.suppress(SlackApiError):
            await self.client.assistant_threads_setStatus(channel_id=p.channel, thread_ts=p.thread_ts, status="")
        if not isinstance(p, QuestionJob):
            await self.client.chat_postMessage(channel=p.channel, thread_ts=p.thread_ts, text=texts.FILE_JOB_DEAD)
            return
        saved = SavedAnswer(p.question, None, "", p.channel, p.thread_ts, p.user, p.borrow_latest)
        await self.deps.state.save_answer(job.job_id, saved)
        await self._audit(job.thread, p, answer=None, outcome="dead")
        text, blocks = dead_message(job.job_id)
        await post_answer(self.client, p.channel, p.thread_ts, text, blocks)

    async def ingest_files(self, job_id: str, thread: str, p: FileJob) -> None:
        """Download and load shared files into `thread`, then post their profile card."""
        channel, thread_ts = p.channel, p.thread_ts
        engine = self.deps.engine
        added: list[DatasetRecord] = []
        for file in p.files:
            try:
                data = await download(
                    file, token=self.deps.bot_token, api_url=self.deps.api_url, max_bytes=self.deps.max_file_bytes
                )
                records = await engine.add_dataset(thread, file.name, data)
                added.extend(records)
                for record in records:
                    await self._remember_sharer(thread, record.name, p.user)
            except (DownloadError, DatasetError) as exc:
                # The engine's sentence names the file (or a zip's entries) as uploaded: escape it so a
                # name such as "<!here> Q1.csv" cannot ping anyone. DownloadError's is escaped already.
                reason = str(exc) if isinstance(exc, DownloadError) else escape(str(exc))
                await self.client.chat_postMessage(
                    channel=channel,
                    thread_ts=thread_ts,
                    text=f"{texts.FAILED_PREFIX}{reason}",
                    unfurl_links=False,  # the reason names the uploaded file: no preview of a link in it
                    unfurl_media=False,
                )
        if not added:
            return
        await self.deps.state.mark_data(thread)
        in_thread = await engine.datasets(thread)
        offered = await offer_suggestions(self.deps.state, channel, thread_ts, added)
        if await self.deps.state.take_card(job_id):
            now = time.time()
            until = max(r.stored_at for r in in_thread) + self.deps.retention_days * 86_400
            text, blocks = profile_card(added, in_thread=in_thread, suggestions=offered, kept_until=until, now=now)
            await self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
        await self.deps.state.set_latest(channel, thread)
        await self.deps.state.add_channel_thread(channel, thread)

    async def answer(self, job_id: str, thread: str, p: QuestionJob) -> None:
        """Answer a question in `thread` as a new message (people are notified), with live progress."""
        if await self.deps.state.answered(job_id):
            return  # delivered again after the answer was posted: never answer twice
        if not await self._may_ask(job_id, thread, p):
            return
        status = ThreadStatus(self.client, p.channel, p.thread_ts)
        await status.start()
        try:
            if p.borrow_latest:
                await self._borrow_channel_data(p.channel, thread)
            privacy = await channel_privacy(self.deps.state, p.channel)
            offer = partial(offer_cancel, self.client, job_id, p.channel, p.thread_ts, p.user)
            answer = await cancellable(
                self.deps.state, job_id, self.deps.engine.ask(thread, p.question, status, privacy=privacy), offer=offer
            )
            if isinstance(answer, Cancelled):
                await status.done()
                text = texts.CANCELLED_BY.format(user=escape(answer.user))
                await self.client.chat_postMessage(channel=p.channel, thread_ts=p.thread_ts, text=text)
                await self.deps.state.mark_answered(job_id)  # acked, never re-run: the asker said stop
                await self._audit(thread, p, answer=None, outcome="cancelled")
                return
            # Charged before anything can fail in Slack: the tokens are spent whether or not the post works.
            await self.deps.limits.charge(job_id, p.user, p.channel, answer.usage.total_tokens)
            saved = SavedAnswer(
                question=p.question,
                code=answer.code,
                stdout=answer.stdout,
                channel=p.channel,
                thread_ts=p.thread_ts,
                user=p.user,
                borrow_latest=p.borrow_latest,
            )
            await self.deps.state.save_answer(job_id, saved)
            await self.deps.state.mark_active(thread)
            await self.deps.state.add_channel_thread(p.channel, thread)
            await self._show(answer, job_id, thread, p)
            await self.deps.state.mark_answered(job_id)
            await self._audit(thread, p, answer=answer, outcome=answer.status)
        finally:
            await status.done()

    async def _may_ask(self, job_id: str, thread: str, p: QuestionJob) -> bool:
        """Only members of the thread's conversation reach its data, whichever entry point queued the question.

        The listeners check first (and tell the asker privately); this is the check no path can skip.
        """
        verdict = await self.deps.access.allows(self.client, p.user, p.channel)
        if verdict is Verdict.MEMBER:
            return True
        log.warning("question_refused job_id=%s user=%s channel=%s verdict=%s", job_id, p.user, p.channel, verdict)
        await self.deps.state.mark_answered(job_id)
        await self._audit(thread, p, answer=None, outcome=f"refused ({verdict.value})")
        if verdict is Verdict.UNKNOWN:
            # The asker may well be a member: say why nothing came, in the thread they asked in. An
            # outsider is told nothing there: the conversation is not theirs to post in.
            text = refusal(verdict) or ""
            with contextlib.suppress(SlackApiError):
                await self.client.chat_postMessage(channel=p.channel, thread_ts=p.thread_ts, text=text)
        return False

    async def _audit(self, thread: str, p: QuestionJob, *, answer: Answer | None, outcome: str) -> None:
        """The audit entry of a finished question: who, what, where, on which data, which code, how it ended."""
        names = tuple(r.name for r in await self.deps.engine.datasets(thread)) if answer is not None else ()
        await self.deps.audit.record(
            user=p.user,
            conversation=p.channel,
            thread=p.thread_ts,
            question=p.question,
            datasets=names,
            code=(answer.code or "") if answer is not None else "",
            outcome=outcome,
            tokens=answer.usage.total_tokens if answer is not None else 0,
        )

    async def _borrow_channel_data(self, channel: str, thread: str) -> None:
        """A top-level question or /analyze: bring the channel's latest dataset into its thread."""
        latest = await self.deps.state.latest(channel)
        if latest is not None and await self.deps.engine.adopt(thread, latest):
            await self.deps.state.mark_data(thread)

    async def _show(self, answer: Answer, question_id: str, thread: str, p: QuestionJob) -> None:
        source = await self._source(thread)
        text, blocks = result_message(answer, question_id=question_id, source=source)
        await post_answer(self.client, p.channel, p.thread_ts, text, blocks)
        uploads: list[dict[str, Any]] = []
        total = len(answer.charts)
        for index, png in enumerate(answer.charts, 1):
            uploads.append(
                {
                    "content": png,
                    "filename": chart_filename(answer.question, index, total),
                    "title": chart_title(index, total),
                    "alt_txt": chart_alt_text(answer.question, index, total),
                }
            )
        uploads.extend(attachment.to_upload() for attachment in answer_attachments(answer))
        if uploads:
            try:
                await self.client.files_upload_v2(channel=p.channel, thread_ts=p.thread_ts, file_uploads=uploads)
            except SlackApiError as exc:  # the answer is up; losing a chart must not re-run the analysis
                log.warning("upload_failed channel=%s error=%s", p.channel, exc.response.get("error"))

    async def _remember_sharer(self, thread: str, file_name: str, user: str) -> None:
        """Keep who shared a file by name (the footer names them without pinging them)."""
        if name := (await self._names.lookup(self.client, [user])).get(user):
            await self.deps.state.add_sharer(thread, file_name, name)

    async def _source(self, thread: str) -> str:
        """The footer's "sales.csv (shared by Ana)": which data the thread holds and who shared it."""
        names = [record.name for record in await self.deps.engine.datasets(thread)]
        sharers = await self.deps.state.sharers(thread)
        shown = [f"{name} ({texts.SHARED_BY.format(who=sharers[name])})" if name in sharers else name for name in names]
        return escape(", ".join(shown[:3]) + (" …" if len(shown) > 3 else ""))
