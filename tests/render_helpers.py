"""What the rendering tests share: sample answers and readers of Block Kit output."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block as SdkBlock

from agent.answer import Answer, Attempt
from agent.sandbox.base import Execution, ExecutionError

QID = "q-1f2e3d"
PING = "<!channel>"
OK_RUN = Execution(stdout="42\n")


def ok_attempt(n: int = 1) -> Attempt:
    return Attempt(n, "print(42)", OK_RUN)


def failed_attempt(n: int, name: str = "KeyError", value: str = "'revenue'") -> Attempt:
    return Attempt(n, "df['revenue']", Execution(error=ExecutionError(name, value, "Traceback...")))


def answered(
    text: str,
    *,
    stdout: str = "42\n",
    attempts: tuple[Attempt, ...] | None = None,
    seconds: float = 4.2,
    resurrected: bool = False,
) -> Answer:
    answer = Answer(
        "answered",
        text,
        "what is the total?",
        code="print(42)",
        stdout=stdout,
        attempts=attempts or (ok_attempt(),),
        resurrected=resurrected,
    )
    answer.timings["total_s"] = seconds
    return answer


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round-trip every block through slack_sdk's models, which raise on Slack's documented limits."""
    assert len(blocks) <= 50
    for block in blocks:
        assert SdkBlock.parse(block).to_dict() == block  # type: ignore[union-attr]
    return blocks


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every string Slack parses as mrkdwn (where `<!channel>` would ping)."""
    out = sections(blocks)
    for b in blocks:
        if b["type"] == "context":
            out += [e["text"] for e in b["elements"] if e["type"] == "mrkdwn"]
    return out


def preformatted_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [leaf["text"] for b in blocks if b["type"] == "rich_text" for el in b["elements"] for leaf in el["elements"]]


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def footer(blocks: list[dict[str, Any]]) -> str:
    return str(next(b for b in blocks if b["type"] == "context")["elements"][0]["text"])


def table_rows(blocks: list[dict[str, Any]]) -> list[list[str]]:
    tables = [b for b in blocks if b["type"] == "table"]
    assert len(tables) <= 1
    return [[cell["text"] for cell in row] for row in tables[0]["rows"]] if tables else []
