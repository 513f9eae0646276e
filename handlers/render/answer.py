"""An engine `Answer` → the Slack message that shows it (answers and failures)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent import Answer
from handlers import texts
from handlers.render.blocks import (
    MAX_BLOCKS,
    MAX_MESSAGE_TEXT,
    MAX_SECTION,
    Block,
    actions,
    button,
    context,
    section,
    table,
    text_size,
)
from handlers.render.chunks import split_mrkdwn
from handlers.render.mrkdwn import escape, preview, safe_cut, to_mrkdwn
from handlers.render.tables import TABLE_MAX_COLUMNS, TABLE_MAX_ROWS, ResultTable, find_result_table

SHOW_CODE = "show_code"
RETRY_QUESTION = "retry_question"
FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
_ERROR_NAME_CAP = 150


@dataclass(frozen=True)
class FileUpload:
    """A text file to attach in the thread (one `file_uploads` entry of `files_upload_v2`)."""

    filename: str
    title: str
    content: str

    def to_upload(self) -> dict[str, str]:
        return {"filename": self.filename, "title": self.title, "content": self.content}


def result_message(answer: Answer, *, question_id: str, source: str = "") -> tuple[str, list[Block]]:
    """The message for any outcome: `answer_message` when answered, else `failure_message`."""
    if answer.ok:
        return answer_message(answer, question_id=question_id, source=source)
    return failure_message(answer, question_id=question_id)


def answer_message(answer: Answer, *, question_id: str, source: str = "") -> tuple[str, list[Block]]:
    """Fallback text and blocks for an answered question.

    The answer text fills sections of ≤ 3,000 characters; the last table the code printed is shown as a
    native table (at most 100 rows and 20 columns; `answer_attachments` adds the whole of it as a CSV);
    a footer names the data (`source`, already escaped), the steps and the time; 👍 / 👎 and "Show code"
    carry `question_id`. When the text does not fit one message (50 blocks, ~12,000 characters), it is
    cut at a paragraph, a note says so, and `answer_attachments` holds the full text as a file.
    """
    body, _ = _layout(answer)
    footer = escape(answer_footer(answer))
    blocks = [
        *body,
        context(f"{source}{texts.FOOTER_SEP}{footer}" if source else footer),
        actions(
            button(texts.FEEDBACK_UP_PLAIN, FEEDBACK_UP, question_id),
            button(texts.FEEDBACK_DOWN_PLAIN, FEEDBACK_DOWN, question_id),
            button(texts.SHOW_CODE_PLAIN, SHOW_CODE, question_id),
        ),
    ]
    return preview(to_mrkdwn(answer.text)), blocks


def answer_attachments(answer: Answer) -> list[FileUpload]:
    """Files to attach: the full answer when `answer_message` had to cut it, the result table as CSV
    when it is larger than a table block holds."""
    if not answer.ok:
        return []
    files = []
    if _layout(answer)[1]:
        files.append(FileUpload("answer.md", texts.ANSWER_FILE_TITLE_PLAIN, answer.text))
    result = find_result_table(answer.stdout)
    if result is not None and _too_big(result):
        files.append(FileUpload("result.csv", texts.RESULT_CSV_TITLE_PLAIN, result.to_csv()))
    return files


def _layout(answer: Answer) -> tuple[list[Block], bool]:
    pieces = split_mrkdwn(to_mrkdwn(answer.text), MAX_SECTION)
    reserved = len(answer_footer(answer)) + len(texts.ANSWER_TRUNCATED) + 100
    budget, slots = MAX_MESSAGE_TEXT - reserved, MAX_BLOCKS - 4  # footer, actions, note, table
    blocks: list[Block] = []
    for piece in pieces:
        if len(blocks) >= slots or budget - len(piece) < 0:
            blocks.append(section(texts.ANSWER_TRUNCATED))
            return blocks, True
        blocks.append(section(piece))
        budget -= len(piece)
    table = _result_table(answer)
    if table is not None and text_size(table) + len(texts.RESULT_TABLE) <= budget:
        blocks.extend([section(texts.RESULT_TABLE), table])
    return blocks, False


def _result_table(answer: Answer) -> Block | None:
    if "```" in to_mrkdwn(answer.text):
        return None  # the answer already shows a table or code; don't repeat it
    result = find_result_table(answer.stdout)
    if result is None:
        return None
    width = TABLE_MAX_COLUMNS
    rows = [result.header[:width], *(row[:width] for row in result.rows[: TABLE_MAX_ROWS - 1])]
    return table(rows)


def _too_big(result: ResultTable) -> bool:
    return len(result.rows) > TABLE_MAX_ROWS - 1 or len(result.header) > TABLE_MAX_COLUMNS


def answer_footer(answer: Answer) -> str:
    """The grey line under an answer: "✓ 1 attempt · 4.2 s", "2 attempts (fixed an error) · 6.1 s"."""
    n = max(1, len(answer.attempts))
    errors = sum(1 for a in answer.attempts[:-1] if a.error_summary is not None)
    if n == 1:
        parts = [texts.ATTEMPTS_ONE]
    else:
        fixed = texts.FIXED_ONE if errors <= 1 else texts.FIXED_MANY.format(n=errors)
        parts = [f"{texts.ATTEMPTS_MANY.format(n=n)} ({fixed})"]
    seconds = answer.timings.get("total_s")
    if seconds is not None:
        parts.append(texts.SECONDS.format(s=seconds))
    if answer.charts:
        template = texts.CHARTS if len(answer.charts) == 1 else texts.CHARTS_MANY
        parts.append(template.format(n=len(answer.charts)))
    if answer.resurrected:
        parts.append(texts.SESSION_RESTORED)
    return texts.FOOTER_SEP.join(parts)


def failure_message(answer: Answer, *, question_id: str, columns: Sequence[str] = ()) -> tuple[str, list[Block]]:
    """Fallback text and blocks for a question that was refused or failed.

    A refused question gets a hint instead of a retry button (the same words are refused again);
    refused code and failures get a "Try again" button carrying `question_id` (the model may write
    it differently next time), and "Show code" when code was written.
    """
    if answer.status == "refused":
        example = texts.REFUSED_HINT.format(column=columns[0]) if columns else texts.REFUSED_HINT_GENERIC
        headline = texts.REFUSED_PREFIX + escape(answer.text or answer.error or texts.GENERIC_FAILURE)
        blocks = [section(_fit(f"{headline}\n{escape(example)}"))]
        if answer.attempts:
            blocks.append(actions(*_buttons(answer, question_id)))
        return preview(headline), blocks
    if answer.cause == "no_data":
        sentence, hint = escape(answer.error or answer.text), texts.NO_DATA_HINT
    elif answer.attempts:
        count = len(answer.attempts)
        sentence = texts.CODE_FAILED.format(n=count, s="" if count == 1 else "s", error=_last_error(answer))
        hint = texts.CODE_FAILED_HINT
    else:
        sentence, hint = escape(answer.error or answer.text or texts.GENERIC_FAILURE), ""
    headline = texts.FAILED_PREFIX + sentence
    blocks = [section(_fit(f"{headline}\n{hint}" if hint else headline)), actions(*_buttons(answer, question_id))]
    return preview(headline), blocks


def dead_message(question_id: str) -> tuple[str, list[Block]]:
    """A question whose job failed every delivery: say so, and offer to ask it again."""
    return texts.JOB_DEAD, [
        section(texts.JOB_DEAD),
        actions(button(texts.TRY_AGAIN_PLAIN, RETRY_QUESTION, question_id, primary=True)),
    ]


def _buttons(answer: Answer, question_id: str) -> list[dict[str, Any]]:
    buttons = [button(texts.TRY_AGAIN_PLAIN, RETRY_QUESTION, question_id, primary=True)]
    if answer.code:
        buttons.append(button(texts.SHOW_CODE_PLAIN, SHOW_CODE, question_id))
    return buttons


def _last_error(answer: Answer) -> str:
    """The last attempt's error, briefly and safe to show inside backticks."""
    last = answer.attempts[-1]
    if last.execution is not None and last.execution.error is not None:
        err = last.execution.error
        summary = f"{err.name}: {err.value}" if err.value else err.name
    else:
        summary = last.error_summary or "unknown error"
    summary = re.sub(r"\s+", " ", summary).replace("`", "'").strip()
    if len(summary) > _ERROR_NAME_CAP:
        summary = summary[: _ERROR_NAME_CAP - 1].rstrip() + "…"
    return escape(summary)


def _fit(mrkdwn: str) -> str:
    if len(mrkdwn) <= MAX_SECTION:
        return mrkdwn
    return mrkdwn[: safe_cut(mrkdwn, MAX_SECTION - 1)] + "…"
