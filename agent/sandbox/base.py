"""The sandbox contract both backends (local bubblewrap kernel, E2B) fulfil.

A sandbox is a stateful Python kernel: variables defined in one `run` are visible in the next.
A failing cell comes back as `Execution.error`; a sandbox that is gone raises `SandboxLost`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Protocol

# Where datasets live inside every sandbox, whatever the backend.
DATA_DIR = "/home/user/data"

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# What one cell may leave on the host as rich results (displays, figures), whatever it prints: a loop
# of `display()` calls must not grow the bot's memory or post hundreds of charts.
MAX_RESULTS_PER_CELL = 20
MAX_PNGS_PER_CELL = 10
MAX_PNG_BYTES = 2 << 20
MAX_RESULT_BYTES_PER_CELL = 4 << 20
# All the output one cell may stream to the host before it is stopped (E2B: the SDK keeps every line).
MAX_STREAM_BYTES_PER_CELL = 64 << 20


@dataclass(frozen=True)
class ExecutionError:
    """A cell that raised: exception class name, message, and a traceback without ANSI colours."""

    name: str
    value: str
    traceback: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "value": self.value, "traceback": self.traceback}


@dataclass(frozen=True)
class Result:
    """One rich output of a cell: a figure (`png`) or the display of the last expression (`text`)."""

    text: str | None = None
    png: bytes | None = None
    is_main_result: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "png": base64.b64encode(self.png).decode() if self.png is not None else None,
            "is_main_result": self.is_main_result,
        }


@dataclass
class ResultBudget:
    """Collects one cell's results within the per-cell caps; `truncated` once something was left out."""

    text_cap: int
    results: list[Result] = field(default_factory=list)
    spent: int = 0
    pngs: int = 0
    truncated: bool = False

    def png_fits(self, size: int) -> bool:
        """Whether a figure of `size` bytes could still be kept (checked before decoding it)."""
        if size > MAX_PNG_BYTES or self.pngs >= MAX_PNGS_PER_CELL or not self._room(size):
            self.truncated = True
            return False
        return True

    def add(self, text: str | None, png: bytes | None, main: bool) -> None:
        """Keep one result if the budget allows; a `png` that is not a PNG image is dropped."""
        if png is not None and not png.startswith(PNG_MAGIC):
            png = None
            if text is None:
                return
        if png is not None and not self.png_fits(len(png)):
            return
        if text is not None:
            text = text[: self.text_cap]
        size = (len(png) if png is not None else 0) + (len(text.encode("utf-8", "replace")) if text else 0)
        if not self._room(size):
            self.truncated = True
            return
        self.spent += size
        self.pngs += png is not None
        self.results.append(Result(text=text, png=png, is_main_result=main))

    def _room(self, size: int) -> bool:
        return len(self.results) < MAX_RESULTS_PER_CELL and self.spent + size <= MAX_RESULT_BYTES_PER_CELL


@dataclass(frozen=True)
class Execution:
    """What a cell produced. `truncated` is set when stdout/stderr hit the output cap."""

    stdout: str = ""
    stderr: str = ""
    results: tuple[Result, ...] = ()
    error: ExecutionError | None = None
    truncated: bool = False
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def pngs(self) -> list[bytes]:
        """Every figure the cell drew, in order."""
        return [r.png for r in self.results if r.png is not None]

    @property
    def main_text(self) -> str | None:
        """The display of the cell's last expression, if it had one."""
        for r in self.results:
            if r.is_main_result and r.text is not None:
                return r.text
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "stdout": self.stdout,
            "stderr": self.stderr,
            "error": self.error.to_json() if self.error else None,
            "results": [r.to_json() for r in self.results],
            "truncated": self.truncated,
            "lost": False,
        }


def output_text(execution: Execution) -> str:
    """What a cell showed a person: its stdout, then the display of its last value (unless a figure)."""
    text = execution.stdout
    if execution.main_text and not execution.main_text.startswith(("<Axes", "<Figure", "<matplotlib")):
        text += ("\n" if text and not text.endswith("\n") else "") + execution.main_text
    return text


class Sandbox(Protocol):
    """A live, stateful, isolated Python kernel."""

    @property
    def sandbox_id(self) -> str:
        """An opaque handle another process may pass to `SandboxProvider.connect`."""
        ...

    async def upload(self, name: str, data: bytes) -> str:
        """Write `data` as `DATA_DIR/name` and return that path as seen by code in the sandbox."""
        ...

    async def run(self, code: str, timeout: float) -> Execution:
        """Run a cell. A timeout interrupts it and keeps the kernel's state when it can.

        Raises:
            SandboxLost: the sandbox is gone (state lost); start a new one.
        """
        ...

    async def is_alive(self) -> bool:
        """True when the kernel is up and answering."""
        ...

    async def close(self) -> None:
        """Stop the sandbox and everything it started. Safe to call twice."""
        ...


class SandboxProvider(Protocol):
    """Starts sandboxes and reattaches to ones started earlier (possibly by another process)."""

    kind: str

    async def create(self) -> Sandbox:
        """Start a fresh sandbox.

        Raises:
            SandboxUnavailable: the backend cannot start one; the message says what to fix.
        """
        ...

    async def connect(self, sandbox_id: str) -> Sandbox:
        """Reattach to a sandbox by handle.

        Raises:
            SandboxLost: no such sandbox is alive (expired, killed, or started by a dead process).
        """
        ...

    async def aclose(self) -> None:
        """Release what the provider holds (local: kill every sandbox it started)."""
        ...
