"""The Block Kit limits real Slack enforces on `chat.postMessage` / `chat.update`, as `invalid_blocks` errors.

Only the limits a bot rendering answers is likely to hit are checked; a message the fake accepts may still be
refused by Slack for subtler reasons, but one it refuses would be refused by Slack too.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # modals and the Home tab
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_MARKDOWN_TOTAL = 12000
MAX_TABLE_ROWS = 100
MAX_TABLE_COLUMNS = 20
MAX_MESSAGE_TEXT = 40000
# The block types slack_sdk 3.47 models; anything else is refused as Slack refuses it.
KNOWN_TYPES = frozenset(
    {
        *("actions", "alert", "call", "card", "carousel", "container", "context", "context_actions"),
        *("divider", "file", "header", "image", "input", "markdown", "plan", "rich_text", "section"),
        *("table", "task_card", "video"),
    }
)


def block_errors(blocks: Any, *, max_blocks: int = MAX_BLOCKS) -> list[str]:
    """The reasons Slack would refuse `blocks`, in its `[ERROR] …` wording; empty when they are acceptable.

    `max_blocks` is 50 for a message, 100 for a modal or the Home tab (`MAX_VIEW_BLOCKS`).
    """
    if not isinstance(blocks, list):
        return ["[ERROR] blocks must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"[ERROR] no more than {max_blocks} items allowed [json-pointer:/blocks]")
    for i, block in enumerate(blocks):
        errors.extend(_block_errors(block, f"[json-pointer:/blocks/{i}]"))
    markdown_total = sum(
        len(str(block.get("text", "")))
        for block in blocks
        if isinstance(block, dict) and block.get("type") == "markdown"
    )
    if markdown_total > MAX_MARKDOWN_TOTAL:
        errors.append(f"[ERROR] markdown blocks exceed {MAX_MARKDOWN_TOTAL} characters in total [json-pointer:/blocks]")
    return errors


def _block_errors(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_TYPES:
        kind = block.get("type") if isinstance(block, dict) else type(block).__name__
        return [f"[ERROR] unsupported type: {kind} {where}"]
    kind = block["type"]
    if kind == "section":
        return _section_errors(block, where)
    if kind == "header":
        return _header_errors(block, where)
    if kind == "table":
        return _table_errors(block, where)
    return []


def _text_of(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def _header_errors(block: dict[str, Any], where: str) -> list[str]:
    if 0 < len(_text_of(block.get("text"))) <= MAX_HEADER_TEXT:
        return []
    return [f"[ERROR] must be between 1 and {MAX_HEADER_TEXT} characters {where}/text"]


def _section_errors(block: dict[str, Any], where: str) -> list[str]:
    errors: list[str] = []
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        errors.append(f"[ERROR] must provide either text or fields {where}")
    if text is not None and not 0 < len(_text_of(text)) <= MAX_SECTION_TEXT:
        errors.append(f"[ERROR] must be between 1 and {MAX_SECTION_TEXT} characters {where}/text")
    if isinstance(fields, list):
        if len(fields) > MAX_SECTION_FIELDS:
            errors.append(f"[ERROR] no more than {MAX_SECTION_FIELDS} items allowed {where}/fields")
        for j, field in enumerate(fields):
            if len(_text_of(field)) > MAX_FIELD_TEXT:
                errors.append(f"[ERROR] must be less than {MAX_FIELD_TEXT} characters {where}/fields/{j}")
    return errors


def _table_errors(block: dict[str, Any], where: str) -> list[str]:
    rows = block.get("rows")
    if not isinstance(rows, list) or not rows:
        return [f"[ERROR] rows must be a non-empty array {where}/rows"]
    errors: list[str] = []
    if len(rows) > MAX_TABLE_ROWS:
        errors.append(f"[ERROR] no more than {MAX_TABLE_ROWS} items allowed {where}/rows")
    for j, row in enumerate(rows):
        if not isinstance(row, list) or len(row) > MAX_TABLE_COLUMNS:
            errors.append(f"[ERROR] a row must be an array of at most {MAX_TABLE_COLUMNS} cells {where}/rows/{j}")
    return errors
