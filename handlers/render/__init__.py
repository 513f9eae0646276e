"""Pure rendering for Slack: engine results in, message text and Block Kit blocks out. No I/O.

answer.py    answer_message / failure_message / result_message / answer_footer
code.py      code_blocks / code_modal (Show code)
profile.py   profile_card / suggested_questions / columns_table
home.py      home_view / forget_modal (App Home and its Forget confirmation)
progress.py  progress_text / cancel_prompt      commands.py  /analyze replies      charts.py  chart names
blocks.py chunks.py mrkdwn.py tables.py  the Block Kit, splitting, escaping and table pieces
"""

from handlers.render.answer import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    RETRY_QUESTION,
    SHOW_CODE,
    FileUpload,
    answer_attachments,
    answer_footer,
    answer_message,
    dead_message,
    failure_message,
    result_message,
)
from handlers.render.charts import chart_alt_text, chart_filename, chart_title
from handlers.render.code import code_blocks, code_modal
from handlers.render.commands import (
    COMMAND,
    FORGET_CANCEL,
    FORGET_CONFIRM,
    analyze_no_data,
    datasets_list,
    empty_question_text,
    forget_confirmation,
    forget_done,
    question_ack,
    usage_text,
)
from handlers.render.mrkdwn import escape, to_mrkdwn
from handlers.render.profile import DatasetView, friendly_type, profile_card, suggested_questions
from handlers.render.progress import CANCEL_QUESTION, cancel_prompt, progress_text

__all__ = [
    "CANCEL_QUESTION",
    "COMMAND",
    "FEEDBACK_DOWN",
    "FEEDBACK_UP",
    "FORGET_CANCEL",
    "FORGET_CONFIRM",
    "RETRY_QUESTION",
    "SHOW_CODE",
    "DatasetView",
    "FileUpload",
    "analyze_no_data",
    "answer_attachments",
    "answer_footer",
    "answer_message",
    "cancel_prompt",
    "chart_alt_text",
    "chart_filename",
    "chart_title",
    "code_blocks",
    "code_modal",
    "datasets_list",
    "dead_message",
    "empty_question_text",
    "escape",
    "failure_message",
    "forget_confirmation",
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
