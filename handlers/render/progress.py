"""The one-line status shown while the engine works, and the asker's private Cancel prompt."""

from __future__ import annotations

from typing import Any

from agent import Progress
from handlers import texts
from handlers.render.mrkdwn import escape

CANCEL_QUESTION = "cancel_question"


def progress_text(p: Progress) -> str:
    """The status line for a step of the work ("Running the analysis (attempt 2 of 3)…")."""
    of = p.attempt is not None and p.max_attempts is not None and p.max_attempts > 1
    if p.stage == "running":
        if of and p.attempt is not None and p.attempt > 1:
            return texts.PROGRESS_RUNNING_OF.format(attempt=p.attempt, total=p.max_attempts)
        return texts.PROGRESS_RUNNING
    if p.stage == "step" and p.attempt is not None:
        return texts.PROGRESS_STEP.format(step=p.attempt)
    if p.stage == "fixing" and of:
        return texts.PROGRESS_FIXING.format(attempt=p.attempt, total=p.max_attempts)
    fixed = {
        "loading_data": texts.PROGRESS_LOADING,
        "inspecting": texts.PROGRESS_INSPECTING,
        "writing_code": texts.PROGRESS_WRITING_CODE,
        "fixing": texts.PROGRESS_FIXING_SHORT,
        "resurrecting": texts.PROGRESS_RESTORING,
        "drawing_charts": texts.PROGRESS_CHARTS,
        "writing_answer": texts.PROGRESS_ANSWER,
    }
    return fixed.get(p.stage) or escape(p.message) or texts.PROGRESS_QUEUED


def cancel_prompt(job_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The private line to the asker while their question runs: a Cancel button whose value is the job id."""
    button = {
        "type": "button",
        "action_id": CANCEL_QUESTION,
        "text": {"type": "plain_text", "text": texts.CANCEL_BUTTON_PLAIN},
        "value": job_id,
    }
    return texts.CANCEL_PROMPT, [
        {"type": "section", "text": {"type": "mrkdwn", "text": texts.CANCEL_PROMPT}, "accessory": button}
    ]
