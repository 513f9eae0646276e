"""The guard: a cheap pre-screen of questions and an AST policy on generated code.

It is a speed bump that turns obvious misuse into a clear refusal; the sandbox (no network, jailed)
is the wall. `screen_question` runs before any model call; `check_code` runs on every cell the
model writes, before the sandbox sees it.
"""

from __future__ import annotations

from agent.guard_code import CodeVerdict, check_code
from agent.guard_question import Verdict, screen_question

__all__ = ["CodeVerdict", "Verdict", "check_code", "screen_question"]
