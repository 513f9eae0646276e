"""Progress events the engine reports while it works on a question."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

Stage = Literal[
    "loading_data",
    "inspecting",
    "writing_code",
    "running",
    "step",
    "fixing",
    "resurrecting",
    "drawing_charts",
    "writing_answer",
]


@dataclass(frozen=True)
class Progress:
    """One step of the work, with a short human sentence for it."""

    stage: Stage
    message: str
    attempt: int | None = None
    max_attempts: int | None = None


OnProgress = Callable[[Progress], Awaitable[None]]


async def report(on_progress: OnProgress | None, progress: Progress) -> None:
    """Send a progress event; a failing listener must never break the analysis."""
    if on_progress is None:
        return
    try:
        await on_progress(progress)
    except Exception:
        log.warning("progress_listener_failed stage=%s", progress.stage, exc_info=True)
