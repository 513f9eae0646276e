"""The `dataagent` exit codes, which scripts rely on (README: Command line)."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """0 an answer or a clean run; 1 a refusal, a failed analysis or a lost sandbox; 2 bad usage or configuration."""

    OK = 0
    FAILED = 1
    USAGE = 2
