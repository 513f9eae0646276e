"""Pure rendering for Slack: engine results in, message text and Block Kit blocks out. No I/O.

The pieces live in small modules; this one re-exports them and holds the one-liners
(progress lines, slash-command replies, chart names).

    answer_message / failure_message / result_message   render_answer.py
    code_blocks / code_modal                            render_code.py
    profile_card / suggested_questions                  render_profile.py
    to_mrkdwn / escape                                  mrkdwn.py
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.progress import Progress
from agent.store import DatasetRecord
from handlers import texts
from handlers.mrkdwn import escape, to_mrkdwn
from handlers.render_answer import (
    RETRY_QUESTION,
    SHOW_CODE,
    FileUpload,
    answer_attachment,
    answer_footer,
    answer_message,
    failure_message,
    result_message,
)
from handlers.render_code import code_blocks, code_modal
from handlers.render_profile import DatasetView, friendly_type, profile_card, suggested_questions

COMMAND = "/analyze"
_ALT_CAP = 250
_SLUG_CAP = 40


def progress_text(p: Progress) -> str:
    """The status line for a step of the work ("Running the analysis (attempt 2 of 3)…")."""
    of = p.attempt is not None and p.max_attempts is not None and p.max_attempts > 1
    if p.stage == "running":
        if of and p.attempt is not None and p.attempt > 1:
            return texts.PROGRESS_RUNNING_OF.format(attempt=p.attempt, total=p.max_attempts)
        return texts.PROGRESS_RUNNING
    if p.stage == "fixing" and of:
        return texts.PROGRESS_FIXING.format(attempt=p.attempt, total=p.max_attempts)
    fixed = {
        "loading_data": texts.PROGRESS_LOADING,
        "writing_code": texts.PROGRESS_WRITING_CODE,
        "fixing": texts.PROGRESS_FIXING_SHORT,
        "resurrecting": texts.PROGRESS_RESTORING,
        "drawing_charts": texts.PROGRESS_CHARTS,
        "writing_answer": texts.PROGRESS_ANSWER,
    }
    return fixed.get(p.stage) or escape(p.message) or texts.PROGRESS_QUEUED


def usage_text(command: str = COMMAND) -> str:
    """The reply to `/analyze help` (and to an unknown sub-command)."""
    return texts.USAGE.format(cmd=command)


def empty_question_text(command: str = COMMAND) -> str:
    """The reply to a bare `/analyze`."""
    return texts.EMPTY_QUESTION.format(cmd=command)


def question_ack(question: str) -> str:
    """The root message `/analyze <question>` posts before answering in its thread."""
    return texts.QUESTION_ACK.format(question=escape(question[:300]))


def datasets_list(datasets: Sequence[DatasetRecord | DatasetView]) -> str:
    """The reply to `/analyze datasets`: each dataset's file, DataFrame name and size."""
    if not datasets:
        return texts.DATASETS_NONE
    lines = [texts.DATASETS_HEADER.format(n=len(datasets))]
    for d in datasets[:40]:
        cols = len(d.columns)
        lines.append(
            texts.DATASETS_LINE.format(
                name=escape(d.name.replace("*", "")), var=escape(d.var_name), rows=d.rows, cols=cols
            )
        )
    return "\n".join(lines)


def forget_done(had_anything: bool = True) -> str:
    """The reply to `/analyze forget`."""
    return texts.FORGET_DONE if had_anything else texts.FORGET_NOTHING


def chart_alt_text(question: str, index: int, total: int) -> str:
    """Alt text for chart `index` (1-based) of `total` drawn for `question` (plain text)."""
    q = re.sub(r"\s+", " ", question).strip()
    q = q if len(q) <= _ALT_CAP else q[: _ALT_CAP - 1] + "…"
    if total <= 1:
        return texts.CHART_ALT_PLAIN.format(question=q)
    return texts.CHART_ALT_MANY_PLAIN.format(index=index, total=total, question=q)


def chart_title(index: int, total: int) -> str:
    """The file title shown above an uploaded chart (plain text)."""
    if total <= 1:
        return texts.CHART_TITLE_ONE_PLAIN
    return texts.CHART_TITLE_PLAIN.format(index=index, total=total)


def chart_filename(question: str, index: int, total: int = 1) -> str:
    """A short, safe PNG file name from the question: `chart-revenue-by-region-2.png`."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > _SLUG_CAP:
            break
        slug = f"{slug}-{word}" if slug else word
    base = f"chart-{slug}" if slug else "chart"
    return f"{base}-{index}.png" if total > 1 else f"{base}.png"


__all__ = [
    "RETRY_QUESTION",
    "SHOW_CODE",
    "DatasetView",
    "FileUpload",
    "answer_attachment",
    "answer_footer",
    "answer_message",
    "chart_alt_text",
    "chart_filename",
    "chart_title",
    "code_blocks",
    "code_modal",
    "datasets_list",
    "empty_question_text",
    "escape",
    "failure_message",
    "forget_done",
    "friendly_type",
    "profile_card",
    "progress_text",
    "question_ack",
    "result_message",
    "suggested_questions",
    "to_mrkdwn",
    "usage_text",
]
