"""Reading Web API arguments the way Slack does, and the error reply every fake method raises.

The SDK sends some methods' arguments as JSON and others as a query string or form (where structured
values such as `blocks` or `files` arrive as JSON strings); these helpers accept both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Args = dict[str, Any]
Reply = dict[str, Any]
Method = Callable[[Args], Reply]


class ApiFailure(Exception):
    """A Web API error reply: `{"ok": false, "error": error, **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def opt(args: Args, key: str) -> str | None:
    """A string argument; absent or empty is None."""
    value = args.get(key)
    return None if value is None or value == "" else str(value)


def req(args: Args, key: str, error: str) -> str:
    """A required string argument; raises `ApiFailure(error)` when absent or empty."""
    value = opt(args, key)
    if value is None:
        raise ApiFailure(error)
    return value


def json_arg(args: Args, key: str) -> Any:
    """A structured argument, decoding the JSON string a form or query carries it as."""
    value = args.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiFailure("invalid_arguments") from exc
    return value


def message_text(args: Args) -> str | None:
    """The message text; `markdown_text` (2025+) is the alternative to `text` and Slack stores either."""
    return opt(args, "text") or opt(args, "markdown_text")


def chunk_text(args: Args) -> str:
    """The text a streaming call adds: `markdown_text` plus its `markdown_text` chunks."""
    parts = [str(args["markdown_text"])] if args.get("markdown_text") else []
    for chunk in json_arg(args, "chunks") or []:
        if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
            parts.append(str(chunk.get("text", "")))
    return "".join(parts)
