"""Replies to `/analyze` and its sub-commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent import DatasetRecord
from handlers import texts
from handlers.render.blocks import Block, actions, button, section
from handlers.render.dates import kept_until
from handlers.render.mrkdwn import escape
from handlers.render.profile import DatasetView

COMMAND = "/analyze"
FORGET_CONFIRM = "forget_confirm"
FORGET_CANCEL = "forget_cancel"


def usage_text(command: str = COMMAND) -> str:
    """The reply to `/analyze help` (and to an unknown sub-command)."""
    return texts.USAGE.format(cmd=command)


def empty_question_text(command: str = COMMAND) -> str:
    """The reply to a bare `/analyze`."""
    return texts.EMPTY_QUESTION.format(cmd=command)


def question_ack(question: str) -> str:
    """The root message `/analyze <question>` posts before answering in its thread."""
    return texts.QUESTION_ACK.format(question=escape(question[:300]))


def datasets_list(
    datasets: Sequence[DatasetRecord | DatasetView], *, expires_at: float | None = None, now: float = 0.0
) -> str:
    """The reply to `/analyze datasets`: each dataset's file, DataFrame name and size, and until when it is kept.

    Args:
        datasets: The latest thread's datasets.
        expires_at: When they are deleted (epoch seconds); None leaves the date out.
        now: The current time, which decides whether the year is shown.
    """
    if not datasets:
        return texts.DATASETS_NONE
    lines = [texts.DATASETS_HEADER.format(n=len(datasets))]
    if expires_at is not None:
        lines[0] += " " + texts.DATASETS_KEPT.format(when=kept_until(expires_at, now))
    for d in datasets[:40]:
        cols = len(d.columns)
        lines.append(
            texts.DATASETS_LINE.format(
                name=escape(d.name.replace("*", "")), var=escape(d.var_name), rows=d.rows, cols=cols
            )
        )
    return "\n".join(lines)


def analyze_no_data(question: str, bot: str) -> str:
    """The private reply to `/analyze <question>` in a channel that has no dataset yet (`bot`: its mention)."""
    return texts.ANALYZE_NO_DATA.format(question=escape(question[:300]), bot=bot)


def forget_confirmation() -> tuple[str, list[Block]]:
    """The private question `/analyze forget` asks first: deleting everything should take a second click."""
    confirm: dict[str, Any] = {**button(texts.FORGET_YES_PLAIN, FORGET_CONFIRM, "forget"), "style": "danger"}
    cancel = button(texts.FORGET_NO_PLAIN, FORGET_CANCEL, "cancel")
    return texts.FORGET_CONFIRM_PLAIN, [section(texts.FORGET_CONFIRM), actions(confirm, cancel)]


def forget_done(had_anything: bool = True) -> str:
    """The reply to `/analyze forget`."""
    return texts.FORGET_DONE if had_anything else texts.FORGET_NOTHING
