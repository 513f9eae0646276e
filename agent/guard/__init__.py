"""The guard: a cheap pre-screen of questions and an AST policy on generated code.

It is a speed bump that turns obvious misuse into a clear refusal; the sandbox (no network, jailed)
is the wall. `screen_question` runs before any model call; `check_code` runs on every cell the
model writes, before the sandbox sees it. Both return values (`agent.guard.verdicts`), never raise.
"""

from agent.guard.code import check_code
from agent.guard.question import screen_question
from agent.guard.verdicts import CodeVerdict, QuestionVerdict, Violation

__all__ = ["CodeVerdict", "QuestionVerdict", "Violation", "check_code", "screen_question"]
