"""The code behind an answer and its raw output, for the "Show code" button."""

from __future__ import annotations

from typing import Any

from handlers import texts
from handlers.render.blocks import MAX_MODAL_BLOCKS, Block, plain_text, preformatted_blocks, section
from handlers.render.mrkdwn import escape

MODAL_TITLE_MAX = 24  # Slack caps a modal's title and close button at 24 characters
MODAL_CODE_CAP = 24_000
MODAL_OUTPUT_CAP = 9_000
MESSAGE_CODE_CAP = 6_000
MESSAGE_OUTPUT_CAP = 4_000
_QUESTION_CAP = 500


def code_blocks(
    code: str | None,
    stdout: str,
    *,
    question: str | None = None,
    code_cap: int = MESSAGE_CODE_CAP,
    output_cap: int = MESSAGE_OUTPUT_CAP,
) -> list[Block]:
    """Blocks showing `code` and `stdout` verbatim in monospace, each capped and split to Slack's limits.

    Args:
        code: the program that ran (None when none was run).
        stdout: what it printed.
        question: shown above the code when given.
        code_cap: characters of code to show before cutting with a note.
        output_cap: characters of output to show before cutting with a note.
    """
    blocks: list[Block] = []
    if question:
        shown = question if len(question) <= _QUESTION_CAP else question[: _QUESTION_CAP - 1] + "…"
        blocks.append(section(texts.QUESTION_LINE.format(question=escape(shown))))
    blocks.append(section(texts.CODE_HEADING))
    if code and code.strip():
        blocks.extend(preformatted_blocks(_cap(code.rstrip(), code_cap, texts.CODE_TRUNCATED)))
    else:
        blocks.append(section(texts.NO_CODE))
    blocks.append(section(texts.OUTPUT_HEADING))
    if stdout.strip():
        blocks.extend(preformatted_blocks(_cap(stdout.rstrip(), output_cap, texts.OUTPUT_TRUNCATED)))
    else:
        blocks.append(section(texts.NO_OUTPUT))
    return blocks


def code_modal(code: str | None, stdout: str, *, question: str | None = None) -> dict[str, Any]:
    """A modal view (for `views.open`) with the question, the code and the raw output."""
    blocks = code_blocks(code, stdout, question=question, code_cap=MODAL_CODE_CAP, output_cap=MODAL_OUTPUT_CAP)
    return {
        "type": "modal",
        "title": plain_text(texts.CODE_MODAL_TITLE_PLAIN, MODAL_TITLE_MAX),
        "close": plain_text(texts.CODE_MODAL_CLOSE_PLAIN, MODAL_TITLE_MAX),
        "blocks": blocks[:MAX_MODAL_BLOCKS],
    }


def _cap(text: str, cap: int, note: str) -> str:
    if len(text) <= cap:
        return text
    cut = text.rfind("\n", 0, cap)
    cut = cut if cut > cap // 2 else cap
    return text[:cut].rstrip() + "\n" + note.format(n=len(text) - cut)


FEEDBACK_VIEW = "feedback_note"
FEEDBACK_NOTE_BLOCK = "note"
FEEDBACK_NOTE_ACTION = "note_text"


def feedback_modal(question_id: str) -> dict[str, Any]:
    """After a 👎: an optional "what's wrong?" note, and Try again right there."""
    return {
        "type": "modal",
        "callback_id": FEEDBACK_VIEW,
        "private_metadata": question_id,
        "title": plain_text(texts.FEEDBACK_TITLE_PLAIN, MODAL_TITLE_MAX),
        "submit": plain_text(texts.FEEDBACK_SUBMIT_PLAIN, MODAL_TITLE_MAX),
        "close": plain_text(texts.CODE_MODAL_CLOSE_PLAIN, MODAL_TITLE_MAX),
        "blocks": [
            {
                "type": "input",
                "block_id": FEEDBACK_NOTE_BLOCK,
                "optional": True,
                "label": plain_text(texts.FEEDBACK_LABEL_PLAIN, 2000),
                "element": {"type": "plain_text_input", "action_id": FEEDBACK_NOTE_ACTION, "multiline": True},
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": plain_text(texts.TRY_AGAIN_PLAIN, 75),
                        "action_id": "retry_question",
                        "value": question_id,
                    }
                ],
            },
        ],
    }
