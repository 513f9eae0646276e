"""What the model is told and shown in the analyst loop: its habits, its one tool, each cell's result.

Cell results are untrusted (they print the user's data): they are fenced like every other output and
cut to a few KB, so one cell cannot flood the conversation.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.guard.verdicts import Violation
from agent.llm.base import ChatMessage, ToolSpec
from agent.llm.prompts import UNTRUSTED, column_hints, datasets_block, failing_line, history_block, unfenced
from agent.sandbox.base import DATA_DIR, Execution
from agent.store import DatasetRecord, Turn

RUN_PYTHON = ToolSpec(
    name="run_python",
    description=(
        "Run Python code in this conversation's Jupyter kernel and see what it printed, the value of its "
        "last expression, any error with its traceback, and how many charts it drew. State persists "
        "between calls. The datasets are already loaded as DataFrames."
    ),
    parameters={
        "type": "object",
        "properties": {"code": {"type": "string", "description": "The Python code of one cell."}},
        "required": ["code"],
    },
)
# Names models use for the same tool when they fall back to habits of their own training (gpt-oss: `python`).
RUN_PYTHON_ALIASES = frozenset({"run_python", "python", "run_code", "execute_python", "jupyter"})

ANALYST_SYSTEM = """You are DataAgent, a careful senior data analyst answering questions in a Slack thread. \
You work in a Jupyter kernel through the `run_python` tool and see each cell's result before you go on.

How you work:
- Look before you compute: check dtypes, the unique values of the columns you filter or group on, and \
row counts. Print the row count after every filter or join.
- Build the answer in small cells; print every number, table and fact you will rely on, with labels \
(.to_string() for small tables; the top rows and the count for long ones).
- Check your results: an empty result, NaN, a zero where data exists or an implausible number means a \
mistake (a wrong filter value, a text column that should be a date or a number, a bad join). Investigate \
and fix it before answering.
- When a chart helps (trends, comparisons, distributions) or is asked for, draw it with matplotlib: one \
figure per idea, titled, labelled axes. Do not call plt.savefig; figures are captured automatically.
- The datasets are ALREADY LOADED with the variable names given below; never read files to get them and \
never invent data. Use pandas, numpy and matplotlib (seaborn/scipy only if the versions line lists them). \
No network, no shell, no package installs, no files outside {data_dir} and the working directory.

When you have the answer, stop calling the tool and reply with the answer itself:
- Every number you state must appear in a cell's output (rounding is fine). Never invent numbers.
- Lead with the direct answer in one sentence, then at most 4 short bullets of supporting facts. State how \
many rows the result rests on and any assumption you made (e.g. how you treated missing values).
- Slack mrkdwn: *bold* for key figures, no headings. Refer to charts briefly ("see the chart").
- Do not mention code, Python, DataFrames or the kernel unless asked. Under 150 words."""

RESULT_CHARS = 4000


def analyst_messages(
    question: str, datasets: Sequence[DatasetRecord], turns: Sequence[Turn], versions: str
) -> list[ChatMessage]:
    """The start of the loop's conversation."""
    system = ANALYST_SYSTEM.format(data_dir=DATA_DIR) + "\n\n" + UNTRUSTED
    if versions:
        system += f"\n\nSandbox versions: {versions}. Write code that works with exactly these versions."
    user = f"{datasets_block(datasets)}\n\n{history_block(turns)}Question: {question}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def cell_result(code: str, execution: Execution, datasets: Sequence[DatasetRecord]) -> str:
    """What the model sees of one cell: output, last value, error with hints, charts; a few KB at most."""
    parts: list[str] = []
    if execution.stdout.strip():
        parts.append(f"stdout:\n{_cut(execution.stdout)}")
    if execution.main_text and not execution.main_text.startswith(("<Axes", "<Figure", "<matplotlib")):
        parts.append(f"value:\n{_cut(execution.main_text, RESULT_CHARS // 2)}")
    if execution.pngs:
        parts.append(f"{len(execution.pngs)} chart(s) drawn.")
    error = execution.error
    if error is not None:
        parts.append(f"error: {error.name}: {error.value[:500]}")
        if line := failing_line(code, error.traceback):
            parts.append(f"Failing line: {line}")
        tail = "\n".join(error.traceback.strip().splitlines()[-8:])
        parts.append(f"traceback (last lines):\n{tail[-1500:]}")
        if hints := column_hints(execution, datasets):
            parts.append(hints)
    if not parts:
        parts.append("(the cell ran and printed nothing; print what you need to see)")
    if execution.truncated:
        parts.append("(output was truncated)")
    return "<output>\n" + unfenced("\n\n".join(parts)) + "\n</output>"


def refused_result(violations: Sequence[Violation]) -> str:
    """The tool result of a cell the policy refused: it never ran."""
    listed = "\n".join(f"- {v}" for v in violations)
    return (
        f"Not run: this code is not allowed here:\n{listed}\n"
        "Use only the loaded DataFrames, pandas, numpy and matplotlib."
    )


def unknown_tool_result(name: str) -> str:
    return f"There is no tool named {name[:40]!r}; the only tool is run_python(code)."


def budget_spent_message(steps: int) -> ChatMessage:
    """After the step or token budget: answer from what was found, saying what is missing."""
    return {
        "role": "user",
        "content": f"You have used all {steps} steps. Do not call any tool. Write the answer now from the "
        "outputs above: say what you found, and plainly what you could not establish.",
    }


def cut_off_message() -> ChatMessage:
    return {
        "role": "user",
        "content": "Your reply was cut off by the length limit. Reply again, shorter: a smaller cell, or the answer "
        "in under 100 words.",
    }


def no_answer_message() -> ChatMessage:
    return {"role": "user", "content": "Reply with the answer to the question, or call run_python."}


def _cut(text: str, limit: int = RESULT_CHARS) -> str:
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return f"{text[:head]}\n… [{len(text) - limit} characters cut] …\n{text[-(limit - head) :]}"
