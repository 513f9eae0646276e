"""Markdown as an LLM writes it → Slack mrkdwn, escaped so data can never ping or link.

Slack parses `<…>` in message text as links and mentions (`<!channel>` notifies everyone), so
every `&`, `<` and `>` that did not come from a link we built ourselves is entity-escaped, in code
too (Slack shows `&lt;` as `<` inside code). Links are only kept for http(s) and mailto targets, and
a link's label always shows where it goes: "label (domain)", or the bare URL when the label itself
looks like an address (`[https://acme.slack.com/…](https://evil.example/x)` must not pass for Slack).
"""

from __future__ import annotations

import re

# Private-use characters mark our own tokens while the rest of a line is escaped and styled.
_TOKEN_OPEN, _TOKEN_CLOSE, _BOLD = "\ue000", "\ue001", "\ue002"
_PRIVATE = re.compile("[\ue000-\ue002]")
_TOKEN = re.compile(f"{_TOKEN_OPEN}(\\d+){_TOKEN_CLOSE}")

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_BULLET = re.compile(r"^(\s*)[*+-]\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*)(\d{1,3})[.)]\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s|]+)>", re.IGNORECASE)
_SAFE_URL = re.compile(r"^(?:https?://[^\s/]+|mailto:[^\s@]+@)", re.IGNORECASE)
_HOST = re.compile(r"^(?:https?://(?:[^\s/@]*@)?([^\s/:?#]+)|mailto:([^\s?]+))", re.IGNORECASE)
# A label that reads as an address (a URL, a domain, an e-mail) could name a place the link does not go.
_ADDRESS_LIKE = re.compile(r"://|^\s*(?:www\.)?[\w-]+(?:\.[\w-]+)+\s*(?:[/:?#]|$)|@|\bwww\.", re.IGNORECASE)
_STRONG = re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_FENCE_LINE = "```"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup (`&`, `<`, `>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str = "") -> str:
    """A Slack link `<url|label (domain)>` or `<url>`, or just the escaped label when the URL is not http(s)/mailto."""
    url = url.strip()
    if not _SAFE_URL.match(url):
        return escape(label or url)
    safe = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace("&", "&amp;")
    label = _PRIVATE.sub("", label).replace("*", "").strip()
    if not label or label.rstrip("/").lower() == url.rstrip("/").lower() or _ADDRESS_LIKE.search(label):
        return f"<{safe}>"
    host = _HOST.match(url)
    domain = (host.group(1) or host.group(2)) if host else url
    return f"<{safe}|{escape(label)} ({escape(domain.lower())})>"


def to_mrkdwn(text: str) -> str:
    """Convert common Markdown (bold, headings, links, bullets, tables, fences) to Slack mrkdwn.

    Args:
        text: Markdown as a model writes it; may contain data values with any characters.

    Returns:
        Slack mrkdwn in which only links we built are live; everything else is escaped.
    """
    lines = _PRIVATE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            i = _fenced(lines, i, out)
        elif _TABLE_ROW.match(line) and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            i = _table(lines, i, out)
        else:
            out.append(_block_line(line))
            i += 1
    return "\n".join(out)


def _fenced(lines: list[str], start: int, out: list[str]) -> int:
    marker = _FENCE.match(lines[start])
    fence = marker.group(1) if marker else _FENCE_LINE
    end = start + 1
    while end < len(lines) and not lines[end].strip().startswith(fence):
        end += 1
    body = [escape(line) for line in lines[start + 1 : end]]
    # Slack shows a language tag (```python) as code, so the fence is always bare.
    out.extend([_FENCE_LINE, *body, _FENCE_LINE])
    return end + 1


def _table(lines: list[str], start: int, out: list[str]) -> int:
    rows: list[list[str]] = []
    end = start
    while end < len(lines) and (_TABLE_ROW.match(lines[end]) or _TABLE_RULE.match(lines[end])):
        if not _TABLE_RULE.match(lines[end]):
            cells = lines[end].strip().strip("|").split("|")
            rows.append([_plain_cell(c) for c in cells])
        end += 1
    out.extend([_FENCE_LINE, *(escape(row) for row in align_rows(rows)), _FENCE_LINE])
    return end


