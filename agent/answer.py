"""What the engine hands back for a question."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from agent.guard.verdicts import Violation
from agent.llm.base import TokenUsage
from agent.sandbox.base import Execution

Status = Literal["answered", "failed", "refused"]
# Why an answer is not one: the question was screened out, the thread has no data, the code broke the
# policy, the code failed every attempt, or a part (model, sandbox, configuration) was unavailable.
Cause = Literal["question_refused", "no_data", "code_refused", "code_failed", "unavailable"]


@dataclass(frozen=True)
class Attempt:
    """One try at code for a question: the code and what running it gave (None if never run)."""

    number: int
    code: str | None
    execution: Execution | None = None
    refused: tuple[Violation, ...] = ()

    @property
    def error_summary(self) -> str | None:
        if self.refused:
            return "; ".join(map(str, self.refused))
        if self.execution is not None and self.execution.error is not None:
            return f"{self.execution.error.name}: {self.execution.error.value}"[:500]
        if self.code is None:
            return "the model did not write any code"
        return None


@dataclass(frozen=True)
class Answer:
    """The outcome of a question.

    `status` is "answered" (text written from real output), "failed" (the model is down or the
    code failed every attempt: `error` says which, in a sentence for the user) or "refused" (the
    guard declined the question or the code).
    """

    status: Status
    text: str
    question: str
    code: str | None = None
    stdout: str = ""
    charts: tuple[bytes, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    error: str | None = None
    resurrected: bool = False
    cause: Cause | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    usage: TokenUsage = field(default_factory=TokenUsage)

    @property
    def ok(self) -> bool:
        return self.status == "answered"

    def to_json(self, chart_paths: list[str] | None = None) -> dict[str, Any]:
        """The `dataagent ask --json` shape the README documents, plus status and attempts detail."""
        return {
            "answer": self.text,
            "code": self.code,
            "stdout": self.stdout,
            "attempts": len(self.attempts),
            "charts": chart_paths or [],
            "error": self.error,
            "status": self.status,
            "resurrected": self.resurrected,
            "timings": dict(self.timings),
            "usage": asdict(self.usage),
            "attempt_errors": [a.error_summary for a in self.attempts],
        }
