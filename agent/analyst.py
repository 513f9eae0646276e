"""The analyst loop: the model works in the thread's kernel through one tool and sees every result.

    question ─▶ model ─▶ run_python(code) ─ policy ─▶ sandbox ─▶ result (output, value, error + hints,
                  ▲                                                        charts drawn), a few KB
                  └───────────────────────────── tool message ◀──────────────┘
               model stops calling the tool ─▶ its reply is the answer ─▶ grounding check ─▶ Answer

The model decides when it is done, so the answer comes from everything it saw. A step budget and a token
budget end runaway loops with an honest answer of what was found. Every cell passes the code policy
before it runs (a refused cell is reported back, never run); a lost sandbox is resurrected inside the
step without costing one; every successful cell is kept for replay.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field

from agent import texts
from agent.answer import Answer, Attempt
from agent.guard import check_code
from agent.llm.base import LLM, ChatMessage, Completion, ToolCall, Usage
from agent.llm.codegen import extract_code, strip_reasoning
from agent.llm.grounding import ungrounded_numbers
from agent.llm.loop_prompts import (
    RUN_PYTHON,
    RUN_PYTHON_ALIASES,
    analyst_messages,
    budget_spent_message,
    cell_result,
    cut_off_message,
    no_answer_message,
    refused_result,
    unknown_tool_result,
)
from agent.llm.prompts import grounding_message
from agent.outcomes import code_failed, code_refused
from agent.progress import OnProgress, Progress, report
from agent.sandbox.base import output_text
from agent.sessions import Sessions
from agent.store import DatasetRecord, Store, Turn

log = logging.getLogger(__name__)

MAX_CHARTS = 10


@dataclass(frozen=True)
class LoopConfig:
    """The loop's budgets.

    Attributes:
        max_steps: Model turns that may call the tool before it must answer.
        token_budget: Total tokens of one question after which it must answer.
        cell_timeout_s: Limit of one cell.
        max_failures: Cells in a row that may fail (or be refused twice) before the question fails.
        stdout_cap: Characters of raw output kept with the answer.
    """

    max_steps: int = 8
    token_budget: int = 60_000
    cell_timeout_s: float = 120.0
    max_failures: int = 3
    stdout_cap: int = 20_000


@dataclass
class _Work:
    """What the loop has done so far for one question."""

    steps: list[Attempt] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # successful cells, in order
    outputs: list[str] = field(default_factory=list)  # what the model was shown of each cell
    printed: list[str] = field(default_factory=list)  # what each successful cell really printed
    charts: list[bytes] = field(default_factory=list)
    failures_in_a_row: int = 0
    refusals: int = 0
    resurrected: bool = False

    @property
    def seen(self) -> str:
        return "\n".join(self.outputs)


class AnalystLoop:
    """Answers one question with the tool loop; one instance serves every thread."""

    def __init__(self, llm: LLM, sessions: Sessions, store: Store, config: LoopConfig) -> None:
        self._llm = llm
        self._sessions = sessions
        self._store = store
        self._config = config

    async def ask(
        self,
        thread: str,
        question: str,
        records: list[DatasetRecord],
        turns: list[Turn],
        usage: Usage,
        on_progress: OnProgress | None,
    ) -> Answer:
        """Work the question through the loop (raises LLMError/SandboxError like the rest of the engine)."""
        work = _Work()
        _, work.resurrected = await self._sessions.sandbox(thread, on_progress)
        chat = analyst_messages(question, records, turns, self._sessions.versions(thread))
        cfg = self._config
        for step in range(1, cfg.max_steps + 1):
            await report(on_progress, _thinking(step, work))
            reply = await self._llm.complete(chat, tools=[RUN_PYTHON])
            usage.add(reply)
            calls = reply.tool_calls or _fenced_call(reply)
            if not calls:
                text = strip_reasoning(reply.text).strip()
                if reply.finish_reason == "length":  # cut off by max_tokens: ask again, shorter
                    chat += [{"role": "assistant", "content": text}, cut_off_message()]
                    continue
                if text:
                    return await self._finish(thread, question, chat, text, work, usage, on_progress)
                chat.append(no_answer_message())
                continue
            chat.append(_assistant(reply, calls))
            for call in calls:
                chat.append(await self._call(thread, call, step, records, work, on_progress))
            if work.refusals >= 2:
                return code_refused(question, work.steps, usage)
            if work.failures_in_a_row >= cfg.max_failures and not work.cells:
                return await self._failed(thread, question, work, usage)
            if usage.total_tokens >= cfg.token_budget:
                log.info("loop_token_budget_spent thread=%s tokens=%d", thread, usage.total_tokens)
                break
        chat.append(budget_spent_message(len(work.steps)))
        await report(on_progress, Progress("writing_answer", "Writing the answer…"))
        reply = await self._llm.complete(chat)
        usage.add(reply)
        text = strip_reasoning(reply.text).strip() or texts.ANSWER_FALLBACK.format(output=work.seen[-1500:])
        return await self._finish(thread, question, chat, text, work, usage, on_progress)

    async def _call(
        self,
        thread: str,
        call: ToolCall,
        step: int,
        records: list[DatasetRecord],
        work: _Work,
        on_progress: OnProgress | None,
    ) -> ChatMessage:
        """Run one tool call and return the tool message that reports it."""
        if call.name not in RUN_PYTHON_ALIASES:
            return _tool_message(call, unknown_tool_result(call.name))
        code = _code_of(call.arguments)
        policy = check_code(code)
        if not policy.allowed:
            work.steps.append(Attempt(len(work.steps) + 1, code, refused=policy.violations))
            work.refusals += 1
            log.info("loop_cell_refused thread=%s step=%d", thread, step)
            return _tool_message(call, refused_result(policy.violations))
        await report(on_progress, Progress("step", f"Running step {step}…", step, self._config.max_steps))
        execution, lost = await self._sessions.run(thread, code, self._config.cell_timeout_s, on_progress)
        work.resurrected = work.resurrected or lost
        work.steps.append(Attempt(len(work.steps) + 1, code, execution))
        result = cell_result(code, execution, records)
        work.outputs.append(result)
        if execution.ok:
            work.failures_in_a_row = 0
            work.cells.append(code)
            work.printed.append(output_text(execution))
            work.charts.extend(execution.pngs)
            await self._store.add_cell(thread, code)  # replayed, in order, on a resurrected sandbox
        else:
            work.failures_in_a_row += 1
        return _tool_message(call, result)

    async def _finish(
        self,
        thread: str,
        question: str,
        chat: list[ChatMessage],
        text: str,
        work: _Work,
        usage: Usage,
        on_progress: OnProgress | None,
    ) -> Answer:
        """The model's answer, rewritten once if it states numbers no output showed."""
        if work.charts:
            await report(on_progress, Progress("drawing_charts", f"Drawing {len(work.charts)} chart(s)…"))
        await report(on_progress, Progress("writing_answer", "Writing the answer…"))
        # Off the loop: a megabyte of output is indexed before the answer's numbers are looked up.
        invented = await asyncio.to_thread(ungrounded_numbers, text, work.seen, question) if work.outputs else []
        if invented:
            log.info("answer_ungrounded count=%d: asking for a rewrite", len(invented))
            chat += [{"role": "assistant", "content": text}, grounding_message(invented)]
            reply = await self._llm.complete(chat)
            usage.add(reply)
            text = strip_reasoning(reply.text).strip() or text
        code = _joined_cells(work.cells)
        await self._store.add_turn(thread, Turn(question, text, code, bool(work.cells)))
        return Answer(
            "answered",
            text,
            question,
            code=code,
            stdout="\n".join(work.printed)[: self._config.stdout_cap],
            charts=tuple(work.charts[-MAX_CHARTS:]),
            attempts=tuple(work.steps),
            resurrected=work.resurrected,
            usage=usage.snapshot(),
        )

    async def _failed(self, thread: str, question: str, work: _Work, usage: Usage) -> Answer:
        answer, turn = code_failed(question, work.steps, usage, work.resurrected)
        await self._store.add_turn(thread, turn)
        return answer


