"""Turn what the E2B code-interpreter SDK returns into our own `Execution` value.

Kept apart from `agent.sandbox.e2b` so the mapping (ANSI stripping, output caps, base64 figures)
is pure and the backend module only deals with the network.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any

from agent.sandbox.base import PNG_MAGIC, Execution, ExecutionError, ResultBudget

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


def map_execution(sdk_execution: Any, *, max_output_bytes: int, duration_s: float) -> Execution:
    """Convert an `e2b_code_interpreter.Execution` into our `Execution`, capping stdout and stderr."""
    logs = getattr(sdk_execution, "logs", None)
    stdout, cut_out = cap_text("".join(getattr(logs, "stdout", None) or []), max_output_bytes)
    stderr, cut_err = cap_text("".join(getattr(logs, "stderr", None) or []), max_output_bytes)
    extra: dict[str, Any] = {}
    count = getattr(sdk_execution, "execution_count", None)
    if isinstance(count, int):
        extra["execution_count"] = count
    budget = ResultBudget(text_cap=max_output_bytes)
    map_results(getattr(sdk_execution, "results", None) or [], budget)
    return Execution(
        stdout=stdout,
        stderr=stderr,
        results=tuple(budget.results),
        error=map_error(getattr(sdk_execution, "error", None)),
        truncated=cut_out or cut_err or budget.truncated,
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
