"""Every error DataAgent raises on purpose, in one tree.

    DataAgentError
    ├── ConfigError            misconfiguration a human must fix (bad model id, missing key, no bwrap)
    ├── DatasetError           a file we cannot use; the message says what is wrong and what to do
    ├── SandboxError
    │   ├── SandboxUnavailable a sandbox cannot be started at all (jail missing, provider refused)
    │   └── SandboxLost        a sandbox that existed is gone (killed, expired, crashed, unknown id)
    └── LLMError               the model failed in a way that is not the user's fault
        ├── LLMUnavailable     the model could not be reached within the retry budget
        │                      (fields: attempts, retry_after, last)
        └── ToolsUnsupported   the server refused the request because it offered tools

A failing *user cell* is not an exception: it is `Execution.error`, a value, the way e2b's
code interpreter reports it. Only a sandbox that is gone raises. A guard refusal is not an exception
either: it is a verdict (`agent.guard`) and ends as an `Answer` with status "refused".

Each adapter maps its foreign exceptions in one table: `agent.llm.groq_errors` for Groq,
`agent.llm.openai_errors` for OpenAI-compatible servers,
`agent.sandbox.e2b_mapping` for E2B.
"""

from __future__ import annotations


class DataAgentError(Exception):
    """Base of every deliberate DataAgent error; `str(err)` is fit to show a user."""


class ConfigError(DataAgentError):
    """Configuration a human must fix; retrying will not help."""


class DatasetError(DataAgentError):
    """A file that cannot be used as a dataset."""


class SandboxError(DataAgentError):
    """A problem with the sandbox itself, not with the code it ran."""


class SandboxUnavailable(SandboxError):
    """No sandbox could be started.

    Attributes:
        misconfigured: A human must fix the configuration (a missing or rejected key); retrying won't help.
    """

    def __init__(self, message: str, *, misconfigured: bool = False) -> None:
        super().__init__(message)
        self.misconfigured = misconfigured


class SandboxLost(SandboxError):
    """The sandbox died, expired or is unknown; its in-memory state is gone."""


class LLMError(DataAgentError):
    """The language model failed in a way that is not the user's fault."""


class LLMUnavailable(LLMError):
    """The model stayed unreachable (rate limits, outages, timeouts) through every retry.

    Attributes:
        attempts: HTTP attempts made before giving up.
        retry_after: Seconds the server last asked us to wait, if it said.
        last: Short loggable reason of the last failure (a status and an error code, never a body).
    """

    def __init__(self, message: str, *, attempts: int, retry_after: float | None = None, last: str = "") -> None:
        super().__init__(message)
        self.attempts = attempts
        self.retry_after = retry_after
        self.last = last


class ToolsUnsupported(LLMError):
    """The model or server does not take tools; the engine answers with fenced code instead."""
