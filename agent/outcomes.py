"""The answers that end a question without a result, the same for the one-shot path and the analyst loop."""

from __future__ import annotations

from collections.abc import Sequence

from agent import texts
from agent.answer import Answer, Attempt
from agent.llm.base import Usage
from agent.store import Turn


def code_failed(question: str, attempts: Sequence[Attempt], usage: Usage, resurrected: bool) -> tuple[Answer, Turn]:
    """Every attempt failed: the answer saying so with the last error, and the turn the thread remembers."""
    last = attempts[-1].error_summary or "unknown error"
    text = texts.CODE_FAILED.format(attempts=len(attempts), error=last)
    answer = Answer(
        "failed",
        text,
        question,
        code=attempts[-1].code,
        attempts=tuple(attempts),
        error=text,
        resurrected=resurrected,
        usage=usage.snapshot(),
        cause="code_failed",
    )
    return answer, Turn(question, f"(failed: {last})", attempts[-1].code, False)


def code_refused(question: str, attempts: Sequence[Attempt], usage: Usage) -> Answer:
    """The model kept writing code the policy refuses: say what the code would have done."""
    refused = [a for a in attempts if a.refused]
    what = refused[-1].refused[0].what if refused else "leave the sandbox"
    text = texts.CODE_REFUSED.format(what=what)
    return Answer(
        "refused",
        text,
        question,
        code=refused[-1].code if refused else None,
        attempts=tuple(attempts),
        error=text,
        usage=usage.snapshot(),
        cause="code_refused",
    )
