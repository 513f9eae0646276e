"""Split text into pieces that fit Slack's per-block limits without losing or mangling any of it.

Cuts prefer paragraph breaks, then line breaks, then spaces; a code fence cut in two is closed
at the end of one piece and reopened at the start of the next; no cut lands inside an escape
entity or a `<…>` link.
"""

from __future__ import annotations

from handlers.render.mrkdwn import safe_cut

FENCE = "```"
# Room for a closing and a reopening fence around a piece cut inside a code block.
_FENCE_OVERHEAD = 2 * (len(FENCE) + 1)


def split_mrkdwn(text: str, limit: int = 3000) -> list[str]:
    """Split mrkdwn into pieces of at most `limit` characters.

    Args:
        text: Slack mrkdwn (already converted and escaped).
        limit: the largest piece; Slack allows 3,000 characters in a section's text.

    Returns:
        Non-empty pieces; joined with blank lines they read as the original text.
    """
    if limit <= _FENCE_OVERHEAD + 1:
        raise ValueError("limit too small")
    pieces: list[str] = []
    current = ""
    for block in _paragraphs(text):
        joined = f"{current}\n\n{block}" if current else block
        if len(joined) <= limit:
            current = joined
            continue
        if current:
            pieces.append(current)
        if len(block) <= limit:
            current = block
        else:
            *full, current = _split_block(block, limit)
            pieces.extend(full)
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, except that a fenced code block is never broken up here."""
    blocks: list[str] = []
    current: list[str] = []
    inside = False
    for line in text.split("\n"):
        if line.strip().startswith(FENCE):
            inside = not inside
        if not line.strip() and not inside:
            if current:
                blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _split_block(block: str, limit: int) -> list[str]:
    room = limit - _FENCE_OVERHEAD
    pieces: list[str] = []
    lines: list[str] = []
    starts_inside = inside = False

    def flush() -> None:
        nonlocal lines, starts_inside
        if lines:
            body = "\n".join(lines)
            pieces.append((f"{FENCE}\n" if starts_inside else "") + body + (f"\n{FENCE}" if inside else ""))
        lines, starts_inside = [], inside

    for line in block.split("\n"):
        for segment in split_line(line, room):
            if lines and len("\n".join([*lines, segment])) > room:
                flush()
            lines.append(segment)
        if line.strip().startswith(FENCE):
            inside = not inside
    flush()
    return pieces


def split_line(line: str, limit: int) -> list[str]:
    """Cut one over-long line at spaces (or hard, as a last resort) into pieces ≤ `limit`."""
    pieces: list[str] = []
    while len(line) > limit:
        space = line.rfind(" ", 1, limit)
        at = safe_cut(line, space if space > limit // 2 else limit)
        pieces.append(line[:at])
        line = line[at:]
    pieces.append(line)
    return pieces


def split_plain(text: str, limit: int) -> list[str]:
    """Split literal text (code, output) at line breaks into pieces ≤ `limit`; nothing is dropped."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for segment in _hard(line, limit):
            extra = len(segment) + (1 if current else 0)
            if current and size + extra > limit:
                pieces.append("\n".join(current))
                current, size, extra = [], 0, len(segment)
            current.append(segment)
            size += extra
    if current:
        pieces.append("\n".join(current))
    return pieces


def _hard(line: str, limit: int) -> list[str]:
    return [line[i : i + limit] for i in range(0, len(line), limit)] or [""]
