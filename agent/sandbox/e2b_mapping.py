"""Turn what the E2B code-interpreter SDK returns into our own `Execution` value.

Kept apart from `agent.sandbox.e2b` so the mapping (ANSI stripping, output caps, base64 figures)
is pure and the backend module only deals with the network.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agent.sandbox.base import MAX_STREAM_BYTES_PER_CELL, PNG_MAGIC, Execution, ExecutionError, ResultBudget

# CSI sequences (colours, cursor moves) and the rarer OSC ones IPython may emit in tracebacks.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


# E2B's server joins IPython's traceback parts with "", which glues the header lines together.
_GLUED_HEADER = re.compile(r"(-{20,}|Traceback \(most recent call last\))(?=[^\n-])")


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes, which Slack and the LLM would only see as noise."""
    return _ANSI.sub("", text)


def tidy_traceback(traceback: str) -> str:
    """Strip colours and put back the line breaks E2B's join drops after the header lines."""
    return _GLUED_HEADER.sub(r"\1\n", strip_ansi(traceback))


def cap_text(text: str, max_bytes: int) -> tuple[str, bool]:
    """Cut `text` to at most `max_bytes` of UTF-8 without splitting a character.

    Returns:
        The possibly shortened text and whether it was cut.
    """
    raw = text.encode("utf-8", errors="replace")
    if len(raw) <= max_bytes:
        return text, False
    return raw[:max_bytes].decode("utf-8", errors="ignore"), True


def _png_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return None


def map_results(results: Iterable[Any], budget: ResultBudget) -> None:
    """Keep the parts of each SDK result we use (the figure, the text display, which one is main) in `budget`."""
    for item in results:
        encoded = getattr(item, "png", None)
        # Sized from the base64 length, so an oversized or surplus figure is never decoded.
        png = _png_bytes(encoded) if isinstance(encoded, str) and budget.png_fits(len(encoded) * 3 // 4) else None
        text = getattr(item, "text", None)
        if isinstance(encoded, str) and encoded and (png is None or not png.startswith(PNG_MAGIC)):
            continue  # a figure left out: its text is only the figure's repr
        if png is None and not isinstance(text, str):
            continue  # html-only or json-only displays carry nothing we can show
        budget.add(text if isinstance(text, str) else None, png, bool(getattr(item, "is_main_result", False)))


def map_error(error: Any) -> ExecutionError | None:
    """The SDK's `ExecutionError` (or None) as ours, without ANSI colour codes."""
    if error is None:
        return None
    return ExecutionError(
        name=strip_ansi(str(getattr(error, "name", "") or "Error")),
        value=strip_ansi(str(getattr(error, "value", "") or "")),
        traceback=tidy_traceback(str(getattr(error, "traceback", "") or "")),
    )


class OutputFlood(Exception):
    """Raised from inside the SDK's stream loop to drop the stream once a cell's output passed the hard cap."""


@dataclass
class StreamedOutput:
    """One cell's output, kept within the caps while the SDK streams it.

    The SDK appends every line it parses to its own `Execution` as well, so the only way to bound
    what the host holds is to stop reading: past `hard_cap` bytes the callbacks raise `OutputFlood`,
    which drops the stream (the code-interpreter server then interrupts the cell).
    """

    max_output_bytes: int
    hard_cap: int = MAX_STREAM_BYTES_PER_CELL
    seen: int = 0
    flooded: bool = False
    _stdout: list[str] = field(default_factory=list)
    _stderr: list[str] = field(default_factory=list)
    _kept: list[int] = field(default_factory=lambda: [0, 0])
    _cut: bool = False
    _error: ExecutionError | None = None
    _budget: ResultBudget = field(init=False)

    def __post_init__(self) -> None:
        self._budget = ResultBudget(text_cap=self.max_output_bytes)

    def on_stdout(self, message: Any) -> None:
        self._log(self._stdout, 0, str(getattr(message, "line", "")))

    def on_stderr(self, message: Any) -> None:
        self._log(self._stderr, 1, str(getattr(message, "line", "")))

    def on_result(self, result: Any) -> None:
        self._count(sum(len(v) for v in (getattr(result, "png", None), getattr(result, "text", None)) if v))
        map_results([result], self._budget)

    def on_error(self, error: Any) -> None:
        self._error = map_error(error)

    def _log(self, kept: list[str], which: int, text: str) -> None:
        size = len(text.encode("utf-8", errors="replace"))
        self._count(size)
        room = self.max_output_bytes - self._kept[which]
        if room <= 0:
            self._cut = self._cut or size > 0
            return
        piece, cut = cap_text(text, room)
        kept.append(piece)
        self._kept[which] += min(size, room)
        self._cut = self._cut or cut

    def _count(self, size: int) -> None:
        self.seen += size
        if self.seen > self.hard_cap:
            self.flooded = True
            raise OutputFlood

    def execution(self, *, duration_s: float, execution_count: object = None) -> Execution:
        """What the cell produced; a flooded cell ends in an error saying so, for the model and the user."""
        error = self._error
        if self.flooded:
            error = ExecutionError(
                name="OutputLimitExceeded",
                value=(
                    f"the cell printed more than {self.hard_cap >> 20} MB and was stopped; print a summary "
                    "(head(), describe(), value_counts()) instead of whole tables"
                ),
                traceback="",
            )
        extra: dict[str, Any] = {"execution_count": execution_count} if isinstance(execution_count, int) else {}
        return Execution(
            stdout="".join(self._stdout),
            stderr="".join(self._stderr),
            results=tuple(self._budget.results),
            error=error,
            truncated=self._cut or self._budget.truncated or self.flooded,
            duration_s=duration_s,
            extra=extra,
        )


def timeout_execution(timeout: float, duration_s: float) -> Execution:
    """The value a cell that ran past its time limit produces (the sandbox itself is still alive)."""
    return Execution(
        error=ExecutionError(
            name="TimeoutError",
            value=f"the cell ran longer than {timeout:g} s and was interrupted",
            traceback="",
        ),
        duration_s=duration_s,
    )
