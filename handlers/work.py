"""Doing a queued job: ingest shared files, or answer a question, and show it in the thread."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from agent import Answer, DatasetError, Progress
from handlers import texts
from handlers.deps import Deps
from handlers.files import DownloadError, download
from handlers.payloads import FileJob, Payload, QuestionJob, SavedAnswer
from handlers.render import (
    answer_attachment,
    chart_alt_text,
    chart_filename,
    chart_title,
    profile_card,
    progress_text,
    result_message,
)
from handlers.render.mrkdwn import escape
from jobqueue import Job


class JobHandler:
    """The queue worker's handler: one method per payload type."""

    def __init__(self, deps: Deps, client: AsyncWebClient) -> None:
        self.deps = deps
        self.client = client

    async def __call__(self, job: Job[Payload]) -> None:
        match job.payload:
            case FileJob() as files:
                await self.ingest_files(job.thread, files)
            case QuestionJob() as question:
                await self.answer(job.job_id, job.thread, question)

    async def on_dead(self, job: Job[Payload]) -> None:
        """A job that failed every delivery: say so in its thread, with a way to retry."""
        p = job.payload
        await self.client.chat_postMessage(channel=p.channel, thread_ts=p.thread_ts, text=texts.JOB_DEAD)

    async def ingest_files(self, thread: str, p: FileJob) -> None:
        """Download and load shared files into `thread`, then post their profile card."""
        channel, thread_ts = p.channel, p.thread_ts
        engine = self.deps.engine
        added = []
        for file in p.files:
            try:
                data = await download(
                    file, token=self.deps.bot_token, api_url=self.deps.api_url, max_bytes=self.deps.max_file_bytes
                )
                added.append(await engine.add_dataset(thread, file.name, data))
            except (DownloadError, DatasetError) as exc:
                # The engine's sentence names the file (or a zip's entries) as uploaded: escape it so a
                # name such as "<!here> Q1.csv" cannot ping anyone. DownloadError's is escaped already.
                reason = str(exc) if isinstance(exc, DownloadError) else escape(str(exc))
                await self.client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, text=f"{texts.FAILED_PREFIX}{reason}"
                )
        if not added:
            return
        in_thread = await engine.datasets(thread)
        text, blocks = profile_card(added, in_thread=in_thread)
        await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
        await self.deps.state.set_latest(channel, thread)
        await self.deps.state.add_channel_thread(channel, thread)

    async def answer(self, job_id: str, thread: str, p: QuestionJob) -> None:
        """Answer a question in `thread`, turning the job's placeholder message into the answer."""
        channel, thread_ts = p.channel, p.thread_ts
        placeholder = await self.deps.state.placeholder(job_id)
        if placeholder is None:
            posted = await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=texts.WORKING)
            placeholder = str(posted["ts"])
            await self.deps.state.set_placeholder(job_id, placeholder)
        if p.borrow_latest:
            await self._borrow_channel_data(channel, thread)
        progress = _ProgressUpdater(self.client, channel, placeholder)
        answer = await self.deps.engine.ask(thread, p.question, progress)
        saved = SavedAnswer(
            question=p.question,
            code=answer.code,
            stdout=answer.stdout,
            channel=channel,
            thread_ts=thread_ts,
            user=p.user,
            borrow_latest=p.borrow_latest,
        )
        await self.deps.state.save_answer(job_id, saved)
        await self.deps.state.mark_active(thread)
        await self.deps.state.add_channel_thread(channel, thread)
        await self._show(answer, job_id, channel, thread_ts, placeholder)

    async def _borrow_channel_data(self, channel: str, thread: str) -> None:
        """A top-level question or /analyze: bring the channel's latest dataset into its thread."""
        latest = await self.deps.state.latest(channel)
        if latest is not None:
            await self.deps.engine.adopt(thread, latest)

    async def _show(self, answer: Answer, question_id: str, channel: str, thread_ts: str, placeholder: str) -> None:
        text, blocks = result_message(answer, question_id=question_id)
        await self.client.chat_update(channel=channel, ts=placeholder, text=text, blocks=blocks)
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
        if (attachment := answer_attachment(answer)) is not None:
            uploads.append(attachment.to_upload())
        if uploads:
            await self.client.files_upload_v2(channel=channel, thread_ts=thread_ts, file_uploads=uploads)


class _ProgressUpdater:
    """Edits the placeholder whenever the engine's progress line changes."""

    def __init__(self, client: AsyncWebClient, channel: str, ts: str) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self._shown = ""

    async def __call__(self, progress: Progress) -> None:
        text = progress_text(progress)
        if text != self._shown:
            self._shown = text
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=f"⏳ {text}")
