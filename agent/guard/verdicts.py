"""What the guard decides: values, never sentences that a caller has to parse back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionVerdict:
    """Whether a question may go on to the model.

    Attributes:
        allowed: True when the question looks like an ordinary data question.
        reason: For a refusal, one user-facing sentence saying why and what the bot can do instead;
            empty when allowed.
        category: "ok", or the kind of request declined: "network", "host", "secrets", "privacy",
            "injection", "install", "abuse", or "length" for a question too long to screen.
    """

    allowed: bool
    reason: str = ""
    category: str = "ok"


@dataclass(frozen=True, order=True)
class Violation:
    """One broken rule of the code policy.

    Attributes:
        line: 1-based line of the cell where it happens.
        what: What the code would do, fit for "the code it needed would <what>" ("import subprocess").
        why: The rule, as a clause ("spawning processes is not allowed").
    """

    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what} ({self.why})"


@dataclass(frozen=True)
class CodeVerdict:
    """Whether generated code may run.

    Attributes:
        allowed: True when no rule was broken.
        violations: Every broken rule, in line order, without duplicates.
    """

    allowed: bool
    violations: tuple[Violation, ...] = ()
