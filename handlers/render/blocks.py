"""Small constructors for the Block Kit dicts DataAgent posts (plain dicts, as `chat.postMessage` takes)."""

from __future__ import annotations

from typing import Any

from handlers.render.chunks import split_plain

Block = dict[str, Any]

MAX_BLOCKS = 50  # per message
MAX_MODAL_BLOCKS = 100  # per modal view
MAX_SECTION = 3000  # characters of a section's text
MAX_MESSAGE_TEXT = 12_000  # characters of text we let one message carry
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
# Rich text has no documented per-element cap; the section cap keeps every block comfortably small.
MAX_PREFORMATTED = 3000


def section(mrkdwn: str) -> Block:
    """A section showing `mrkdwn` (the caller keeps it ≤ 3,000 characters and escaped)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def context(*mrkdwn: str) -> Block:
    """A context block: small grey text, one element per string (Slack allows up to 10)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in mrkdwn[:10]]}


def plain_text(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object, cut to `limit` characters."""
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def button(label: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    """A button element; `value` comes back in the `block_actions` payload."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain_text(label, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if primary:
        element["style"] = "primary"
    return element


def actions(*elements: dict[str, Any]) -> Block:
    """An actions block holding buttons."""
    return {"type": "actions", "elements": list(elements)}


def table(rows: list[tuple[str, ...]]) -> Block:
    """A native table; cells are raw text, which Slack never parses for mentions or links."""
    return {"type": "table", "rows": [[{"type": "raw_text", "text": cell or " "} for cell in row] for row in rows]}


def preformatted(text: str) -> Block:
    """Literal monospace text. Rich text is never parsed for mentions or links, so data stays inert."""
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_preformatted", "elements": [{"type": "text", "text": text or " "}]}],
    }


def preformatted_blocks(text: str, limit: int = MAX_PREFORMATTED) -> list[Block]:
    """`text` as one or more preformatted blocks, split at line breaks, none over `limit`."""
    return [preformatted(piece) for piece in split_plain(text, limit)]


def text_size(block: Block) -> int:
    """How many characters of visible text a block carries (for the per-message budget)."""
    if block.get("type") == "section":
        return len(block.get("text", {}).get("text", ""))
    if block.get("type") == "rich_text":
        return sum(len(leaf.get("text", "")) for el in block["elements"] for leaf in el.get("elements", []))
    if block.get("type") == "context":
        return sum(len(el.get("text", "")) for el in block["elements"])
    return 0
