"""Names, titles and alt text of the chart images uploaded with an answer (plain text)."""

from __future__ import annotations

import re

from handlers import texts

_ALT_CAP = 250
_SLUG_CAP = 40


def chart_alt_text(question: str, index: int, total: int) -> str:
    """Alt text for chart `index` (1-based) of `total` drawn for `question` (plain text)."""
    q = re.sub(r"\s+", " ", question).strip()
    q = q if len(q) <= _ALT_CAP else q[: _ALT_CAP - 1] + "…"
    if total <= 1:
        return texts.CHART_ALT_PLAIN.format(question=q)
    return texts.CHART_ALT_MANY_PLAIN.format(index=index, total=total, question=q)


def chart_title(index: int, total: int) -> str:
    """The file title shown above an uploaded chart (plain text)."""
    if total <= 1:
        return texts.CHART_TITLE_ONE_PLAIN
    return texts.CHART_TITLE_PLAIN.format(index=index, total=total)


def chart_filename(question: str, index: int, total: int = 1) -> str:
    """A short, safe PNG file name from the question: `chart-revenue-by-region-2.png`."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > _SLUG_CAP:
            break
        slug = f"{slug}-{word}" if slug else word
    base = f"chart-{slug}" if slug else "chart"
    return f"{base}-{index}.png" if total > 1 else f"{base}.png"
