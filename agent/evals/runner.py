"""Running DABench questions through a real Engine, one at a time, each in a fresh thread.

A fresh thread per question means a fresh sandbox and no memory of earlier questions, as the benchmark
intends; the thread is forgotten afterwards so its sandbox does not outlive it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from agent.answer import Answer
from agent.engine import Engine
from agent.errors import DataAgentError
from agent.evals.dabench import Bench, BenchDataError, Level, Question, prompt_for
from agent.evals.scoring import score_answer
from agent.llm.base import TokenUsage

log = logging.getLogger(__name__)

# The engine's statuses, plus "error" for a question that never reached an answer (e.g. its file failed to load).
RunStatus = Literal["answered", "failed", "refused", "error"]


@dataclass(frozen=True)
class QuestionResult:
    """What one question gave: its score, the engine's outcome and what it cost.

    `seconds` is wall time from loading the file to the answer, so it includes starting the sandbox.
    """

    id: int
    level: Level
    concepts: tuple[str, ...]
    correct: bool
    sub_right: int
    sub_total: int
    parsed: Mapping[str, str]
    labels: Mapping[str, str]
    status: RunStatus
    llm_calls: int
    tokens: int
    seconds: float
    answer: str

    @property
    def responded(self) -> bool:
        """An answer text exists to score (the official scorer skips questions without a response)."""
        return self.status == "answered" and bool(self.answer.strip())

    @property
    def parsable(self) -> bool:
        """At least one `@name[value]` was found in the answer."""
        return bool(self.parsed)


OnResult = Callable[[int, int, QuestionResult], Awaitable[None] | None]


async def run_questions(
    engine: Engine, bench: Bench, questions: Sequence[Question], on_result: OnResult | None = None
) -> list[QuestionResult]:
    """Ask each question in order; `on_result(done, total, result)` after each (sync or async)."""
    results = []
    for index, question in enumerate(questions, 1):
        result = await run_one(engine, bench, question)
        results.append(result)
        if on_result is not None:
            pending = on_result(index, len(questions), result)
            if pending is not None:
                await pending
    return results


async def run_one(engine: Engine, bench: Bench, question: Question) -> QuestionResult:
    """One question in a fresh thread; a failure to load its data is a wrong answer, not a crash."""
    thread = f"eval:dabench:{question.id}:{uuid.uuid4().hex}"
    started = time.monotonic()
    try:
        await engine.add_dataset(thread, question.file_name, bench.table(question))
        answer = await engine.ask(thread, prompt_for(question))
    except (DataAgentError, BenchDataError) as exc:
        log.warning("eval_question_error id=%s kind=%s", question.id, type(exc).__name__)
        answer = None
    finally:
        await engine.forget(thread)
    return _result(question, answer, round(time.monotonic() - started, 3))


def _result(question: Question, answer: Answer | None, seconds: float) -> QuestionResult:
    text = answer.text if answer is not None else ""
    # Only an answer is scored: a failure's text is our error message, not the model's reply.
    score = score_answer(text if answer is not None and answer.ok else "", question.answers)
    usage = answer.usage if answer is not None else TokenUsage()
    return QuestionResult(
        id=question.id,
        level=question.level,
        concepts=question.concepts,
        correct=score.correct,
        sub_right=score.sub_right,
        sub_total=score.sub_total,
        parsed=score.parsed,
        labels=dict(question.answers),
        status=answer.status if answer is not None else "error",
        llm_calls=usage.calls,
        tokens=usage.total_tokens,
        seconds=seconds,
        answer=text,
    )
