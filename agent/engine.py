"""The analysis engine: a question in, an answer written from real output out.

    question ─ guard ─▶ prompt (profiles, versions, memory) ─▶ LLM ─▶ code ─ policy ─▶ sandbox
                                  ▲                                                    │
                                  └──── error name, traceback, real columns ◀── failed ┘ (≤ 3)
                                                                               ok ─▶ LLM writes the answer

Per-thread order belongs to one layer: the job queue (`jobqueue`), across processes and within one. The
engine's own per-thread lock (`EngineConfig.thread_lock`) is only for callers without the queue, such as
the CLI or a library user; the Slack bot turns it off. Different threads run in parallel up to
`max_concurrent`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import weakref
from typing import Literal

from agent import texts
from agent.analyst import AnalystLoop, LoopConfig
from agent.answer import Answer, Attempt
from agent.datasets import Datasets
from agent.errors import ConfigError, DatasetError, LLMError, SandboxError, ToolsUnsupported
from agent.guard import check_code, screen_question
from agent.llm.base import LLM, ChatMessage, Usage
from agent.llm.codegen import extract_code, strip_reasoning
from agent.llm.grounding import ungrounded_numbers
from agent.llm.prompts import (
    answer_messages,
    code_messages,
    grounding_message,
    no_code_message,
    policy_message,
    repair_message,
)
from agent.outcomes import code_failed, code_refused
from agent.privacy.modes import Privacy, shown_records
from agent.privacy.session import PrivacyLayer
from agent.progress import OnProgress, Progress, report
from agent.sandbox.base import Execution, output_text
from agent.sessions import Sessions
from agent.store import DatasetRecord, Store, Turn

log = logging.getLogger(__name__)

Mode = Literal["auto", "loop", "one-shot"]


@dataclasses.dataclass(frozen=True)
class EngineConfig:
    """How the engine works a question.

    Attributes:
        max_attempts: Code attempts per question (the heal loop), resurrections not counted.
        cell_timeout_s: Limit of one run of generated code.
        max_concurrent: Questions worked at once in this process.
        memory_turns: Earlier turns of the thread shown to the model.
        stdout_cap: Characters of raw output kept with an answer.
        thread_lock: Run one question per thread at a time in this process; for callers that do not
            order questions themselves (the job queue does).
        mode: "loop" (the model works through the run_python tool and sees every result), "one-shot"
            (one fenced cell, repaired on error, then a second call for the answer), or "auto": the loop
            when the model takes tools, else one-shot.
        max_steps: Tool calls per question in the loop before the model must answer.
        token_budget: Tokens per question in the loop after which the model must answer.
        llm_data: What of the data the model may see (`agent.privacy`), unless a question says otherwise.
    """

    max_attempts: int = 3
    cell_timeout_s: float = 120.0
    max_concurrent: int = 4
    memory_turns: int = 6
    stdout_cap: int = 20_000
    thread_lock: bool = True
    mode: Mode = "auto"
    max_steps: int = 8
    token_budget: int = 60_000
    llm_data: Privacy = "full"


class Engine:
    """Answers questions about a thread's datasets. Knows nothing of Slack."""

    def __init__(
        self, store: Store, sessions: Sessions, llm: LLM, datasets: Datasets, config: EngineConfig | None = None
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._llm = llm
        self._datasets = datasets
        self.config = config or EngineConfig()
        self._slots = asyncio.Semaphore(self.config.max_concurrent)
        cfg = self.config
        self._loop_config = LoopConfig(
            cfg.max_steps, cfg.token_budget, cfg.cell_timeout_s, cfg.max_attempts, cfg.stdout_cap
        )
        self._loop = AnalystLoop(llm, sessions, store, self._loop_config)
        self._privacy = PrivacyLayer(store)
        # Turned off for the process when the server refuses tools, so later questions go straight to one-shot.
        self._tools = cfg.mode == "loop" or (cfg.mode == "auto" and llm.supports_tools)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def add_dataset(self, thread: str, name: str, data: bytes) -> tuple[DatasetRecord, ...]:
        """Ingest a file into the thread: its dataset, or one per sheet of a workbook (raises
        DatasetError with a user-ready message)."""
        async with self._lock(thread):
            # The sandbox starts while the file is parsed, so the first question need not wait for it.
            self._sessions.prestart(thread)
            try:
                added = await self._datasets.add(thread, name, data)
            except BaseException:
                await self._sessions.drop_early(thread)
                raise
            try:
                await self._sessions.mount(thread, added)
            except SandboxError:
                log.info("mount_deferred thread=%s: the next question resurrects the sandbox", thread)
            return tuple(record for record, _ in added)

    async def forget(self, thread: str) -> None:
        """Delete the thread's datasets, memory and sandbox."""
        async with self._lock(thread):
            await self._sessions.forget(thread)
            await self._store.forget(thread)

    async def datasets(self, thread: str) -> list[DatasetRecord]:
        """The thread's datasets, in upload order."""
        return await self._store.datasets(thread)

    async def adopt(self, thread: str, source: str) -> int:
        """Give a thread without data the datasets of `source` (e.g. the channel's latest upload).

        Returns:
            How many datasets the thread received (0 when it already had some, or `source` has none).
        """
        async with self._lock(thread):
            if await self._store.datasets(thread):
                return 0
            records = await self._store.datasets(source)
            for record in records:
                await self._datasets.link(thread, record)
            return len(records)

    def _lock(self, thread: str) -> contextlib.AbstractAsyncContextManager[object]:
        if not self.config.thread_lock:
            return contextlib.nullcontext()
        lock = self._locks.get(thread)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[thread] = lock
        return lock

    async def ask(
        self, thread: str, question: str, on_progress: OnProgress | None = None, *, privacy: Privacy | None = None
    ) -> Answer:
        """Answer `question` about the thread's datasets. Never raises for user-facing failures.

        `privacy` is what of the data the model may see for this question (default `config.llm_data`).
        """
        async with self._lock(thread), self._slots:
            started = time.monotonic()
            answer = await self._ask(thread, question, on_progress, privacy or self.config.llm_data)
            total_s = round(time.monotonic() - started, 3)
            log.info(
                "question_done thread=%s status=%s attempts=%d seconds=%.2f",
                thread,
                answer.status,
                len(answer.attempts),
                total_s,
            )
            return dataclasses.replace(answer, timings={**answer.timings, "total_s": total_s})

    async def _ask(self, thread: str, question: str, on_progress: OnProgress | None, privacy: Privacy) -> Answer:
        verdict = screen_question(question)
        if not verdict.allowed:
            return Answer("refused", verdict.reason, question, error=verdict.reason, cause="question_refused")
        records = await self._store.datasets(thread)
        if not records:
            return Answer("failed", texts.NO_DATA, question, error=texts.NO_DATA, cause="no_data")
        usage = Usage()
        try:
            # The model as this question may use it, and the datasets as it may see them.
            llm = await self._privacy.model(self._llm, thread, records, privacy)
            records = shown_records(records, privacy)
            if self._tools and self.config.mode != "one-shot":
                try:
                    turns = await self._store.turns(thread, last=self.config.memory_turns)
                    loop = (
                        self._loop
                        if llm is self._llm
                        else AnalystLoop(llm, self._sessions, self._store, self._loop_config)
                    )
                    return await loop.ask(thread, question, records, turns, usage, on_progress)
                except ToolsUnsupported:
                    log.warning("llm_refuses_tools: answering with one-shot from now on")
                    self._tools = False
            return await self._solve(llm, thread, question, records, usage, on_progress)
        except (LLMError, ConfigError, SandboxError, DatasetError) as exc:
            log.warning("question_failed thread=%s kind=%s", thread, type(exc).__name__)
            return Answer("failed", str(exc), question, error=str(exc), usage=usage.snapshot(), cause="unavailable")

    async def _solve(
        self,
        llm: LLM,
        thread: str,
        question: str,
        records: list[DatasetRecord],
        usage: Usage,
        on_progress: OnProgress | None,
    ) -> Answer:
        cfg = self.config
        _, resurrected = await self._sessions.sandbox(thread, on_progress)
        turns = await self._store.turns(thread, last=cfg.memory_turns)
        chat = code_messages(question, records, turns, self._sessions.versions(thread))
        attempts: list[Attempt] = []
        policy_strikes = 0
        for number in range(1, cfg.max_attempts + 1):
            step = (
                Progress("writing_code", "Writing code…", number, cfg.max_attempts)
                if number == 1
                else Progress("fixing", "Fixing an error…", number, cfg.max_attempts)
            )
            await report(on_progress, step)
            reply = await llm.complete(chat)
            usage.add(reply)
            chat.append({"role": "assistant", "content": reply.text})
            code = extract_code(reply.text)
            if code is None:
                attempts.append(Attempt(number, None))
                chat.append(no_code_message())
                continue
            policy = check_code(code)
            if not policy.allowed:
                attempts.append(Attempt(number, code, refused=tuple(policy.violations)))
                policy_strikes += 1
                if policy_strikes >= 2:
                    return code_refused(question, attempts, usage)
                chat.append(policy_message(policy.violations))
                continue
            await report(
                on_progress,
                Progress(
                    "running",
                    f"Running the analysis (attempt {number} of {cfg.max_attempts})…",
                    number,
                    cfg.max_attempts,
                ),
            )
            execution, lost = await self._sessions.run(thread, code, cfg.cell_timeout_s, on_progress)
            resurrected = resurrected or lost
            attempts.append(Attempt(number, code, execution))
            if execution.ok:
                return await self._answer(
                    llm, thread, question, code, execution, attempts, usage, resurrected, on_progress
                )
            chat.append(repair_message(code, execution, records))
        return await self._failed(thread, question, attempts, usage, resurrected)

    async def _answer(
        self,
        llm: LLM,
        thread: str,
        question: str,
        code: str,
        execution: Execution,
        attempts: list[Attempt],
        usage: Usage,
        resurrected: bool,
        on_progress: OnProgress | None,
    ) -> Answer:
        charts = tuple(execution.pngs)
        if charts:
            await report(on_progress, Progress("drawing_charts", f"Drawing {len(charts)} chart(s)…"))
        await report(on_progress, Progress("writing_answer", "Writing the answer…"))
        output = output_text(execution)
        if not output.strip() and not charts:
            text = texts.EMPTY_OUTPUT
        else:
            try:
                text = await self._write_answer(llm, question, code, execution, output, len(charts), usage)
            except LLMError:
                text = ""
            if not text:
                text = texts.ANSWER_FALLBACK.format(output=output[:1500])
        await self._store.add_cell(thread, code)
        await self._store.add_turn(thread, Turn(question, text, code, True))
        return Answer(
            "answered",
            text,
            question,
            code=code,
            stdout=output[: self.config.stdout_cap],
            charts=charts,
            attempts=tuple(attempts),
            resurrected=resurrected,
            usage=usage.snapshot(),
        )

    async def _write_answer(
        self, llm: LLM, question: str, code: str, execution: Execution, output: str, charts: int, usage: Usage
    ) -> str:
        """The model's answer from the output; one rewrite when it states numbers the output lacks."""
        chat = answer_messages(question, code, execution, charts)
        reply = await llm.complete(chat)
        usage.add(reply)
        text = _clean_answer(reply.text)
        # Off the loop: a megabyte of output is indexed before the answer's numbers are looked up.
        invented = await asyncio.to_thread(ungrounded_numbers, text, output, question)
        if not invented:
            return text
        log.info("answer_ungrounded count=%d: asking for a rewrite", len(invented))
        chat += [{"role": "assistant", "content": reply.text}, grounding_message(invented)]
        reply = await llm.complete(chat)
        usage.add(reply)
        rewritten = _clean_answer(reply.text)
        if await asyncio.to_thread(ungrounded_numbers, rewritten, output, question):
            log.warning("answer_still_ungrounded: keeping the rewrite")
        return rewritten or text

    async def _failed(
        self, thread: str, question: str, attempts: list[Attempt], usage: Usage, resurrected: bool
    ) -> Answer:
        answer, turn = code_failed(question, attempts, usage, resurrected)
        await self._store.add_turn(thread, turn)
        return answer


def _clean_answer(text: str) -> str:
    return strip_reasoning(text).strip()


__all__ = ["Answer", "ChatMessage", "Engine", "EngineConfig"]