def _thinking(step: int, work: _Work) -> Progress:
    if step == 1:
        return Progress("inspecting", "Looking at the data…", step)
    if work.steps and not work.steps[-1].refused and work.failures_in_a_row:
        return Progress("fixing", "Fixing an error…", step)
    return Progress("writing_code", "Working out the next step…", step)


def _fenced_call(reply: Completion) -> tuple[ToolCall, ...]:
    """A model that wrote a ```python block instead of calling the tool meant to run it."""
    if "```" not in reply.text:
        return ()
    code = extract_code(reply.text)
    return (ToolCall("fenced", "run_python", json.dumps({"code": code})),) if code else ()


def _code_of(arguments: str) -> str:
    """The code of a run_python call: `{"code": …}` as declared, or bare code (gpt-oss's `python` tool)."""
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return arguments
    if isinstance(parsed, dict):
        code = parsed.get("code", parsed.get("source", ""))
        return code if isinstance(code, str) else ""
    return parsed if isinstance(parsed, str) else arguments


def _assistant(reply: Completion, calls: tuple[ToolCall, ...]) -> ChatMessage:
    # The reasoning of a reasoning model is never echoed back (Groq refuses it); content and calls only.
    return {"role": "assistant", "content": strip_reasoning(reply.text), "tool_calls": calls}


def _tool_message(call: ToolCall, content: str) -> ChatMessage:
    return {"role": "tool", "content": content, "tool_call_id": call.call_id}


def _joined_cells(cells: list[str]) -> str | None:
    if not cells:
        return None
    if len(cells) == 1:
        return cells[0]
    return "\n\n".join(f"# step {n}\n{cell}" for n, cell in enumerate(cells, 1))