def _plain_cell(cell: str) -> str:
    cell = _STRONG.sub(lambda m: m.group(1) or m.group(2), cell.strip())
    return cell.replace("`", "")


def align_rows(rows: list[list[str]]) -> list[str]:
    """Lay out cells as monospace columns; numbers are right-aligned, text left-aligned."""
    width = max((len(r) for r in rows), default=0)
    grid = [r + [""] * (width - len(r)) for r in rows]
    sizes = [max(len(r[c]) for r in grid) for c in range(width)]
    numeric = [all(_is_number(r[c]) for r in grid[1:] if r[c]) and len(grid) > 1 for c in range(width)]
    lines = []
    for row in grid:
        cells = [v.rjust(sizes[c]) if numeric[c] else v.ljust(sizes[c]) for c, v in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return lines


def _is_number(value: str) -> bool:
    return re.fullmatch(r"[-+(]?[$€£]?[\d,]*\.?\d+%?\)?", value.strip()) is not None


def _block_line(line: str) -> str:
    if m := _HEADING.match(line):
        title = _STRONG.sub(lambda s: s.group(1) or s.group(2), m.group(1))
        return f"*{inline(title)}*" if title.strip() else ""
    if _RULE.match(line):
        return "──────────"
    if m := _QUOTE.match(line):
        return "> " + inline(m.group(1))
    if m := _BULLET.match(line):
        level = len(m.group(1).expandtabs(4)) // 2
        return "    " * level + ("• " if level == 0 else "◦ ") + inline(m.group(2))
    if m := _NUMBERED.match(line):
        return "    " * (len(m.group(1)) // 2) + f"{m.group(2)}. " + inline(m.group(3))
    return inline(line)


def inline(text: str) -> str:
    """Convert and escape one line: code spans kept verbatim (escaped), links and emphasis converted."""
    parts: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        parts.append(_styled(text[pos : m.start()]))
        parts.append(f"`{escape(m.group(2))}`")
        pos = m.end()
    parts.append(_styled(text[pos:]))
    return "".join(parts)


def _styled(text: str) -> str:
    links: list[str] = []

    def keep(rendered: str) -> str:
        links.append(rendered)
        return f"{_TOKEN_OPEN}{len(links) - 1}{_TOKEN_CLOSE}"

    text = _LINK.sub(lambda m: keep(link(m.group(2), m.group(1))), text)
    text = _AUTOLINK.sub(lambda m: keep(link(m.group(1))), text)
    text = escape(text)
    text = _STRONG.sub(lambda m: f"{_BOLD}{m.group(1) or m.group(2)}{_BOLD}", text)
    text = _EM.sub(lambda m: f"_{m.group(1)}_", text)
    text = _STRIKE.sub(lambda m: f"~{m.group(1)}~", text).replace(_BOLD, "*")
    return _TOKEN.sub(lambda m: links[int(m.group(1))], text)


def preview(mrkdwn: str, limit: int = 300) -> str:
    """A one-paragraph preview of mrkdwn for notifications (the message's fallback `text`)."""
    flat = re.sub(r"```\n?", "", mrkdwn)
    flat = re.sub(r"\s*\n\s*", " ", flat).strip()
    if len(flat) <= limit:
        return flat
    cut = safe_cut(flat, flat.rfind(" ", 0, limit - 1) if " " in flat[: limit - 1] else limit - 1)
    return flat[:cut].rstrip() + "…"


def safe_cut(text: str, at: int) -> int:
    """Move a cut point back so it never falls inside an `&…;` entity or a `<…>` link."""
    at = max(1, min(at, len(text)))
    amp = text.rfind("&", max(0, at - 6), at)
    if amp > 0 and ";" not in text[amp:at]:
        at = amp
    lt = text.rfind("<", 0, at)
    if lt > 0 and ">" not in text[lt:at]:
        at = lt
    return at
