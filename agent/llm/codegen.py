"""Pull the Python program out of a model reply.

Models wrap code in many ways: ```python fences, bare ``` or ~~~ fences, several blocks interleaved
with prose, no fence at all, and reasoning models prepend `<think>…</think>`. `extract_code` takes
what would run and nothing else; it returns None for a prose-only reply so the engine can answer
with the text or ask again.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

_THINK_BLOCK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<think(?:ing)?>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think(?:ing)?>", re.IGNORECASE)
# Fences may be indented (models nest code in list items); bodies are dedented to match.
_FENCE_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_PYTHON_TAGS = {"python", "python3", "py", "py3", "ipython", "ipython3", "pandas"}
# Lines that can start a program; used to find code after a line or two of unfenced prose.
_CODE_START = re.compile(
    r"^(import |from \S+ import |def |class |for |with |if |try:|print\(|#|[A-Za-z_][\w.\[\]'\"]*\s*=[^=])"
)
_MAX_PROSE_SKIPS = 20


@dataclass(frozen=True)
class _Block:
    lang: str
    body: str


def extract_code(reply: str) -> str | None:
    """Return the Python code in a model reply, or None when it holds none.

    Fenced blocks win: the Python-tagged ones, joined in order; failing that, untagged blocks
    that look like code. Without fences, the reply (or its tail after a line of prose) counts as
    code when it parses and does more than name a value. A Python-tagged block that does not
    parse is still returned, so the sandbox reports the SyntaxError to the heal loop.

    Args:
        reply: The raw assistant message.

    Returns:
        The code, stripped of surrounding whitespace, or None.
    """
    text = strip_reasoning(reply.replace("\r\n", "\n"))
    blocks = _fenced_blocks(text)
    if blocks:
        python = [b.body for b in blocks if b.lang in _PYTHON_TAGS]
        if not python:
            python = [b.body for b in blocks if not b.lang and _looks_like_code(b.body)]
        return _joined(python)
    return _unfenced_code(text)


def strip_reasoning(reply: str) -> str:
    """Remove `<think>…</think>` blocks (and an unterminated or orphaned tag's reasoning)."""
    text = _THINK_BLOCK.sub("", reply)
    # A closing tag with no opener: some models stream the reasoning without the `<think>`.
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    # An opener with no closer: the reply was cut off while still reasoning.
    if opened := _THINK_OPEN.search(text):
        text = text[: opened.start()]
    return text


def _fenced_blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = _FENCE_OPEN.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence = opening["fence"]
        lang = opening["info"].strip().split(" ")[0].lower().lstrip("{.").rstrip("}")
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        i += 1
        # An unclosed fence runs to the end: the reply was truncated mid-block.
        while i < len(lines) and not closing.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1
        blocks.append(_Block(lang, textwrap.dedent("\n".join(body))))
    return blocks


def _unfenced_code(text: str) -> str | None:
    if _looks_like_code(text):
        return _joined([text])
    lines = text.strip().split("\n")
    starts = [n for n, line in enumerate(lines) if n > 0 and _CODE_START.match(line)]
    for n in starts[:_MAX_PROSE_SKIPS]:
        tail = "\n".join(lines[n:])
        if _looks_like_code(tail):
            return _joined([tail])
    return None


def _looks_like_code(source: str) -> bool:
    """True when `source` parses and does something: a bare word or number is prose, not code."""
    try:
        tree = ast.parse(source.strip())
    except (SyntaxError, ValueError):
        return False
    return any(not _is_bare_value(node) for node in tree.body)


def _is_bare_value(node: ast.stmt) -> bool:
    """An expression statement that calls, reads or indexes nothing ("Done", "N/A", "yes, 42")."""
    if not isinstance(node, ast.Expr):
        return False
    return not any(isinstance(n, ast.Call | ast.Attribute | ast.Subscript) for n in ast.walk(node.value))


def _joined(bodies: list[str]) -> str | None:
    code = "\n\n".join(body.strip("\n") for body in bodies if body.strip()).strip()
    return code or None
