"""Checking that the numbers in an answer come from the executed output.

The answer is written by a second model call from the real output; this is the check that it
did not invent or misremember a figure. A number in the answer is grounded when some number in
the output (or the question) rounds to it at the precision the answer shows, also as a
percentage of a fraction ("0.362" → "36.2%") and in thousands/millions ("1.2M").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?(?:\s?(?:%|k|K|M|bn|B)\b|%)?")
_SCALES = {"k": 1e3, "K": 1e3, "M": 1e6, "bn": 1e9, "B": 1e9}
# Counting words ("top 5", "3 charts") are not figures worth checking.
_SMALL = 12
# The model is shown a few KB of each output, cut to its head and tail; scanning more than this of a
# megabyte of stdout only costs time (22 s for 1 MB and 100 numbers before this cap and the index).
_SCAN_CHARS = 64 << 10


def _parse(token: str) -> tuple[float, int, float] | None:
    """(value, decimals shown, scale) of a number token, or None when it is not one."""
    token = token.replace("−", "-").strip()
    scale = 1.0
    for suffix, factor in _SCALES.items():
        if token.endswith(suffix):
            token, scale = token[: -len(suffix)].strip(), factor
            break
    token = token.rstrip("%").strip()
    digits = token.replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return value, decimals, scale


def _values(text: str) -> list[float]:
    found = []
    for match in _NUMBER.finditer(text):
        parsed = _parse(match.group())
        if parsed is not None:
            found.append(parsed[0] * parsed[2])
    return found


def _matches(shown: float, decimals: int, scale: float, source: float) -> bool:
    step = 0.5 * 10.0**-decimals * scale + 1e-9 * max(1.0, abs(source))
    candidates = (source, source * 100, -source)
    return any(abs(abs(shown) * scale - abs(c)) <= step for c in candidates)


class _Sources:
    """The absolute values an answer's numbers may round to, sorted once so each lookup is a bisection."""

    def __init__(self, values: list[float]) -> None:
        self.values = sorted({abs(v) for v in values} | {abs(v * 100) for v in values})

    def supports(self, shown: float, decimals: int, scale: float) -> bool:
        target = abs(shown) * scale
        # Wider than any step `_matches` allows (its relative slack is 1e-9 of a source within `step` of
        # `target`); each candidate in the window is then judged by `_matches` itself, so nothing changes.
        step = 0.5 * 10.0**-decimals * scale
        reach = step + 1e-8 * max(1.0, target + step)
        low = bisect_left(self.values, target - reach)
        high = bisect_right(self.values, target + reach)
        window = self.values[low:high]
        return any(_matches(shown, decimals, scale, s) or _matches(shown, decimals, scale, s / 100) for s in window)


def _scanned(output: str) -> str:
    if len(output) <= _SCAN_CHARS:
        return output
    half = _SCAN_CHARS // 2
    return output[:half] + "\n" + output[-half:]


def ungrounded_numbers(answer: str, output: str, question: str = "") -> list[str]:
    """Numbers in `answer` that neither the output nor the question supports.

    Only the head and tail of a long output are read (`_SCAN_CHARS`), as that is what the model saw.
    """
    sources = _Sources(_values(_scanned(output)) + _values(question))
    missing = []
    for match in _NUMBER.finditer(answer):
        parsed = _parse(match.group())
        if parsed is None:
            continue
        value, decimals, scale = parsed
        if scale == 1.0 and decimals == 0 and abs(value) <= _SMALL:
            continue
        if not sources.supports(value, decimals, scale):
            missing.append(match.group().strip())
    return missing
